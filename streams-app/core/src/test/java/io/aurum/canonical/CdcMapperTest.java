package io.aurum.canonical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aurum.config.AurumConfig;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CdcMapperTest {
    final CdcMapper mapper =
            new CdcMapper(AurumConfig.fromClasspath("config/demo.yaml").pipeline());

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** An update exactly as Debezium's Postgres connector and Connect's JsonConverter (schemas on) write it. */
    static final String UPDATE = """
            {"schema":{"type":"struct","fields":[{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],
              "optional":true,"name":"billing.public.customers.Value","field":"before"}],"optional":false,"name":"billing.public.customers.Envelope"},
             "payload":{"before":null,"after":{"id":7,"name":"Acme Corp","email":" Finance@Acme.com ","phone":"312-555-0163",
               "address_line1":"__debezium_unavailable_value","city":"Chicago","postal_code":"60606","country":"US",
               "crm_contact_id":1008,"created_at":"2022-03-06T14:00:00.000000Z","updated_at":"2022-09-24T18:48:36.000000Z"},
               "source":{"version":"3.6.3.Final","connector":"postgresql","name":"billing","ts_ms":1700000000123,
               "snapshot":"false","db":"billing","schema":"public","table":"customers","txId":771,"lsn":24023128},
               "op":"u","ts_ms":1700000000456}}""";

    @Test
    void mapsADebeziumEnvelopeThroughTheConfig() {
        SourceChange c = mapper.map(
                "billing.public.customers", b("{\"schema\":{\"type\":\"struct\"},\"payload\":{\"id\":7}}"), b(UPDATE));
        assertThat(c.recordId()).isEqualTo("billing.customers:7");
        assertThat(c.delete()).isFalse();
        assertThat(c.attributes())
                .containsEntry("name", "Acme Corp")
                .containsEntry("organization", "Acme Corp")
                .containsEntry("email", " Finance@Acme.com ")
                .containsEntry("country", "US")
                .doesNotContainKey("address_line1");
        assertThat(c.unchanged()).containsExactly("address_line1");
        assertThat(c.links()).containsEntry("crm.contacts", "crm.contacts:1008");
        assertThat(c.createdAt())
                .isEqualTo(java.time.Instant.parse("2022-03-06T14:00:00Z").toEpochMilli());
        // A streamed change of a source with updated_at is timed by the row's updated_at (not the commit's
        // source.ts_ms, 1700000000123), for the whole row.
        assertThat(c.position())
                .isEqualTo(new Position(
                        24023128,
                        false,
                        java.time.Instant.parse("2022-09-24T18:48:36Z").toEpochMilli(),
                        true));
    }

    @Test
    void withoutUpdatedAtAStreamedChangeCarriesItsCommitTimeAndAReadNone() {
        String user = "{\"before\":null,\"after\":{\"id\":3,\"name\":\"Ann\",\"email\":null,\"phone\":null,"
                + "\"created_at\":null},\"source\":{\"lsn\":42,\"ts_ms\":1700000000123,\"snapshot\":\"%s\"},"
                + "\"op\":\"%s\"}";
        SourceChange streamed =
                mapper.map("support.public.users", b("{\"id\":3}"), b(String.format(user, "false", "u")));
        assertThat(streamed.position()).isEqualTo(new Position(42, false, 1700000000123L, false));
        SourceChange read = mapper.map("support.public.users", b("{\"id\":3}"), b(String.format(user, "true", "r")));
        assertThat(read.position()).isEqualTo(new Position(42, true, 0, true));
        // A row whose updated_at is null falls back to the same rules.
        String ticket = "{\"before\":null,\"after\":{\"id\":5,\"user_id\":3,\"subject\":\"s\",\"status\":\"open\","
                + "\"priority\":\"low\",\"created_at\":null,\"updated_at\":null},"
                + "\"source\":{\"lsn\":43,\"ts_ms\":1700000000999},\"op\":\"c\"}";
        assertThat(mapper.map("support.public.tickets", b("{\"id\":5}"), b(ticket))
                        .position())
                .isEqualTo(new Position(43, false, 1700000000999L, false));
    }

    @Test
    void aDeleteNeedsOnlyTheKeyAndATombstoneMapsToNothing() {
        SourceChange d = mapper.map(
                "support.public.tickets",
                b("{\"id\":9}"),
                b(
                        "{\"before\":{\"id\":9,\"user_id\":null,\"subject\":null,\"status\":null,\"priority\":null,\"created_at\":null,"
                                + "\"updated_at\":null},\"after\":null,\"source\":{\"lsn\":5,\"ts_ms\":1},\"op\":\"d\"}"));
        assertThat(d.delete()).isTrue();
        assertThat(d.recordId()).isEqualTo("support.tickets:9");
        assertThat(d.parentId()).isNull();
        assertThat(mapper.map("support.public.tickets", b("{\"id\":9}"), null)).isNull();
    }

    @Test
    void badEventsSayWhatIsWrong() {
        assertThatThrownBy(() -> mapper.map("billing.public.customers", b("{\"id\":1}"), b("{not json")))
                .isInstanceOf(MappingException.class)
                .hasMessageStartingWith("the value is not valid JSON");
        assertThatThrownBy(() -> mapper.map("billing.public.customers", b("{\"id\":1}"), b("{\"after\":{}}")))
                .hasMessage("the value has no 'op': not a Debezium change event");
        assertThatThrownBy(() -> mapper.map("nobody.public.reads", b("{\"id\":1}"), b("{}")))
                .hasMessage("no source in the pipeline config reads topic 'nobody.public.reads'");
        assertThatThrownBy(() ->
                        mapper.map("crm.public.contacts", b("{\"id\":1}"), b("{\"after\":{\"id\":1},\"op\":\"c\"}")))
                .hasMessageContaining("column 'first_name' is not in the change event");
        assertThatThrownBy(() -> mapper.map("crm.public.contacts", b("{\"id\":1}"), b("{\"op\":\"t\"}")))
                .hasMessageContaining("truncate");
    }
}
