package io.aurum.survivorship;

import static io.aurum.survivorship.SurvivorshipTest.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.canonical.SourceRecord;
import io.aurum.canonical.SourceRecord.ChildRecord;
import io.aurum.config.AurumConfig;
import io.aurum.config.PipelineConfig;
import io.aurum.config.YamlDocument;
import io.aurum.schemas.FieldValue;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.testing.TestAvroSerde;
import io.aurum.values.AvroValues;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Typed canonical values through survivorship: numbers by value, dates and instants in time order, exact decimals
 * stay exact (also when summed), integer keys break ties as numbers, and every value survives the Avro round trip of
 * customers.golden with its type.
 */
class TypedValuesTest {
    static final String CONFIG = """
            systems: {crm: {priority: 1}, billing: {priority: 2}}
            sources:
              crm.contacts: {system: crm, attributes: {v: v, amount: amount, day: day, at: at, t: t, ok: ok, tags: tags}}
              billing.customers: {system: billing, attributes: {v: v, amount: amount, day: day, at: at, t: t, ok: ok, tags: tags}}
              billing.invoices:
                parent: {source: billing.customers, column: customer_id}
                attributes: {total: total, due: due}
            golden:
              fields:
                recent:    {attribute: v, rule: most_recent}
                oldest:    {attribute: v, rule: oldest}
                amount:    {type: decimal, scale: 2, rule: max}
                first_day: {attribute: day, type: date, rule: min}
                last_at:   {attribute: at, type: timestamp, rule: max}
                wake:      {attribute: t, type: time, rule: min}
                ok:        {type: boolean, rule: most_recent}
                tags:      {rule: most_recent}
              rollups:
                total:    {child: billing.invoices, function: sum, attribute: total, type: decimal, scale: 2}
                last_due: {child: billing.invoices, function: max, attribute: due, type: date}
            """;
    static final PipelineConfig PIPELINE =
            AurumConfig.from(YamlDocument.parse("t.yaml", CONFIG, Map.of())).pipeline();
    static final Survivorship SURVIVORSHIP = new Survivorship(PIPELINE);

    static SourceRecord rec(String source, String key, long ts, Map<String, List<ChildRecord>> children, Object... kv) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        Map<String, Long> attributeTs = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            attributes.put((String) kv[i], kv[i + 1]);
            attributeTs.put((String) kv[i], ts);
        }
        String system = source.startsWith("crm") ? "crm" : "billing";
        return new SourceRecord(source, key, system, attributes, attributeTs, List.of(), Long.MAX_VALUE, ts, children);
    }

    static Object value(GoldenCustomer g, String field) {
        return AvroValues.fromAvro(g.getFields().get(field).getValue());
    }

    @Test
    void tiesUnderMostRecentAndOldestCompareIntegerKeysAsNumbers() {
        GoldenCustomer g = SURVIVORSHIP.golden(
                "g",
                cluster(
                        rec("billing.customers", "1000", 5, Map.of(), "v", "ten hundred"),
                        rec("billing.customers", "999", 5, Map.of(), "v", "nine nine nine")));
        assertThat(g.getFields().get("recent").getKey()).isEqualTo("999");
        assertThat(g.getFields().get("oldest").getKey()).isEqualTo("999");
        assertThat(Keys.ORDER.compare("999", "1000")).isNegative();
        assertThat(Keys.ORDER.compare("-5", "3")).isNegative();
        assertThat(Keys.ORDER.compare("a|10", "a|9")).isPositive();
        assertThat(Keys.ORDER.compare("abc", "abd")).isNegative();
    }

    @Test
    void typedValuesRankByTypeAndKeepTheirTypeThroughAvro() {
        GoldenCustomer g = SURVIVORSHIP.golden(
                "g",
                cluster(
                        rec(
                                "crm.contacts",
                                "1",
                                10,
                                Map.of(),
                                "amount",
                                new BigDecimal("999.99"),
                                "day",
                                LocalDate.of(2020, 1, 31),
                                "at",
                                Instant.parse("2024-01-01T00:00:00.000001Z"),
                                "t",
                                LocalTime.of(9, 0),
                                "ok",
                                false,
                                "tags",
                                List.of("vip", "eu")),
                        rec(
                                "billing.customers",
                                "2",
                                20,
                                Map.of(
                                        "billing.invoices",
                                        List.of(
                                                new ChildRecord(
                                                        "1",
                                                        Map.of(
                                                                "total",
                                                                new BigDecimal("10.50"),
                                                                "due",
                                                                LocalDate.of(2024, 2, 1)),
                                                        5),
                                                new ChildRecord(
                                                        "2",
                                                        Map.of(
                                                                "total",
                                                                new BigDecimal("2.25"),
                                                                "due",
                                                                LocalDate.of(2024, 1, 1)),
                                                        6))),
                                "amount",
                                new BigDecimal("3000.00"),
                                "day",
                                LocalDate.of(2019, 12, 31),
                                "at",
                                Instant.parse("2024-01-01T00:00:00Z"),
                                "t",
                                LocalTime.of(7, 30),
                                "ok",
                                true)));
        GoldenCustomer read = roundTrip(g);
        assertThat(read).isEqualTo(g);
        assertThat(value(read, "amount")).isEqualTo(new BigDecimal("3000.00"));
        assertThat(value(read, "first_day")).isEqualTo(LocalDate.of(2019, 12, 31));
        assertThat(value(read, "last_at")).isEqualTo(Instant.parse("2024-01-01T00:00:00.000001Z"));
        assertThat(value(read, "wake")).isEqualTo(LocalTime.of(7, 30));
        assertThat(value(read, "ok")).isEqualTo(true);
        assertThat(value(read, "tags")).isEqualTo(List.of("vip", "eu"));
        assertThat(value(read, "total")).isEqualTo(new BigDecimal("12.75"));
        assertThat(value(read, "last_due")).isEqualTo(LocalDate.of(2024, 2, 1));
        assertThat(read.getFields().get("last_due").getKey()).isEqualTo("1");
    }

    @Test
    void aNumberTheDecimalFieldsScaleCannotHoldIsNotAUsableValue() {
        FieldValue v = SURVIVORSHIP
                .golden(
                        "g",
                        cluster(
                                rec("crm.contacts", "1", 1, Map.of(), "amount", new BigDecimal("5.125")),
                                rec("billing.customers", "2", 1, Map.of(), "amount", "4.10")))
                .getFields()
                .get("amount");
        assertThat(AvroValues.fromAvro(v.getValue())).isEqualTo("4.10");
        assertThat(v.getKey()).isEqualTo("2");
    }

    static GoldenCustomer roundTrip(GoldenCustomer g) {
        TestAvroSerde<GoldenCustomer> serde = new TestAvroSerde<>(GoldenCustomer.class);
        return serde.deserializer().deserialize("t", serde.serializer().serialize("t", g));
    }
}
