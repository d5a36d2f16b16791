package io.aurum.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.values.AvroValues;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The audit compares the model's values with the live golden record's. Typed values reach it in two shapes (the
 * model's canonical Java value, the live record's branch of the public union); on the demo every support ticket
 * roll-up ({@code last_ticket_at}) was reported as drift until both were compared as the same canonical value.
 */
class AuditValuesTest {
    @Test
    void aTimestampOrDecimalIsTheSameValueInEitherShape() {
        Instant at = Instant.parse("2024-08-28T14:04:40Z");
        assertThat(Audit.str(AvroValues.toAvro(at))).isEqualTo(Audit.str(at)).isEqualTo("2024-08-28T14:04:40Z");
        BigDecimal money = new BigDecimal("1648.50");
        assertThat(Audit.str(AvroValues.toAvro(money)))
                .isEqualTo(Audit.str(money))
                .isEqualTo("1648.50");
        assertThat(Audit.str("Acme")).isEqualTo("Acme");
        assertThat(Audit.str(42L)).isEqualTo("42");
        assertThat(Audit.str(null)).isNull();
    }

    @Test
    void differentInstantsStayDifferent() {
        assertThat(Audit.str(AvroValues.toAvro(Instant.parse("2024-08-28T14:04:40Z"))))
                .isNotEqualTo(Audit.str(Instant.parse("2024-08-28T14:04:41Z")));
    }
}
