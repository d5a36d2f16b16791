package io.aurum.golden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aurum.config.AurumConfig;
import io.aurum.config.PipelineConfig;
import io.aurum.config.YamlDocument;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.testing.Cdc;
import io.aurum.testing.TopologyHarness;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * customers.golden.table: the schema follows the config (one typed nullable column per field and roll-up), adding or
 * removing a field is compatible both ways, and the rows follow customers.golden through the real topology, tombstones
 * included.
 */
class GoldenTableTest {
    static final String BASE = """
            systems: {shop: {priority: 1}, desk: {priority: 2}}
            sources:
              shop.accounts:
                system: shop
                attributes: {name: full_name, email: email_address, balance: balance, since: opened_on}
                match: {email: email}
              desk.people:
                system: desk
                key: [person_id]
                attributes: {name: display_name, email: mail}
                match: {email: email}
              shop.orders:
                parent: {source: shop.accounts, column: account_id}
                key: [order_id]
                attributes: {total: total, placed: placed_at}
            match_keys: {email: {type: email}}
            golden:
              fields:
                name:    {owner: shop, fallback: [desk]}
                email:   {type: email, rule: most_recent}
                emails:  {attribute: email, type: email, rule: collect}
                balance: {type: decimal, scale: 2, owner: shop}
                since:   {type: date, owner: shop}
              rollups:
                orders:      {child: shop.orders, function: count}
                spent:       {child: shop.orders, function: sum, attribute: total, type: decimal, scale: 2}
                last_order:  {child: shop.orders, function: max, attribute: placed, type: timestamp}
            """;

    static PipelineConfig pipeline(String yaml) {
        return AurumConfig.from(YamlDocument.parse("shop.yaml", yaml, Map.of())).pipeline();
    }

    @Test
    void oneTypedNullableColumnPerFieldAndRollUp() {
        Schema s = GoldenTable.schemaFor(pipeline(BASE));
        assertThat(s.getFields().stream().map(Schema.Field::name))
                .containsExactly(
                        "golden_id",
                        "name",
                        "email",
                        "emails",
                        "balance",
                        "since",
                        "orders",
                        "spent",
                        "last_order",
                        "aurum_members",
                        "aurum_lineage",
                        "aurum_updated_at",
                        "aurum_open_conflicts");
        assertThat(branch(s, "balance").getLogicalType()).isEqualTo(LogicalTypes.decimal(38, 2));
        assertThat(branch(s, "since").getLogicalType()).isEqualTo(LogicalTypes.date());
        assertThat(branch(s, "last_order").getLogicalType()).isEqualTo(LogicalTypes.timestampMicros());
        assertThat(branch(s, "orders").getType()).isEqualTo(Schema.Type.LONG);
        assertThat(branch(s, "emails").getType()).isEqualTo(Schema.Type.ARRAY);
        for (Schema.Field f : s.getFields().subList(1, 9)) {
            assertThat(f.hasDefaultValue()).as(f.name()).isTrue();
            assertThat(f.defaultVal()).as(f.name()).isEqualTo(org.apache.avro.JsonProperties.NULL_VALUE);
        }
    }

    static Schema branch(Schema s, String field) {
        return s.getField(field).schema().getTypes().get(1);
    }

    @Test
    void addingOrRemovingAFieldIsACompatibleChangeBothWays() {
        Schema v1 = GoldenTable.schemaFor(pipeline(BASE));
        Schema v2 = GoldenTable.schemaFor(pipeline(BASE.replace(
                "    since:   {type: date, owner: shop}\n",
                "    since:   {type: date, owner: shop}\n    tier:    {attribute: name, owner: desk}\n")));
        Schema v3 = GoldenTable.schemaFor(
                pipeline(BASE.replace("    balance: {type: decimal, scale: 2, owner: shop}\n", "")));
        assertThat(v2.getField("tier")).isNotNull();
        assertThat(v3.getField("balance")).isNull();
        for (Schema[] pair :
                List.of(new Schema[] {v1, v2}, new Schema[] {v2, v1}, new Schema[] {v1, v3}, new Schema[] {v3, v1})) {
            assertThat(SchemaCompatibility.checkReaderWriterCompatibility(pair[0], pair[1])
                            .getType())
                    .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        }
    }

