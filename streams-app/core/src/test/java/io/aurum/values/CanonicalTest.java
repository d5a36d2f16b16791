package io.aurum.values;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** Coercions, text and order of canonical values; the fast UTC timestamp reader agrees with java.time's. */
class CanonicalTest {
    @Property(tries = 500)
    void theFastUtcReaderAgreesWithTheIsoParser(
            @ForAll @LongRange(min = -30_000_000_000L, max = 250_000_000_000L) long second,
            @ForAll @LongRange(min = 0, max = 999_999_999) long nanos) {
        Instant i = Instant.ofEpochSecond(second, nanos);
        String micros = i.truncatedTo(java.time.temporal.ChronoUnit.MICROS).toString();
        assertThat(Canonical.instant(micros)).isEqualTo(Instant.parse(micros));
        assertThat(Canonical.instant(i.toString())).isEqualTo(i);
    }

    @Test
    void coercionsAreLosslessOrNull() {
        assertThat(Canonical.instant("2024-03-01T12:34:56.789+02:00"))
                .isEqualTo(Instant.parse("2024-03-01T10:34:56.789Z"));
        assertThat(Canonical.instant("2024-03-01 12:34:56")).isEqualTo(Instant.parse("2024-03-01T12:34:56Z"));
        assertThat(Canonical.instant("2024-13-01T00:00:00Z")).isNull();
        assertThat(Canonical.instant(17652L)).isEqualTo(Instant.parse("2018-05-01T00:00:00Z"));
        assertThat(Canonical.instant(1_580_630_400_000_000L)).isEqualTo(Instant.parse("2020-02-02T08:00:00Z"));
        assertThat(Canonical.date(Instant.parse("2024-03-01T23:59:59Z"))).isEqualTo(LocalDate.of(2024, 3, 1));
        assertThat(Canonical.time("07:30:00+02:00")).isEqualTo(LocalTime.of(7, 30));
        assertThat(Canonical.integer(new BigDecimal("12.00"))).isEqualTo(12L);
        assertThat(Canonical.integer(new BigDecimal("12.5"))).isNull();
        assertThat(Canonical.decimal(0.1)).isEqualTo(new BigDecimal("0.1"));
        assertThat(Canonical.decimal("BJPg")).isNull();
        assertThat(Canonical.bool("t")).isTrue();
        assertThat(Canonical.bool("yes")).isNull();
        assertThat(OffsetDateTime.parse("2024-03-01T12:34:56Z").toInstant())
                .isEqualTo(Canonical.instant("2024-03-01T12:34:56Z"));
    }

    @Test
    void textIsTheSameForEqualValues() {
        assertThat(Canonical.text(new BigDecimal("3E+3"))).isEqualTo("3000");
        assertThat(Canonical.text(new BigDecimal("3000.00"))).isEqualTo("3000.00");
        assertThat(Canonical.text(new byte[] {1, 2, 3})).isEqualTo("AQID");
        assertThat(Canonical.text(List.of("a", 1L, Map.of("k", true)))).isEqualTo("[\"a\",1,{\"k\":true}]");
    }

    @Test
    void looseOrderPutsNumbersThenTimesThenText() {
        List<Object> sorted = new java.util.ArrayList<>(List.of(
                "zeta",
                Instant.parse("2024-01-01T00:00:00Z"),
                10L,
                "2023-06-01",
                new BigDecimal("9.5"),
                LocalTime.NOON));
        sorted.sort(Canonical.LOOSE);
        assertThat(sorted)
                .containsExactly(
                        new BigDecimal("9.5"),
                        10L,
                        "2023-06-01",
                        Instant.parse("2024-01-01T00:00:00Z"),
                        LocalTime.NOON,
                        "zeta");
    }
}
