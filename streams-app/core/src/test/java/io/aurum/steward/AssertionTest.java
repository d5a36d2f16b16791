package io.aurum.steward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aurum.canonical.MappingException;
import io.aurum.config.AurumConfig;
import io.aurum.config.PipelineConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What customers.assertions accepts: must-links of two or more records, cannot-links of exactly two. */
class AssertionTest {
    static final PipelineConfig CONFIG =
            AurumConfig.fromClasspath("config/demo.yaml").pipeline();

    static Assertion parse(String json) {
        return Assertion.parse(CONFIG, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aCannotLinkNamesTwoRecords() {
        Assertion a = parse("{\"type\":\"cannot_link\",\"records\":[\"support.users:3\",\"crm.contacts:1\"],"
                + "\"who\":\"ana\",\"why\":\"different people\"}");
        assertThat(a.cannotLink()).isTrue();
        assertThat(a.records()).isEqualTo(List.of("crm.contacts:1", "support.users:3"));
        assertThat(a.who()).isEqualTo("ana");
        assertThat(a.why()).isEqualTo("different people");
        Assertion m = parse("{\"type\":\"must_link\",\"records\":[\"support.users:3\",\"crm.contacts:1\","
                + "\"billing.customers:2\"]}");
        assertThat(m.cannotLink()).isFalse();
        assertThat(m.records()).hasSize(3);
    }

    @Test
    void aCannotLinkOfOneThreeOrTheSameRecordTwiceIsRefused() {
        for (String records : List.of(
                "[\"crm.contacts:1\"]",
                "[\"crm.contacts:1\",\"crm.contacts:1\"]",
                "[\"crm.contacts:1\",\"crm.contacts:2\",\"crm.contacts:3\"]",
                "[\"crm.contacts:1\",\"crm.contacts:2\",\"crm.contacts:2\"]",
                "[]")) {
            assertThatThrownBy(() -> parse("{\"type\":\"cannot_link\",\"records\":" + records + "}"))
                    .as(records)
                    .isInstanceOf(MappingException.class)
                    .hasMessageContaining("a cannot_link assertion names exactly two different records");
        }
        assertThatThrownBy(() -> parse("{\"type\":\"cannot_link\",\"records\":[\"crm.contacts:1\",\"nope:2\"]}"))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("does not name a record of a parent source");
        assertThatThrownBy(() -> parse("{\"type\":\"maybe_link\",\"records\":[\"crm.contacts:1\",\"crm.contacts:2\"]}"))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("only must_link and cannot_link are supported");
    }
}