    @Test
    void aSchemaRegistryAcceptsAddedAndRemovedFieldsAndRefusesAChangedType() throws Exception {
        Schema v1 = GoldenTable.schemaFor(pipeline(BASE));
        Schema v2 = GoldenTable.schemaFor(pipeline(BASE.replace(
                "    since:   {type: date, owner: shop}\n",
                "    since:   {type: date, owner: shop}\n    tier:    {attribute: name, owner: desk}\n")));
        Schema v3 = GoldenTable.schemaFor(
                pipeline(BASE.replace("    balance: {type: decimal, scale: 2, owner: shop}\n", "")));
        Schema retyped = GoldenTable.schemaFor(pipeline(
                BASE.replace("    since:   {type: date, owner: shop}", "    since:   {type: text, owner: shop}")));
        try (io.aurum.registry.LocalSchemaRegistry registry = new io.aurum.registry.LocalSchemaRegistry(
                                0, new io.aurum.registry.InMemorySchemaStore())
                        .start();
                io.aurum.serde.GenericAvroWireSerde serde =
                        io.aurum.serde.GenericAvroWireSerde.of(Map.of("schema.registry.url", registry.url()), false)) {
            int id1 = serde.register("customers.golden.table", v1);
            int id2 = serde.register("customers.golden.table", v2);
            int id3 = serde.register("customers.golden.table", v3);
            assertThat(List.of(id1, id2, id3)).doesNotHaveDuplicates();
            assertThatThrownBy(() -> serde.register("customers.golden.table", retyped))
                    .hasMessageContaining("customers.golden.table-value")
                    .hasMessageContaining("409");
        }
    }

    @Test
    void rowsFollowTheGoldenTopicThroughTheTopologyTombstonesIncluded() throws Exception {
        AurumConfig config = AurumConfig.from(YamlDocument.parse("shop.yaml", BASE, Map.of()));
        Cdc cdc = new Cdc();
        try (TopologyHarness h = new TopologyHarness(config, 2)) {
            h.pipe(
                    cdc.insert(
                            "shop.public.accounts",
                            Cdc.row(
                                    "id",
                                    1,
                                    "full_name",
                                    "Ada",
                                    "email_address",
                                    "ada@x.com",
                                    "balance",
                                    "3000.00",
                                    "opened_on",
                                    "2018-05-01")),
                    cdc.insert(
                            "desk.public.people",
                            Cdc.row("person_id", 7, "display_name", "A. L.", "mail", "ADA@x.com")),
                    cdc.insert(
                            "shop.public.orders",
                            Cdc.row(
                                    "order_id",
                                    10,
                                    "account_id",
                                    1,
                                    "total",
                                    "12.50",
                                    "placed_at",
                                    "2024-03-01T10:00:00Z")),
                    cdc.insert(
                            "shop.public.orders",
                            Cdc.row(
                                    "order_id",
                                    11,
                                    "account_id",
                                    1,
                                    "total",
                                    "7.25",
                                    "placed_at",
                                    "2024-03-02T10:00:00Z")));
            assertThat(h.golden()).hasSize(1);
            String id = h.golden().keySet().iterator().next();
            GoldenCustomer golden = h.golden().get(id);
            GenericRecord row = h.goldenTable().get(id);
            assertThat(h.goldenTable()).containsOnlyKeys(id);
            assertThat(row.get("golden_id").toString()).isEqualTo(id);
            assertThat(row.get("name").toString()).isEqualTo("Ada");
            assertThat(decimal(row.get("balance"), 2)).isEqualTo(new BigDecimal("3000.00"));
            assertThat(row.get("since"))
                    .isEqualTo((int) LocalDate.of(2018, 5, 1).toEpochDay());
            assertThat(row.get("orders")).isEqualTo(2L);
            assertThat(decimal(row.get("spent"), 2)).isEqualTo(new BigDecimal("19.75"));
            assertThat(row.get("last_order")).isEqualTo(1_709_373_600_000_000L);
            assertThat(((List<?>) row.get("emails")).stream().map(Object::toString))
                    .containsExactly("ada@x.com"); // one distinct value in normal form
            assertThat(((List<?>) row.get("aurum_members")).stream().map(Object::toString))
                    .containsExactly("desk.people:7", "shop.accounts:1");
            JsonNode lineage =
                    new ObjectMapper().readTree(row.get("aurum_lineage").toString());
            assertThat(lineage.path("name").path("rule").asText()).isEqualTo("owner:shop");
            assertThat(lineage.path("name").path("key").asText()).isEqualTo("1");
            assertThat(row.get("aurum_open_conflicts")).isEqualTo(golden.getOpenConflicts());

            // The shop account goes: its desk person stays as a customer of its own, the old golden id is tombstoned.
            h.pipe(cdc.delete("shop.public.accounts", 1));
            assertThat(h.goldenTable().keySet()).isEqualTo(h.golden().keySet());
            for (Map.Entry<String, GenericRecord> e : h.goldenTable().entrySet()) {
                assertThat(e.getValue().get("name").toString()).isEqualTo("A. L.");
                assertThat(e.getValue().get("balance")).isNull();
            }
        }
    }

    static BigDecimal decimal(Object avro, int scale) {
        ByteBuffer b = ((ByteBuffer) avro).duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new BigDecimal(new java.math.BigInteger(bytes), scale);
    }
}
