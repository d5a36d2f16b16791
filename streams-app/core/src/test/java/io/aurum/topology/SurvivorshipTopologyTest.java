package io.aurum.topology;

import static io.aurum.testing.Cdc.row;
import static io.aurum.topology.AurumTopologyTest.CONTACTS;
import static io.aurum.topology.AurumTopologyTest.CUSTOMERS;
import static io.aurum.topology.AurumTopologyTest.SUBSCRIPTIONS;
import static io.aurum.topology.AurumTopologyTest.USERS;
import static io.aurum.topology.AurumTopologyTest.contact;
import static io.aurum.topology.AurumTopologyTest.customer;
import static io.aurum.topology.AurumTopologyTest.user;
import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.errors.DeadLetters;
import io.aurum.identity.GoldenIds;
import io.aurum.schemas.Conflict;
import io.aurum.schemas.FieldOverride;
import io.aurum.schemas.FieldValue;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.testing.Cdc;
import io.aurum.testing.TopologyHarness;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Survivorship in the real topology: lineage, conflicts, overrides and roll-ups, on the demo config. */
class SurvivorshipTopologyTest {
    final Cdc cdc = new Cdc();
    final TopologyHarness t = new TopologyHarness();

    @AfterEach
    void close() {
        t.close();
    }

    static Map<String, Object> subscription(long id, long customer, String status, long mrr, String started) {
        return row(
                "id",
                id,
                "customer_id",
                customer,
                "plan",
                "pro",
                "status",
                status,
                "mrr_cents",
                mrr,
                "started_at",
                started,
                "canceled_at",
                null);
    }

    FieldValue lineage(String recordId, String field) {
        return t.goldenOf(recordId).getFields().get(field);
    }

    @Test
    void everyFieldCarriesTheLineageOfTheChangeThatLastModifiedIt() {
        Cdc.Event created = cdc.insert(
                CONTACTS, contact(1, "Jane", "Doe", "jane@gmail.com", "+1 415 555 0134", "2020-01-01T00:00:00Z"));
        t.pipe(
                created,
                cdc.insert(
                        CUSTOMERS,
                        customer(10, "J. Doe", "jane@gmail.com", "+1 415 555 0199", "US", 1L, "2021-01-01T00:00:00Z")));
        FieldValue nameBefore = lineage("crm.contacts:1", "name");
        assertThat(nameBefore.getSourceTs()).isEqualTo(Instant.parse("2020-01-01T00:00:00Z"));
        // The application bumps updated_at with the phone; contacts name updated_at, so that time holds for every
        // attribute of the row (docs/configuration.md, Times).
        Map<String, Object> changed =
                contact(1, "Jane", "Doe", "jane@gmail.com", "+1 415 555 0142", "2020-01-01T00:00:00Z");
        changed.put("updated_at", "2023-04-01T00:00:00Z");
        t.pipe(cdc.update(CONTACTS, changed));

        FieldValue phone = lineage("crm.contacts:1", "phone");
        assertThat(phone.getValue()).isEqualTo("+14155550142");
        assertThat(phone.getRaw()).isEqualTo("+1 415 555 0142");
        assertThat(phone.getRule()).isEqualTo("owner:crm");
        assertThat(phone.getSystem()).isEqualTo("crm");
        assertThat(phone.getSource()).isEqualTo("crm.contacts");
        assertThat(phone.getKey()).isEqualTo("1");
        assertThat(phone.getSourceTs()).isEqualTo(Instant.parse("2023-04-01T00:00:00Z"));
        FieldValue name = lineage("crm.contacts:1", "name");
        assertThat(name.getValue()).isEqualTo(nameBefore.getValue());
        assertThat(name.getSource() + ":" + name.getKey()).isEqualTo("crm.contacts:1");
        assertThat(name.getSourceTs()).isEqualTo(Instant.parse("2023-04-01T00:00:00Z"));
        FieldValue city = lineage("crm.contacts:1", "city");
        assertThat(city.getRule()).isEqualTo("owner:billing");
        assertThat(city.getSource() + ":" + city.getKey()).isEqualTo("billing.customers:10");
        FieldValue phones = lineage("crm.contacts:1", "phones");
        assertThat(phones.getValues()).hasSize(2);
        // Every field has a rule, and every field with a value says where it came from.
        for (FieldValue f : t.goldenOf("crm.contacts:1").getFields().values()) {
            assertThat(f.getRule()).isNotBlank();
            if (f.getValue() != null && !f.getRule().startsWith("rollup:")) {
                assertThat(f.getSystem()).isNotNull();
                assertThat(f.getSource()).isNotNull();
                assertThat(f.getKey()).isNotNull();
                assertThat(f.getSourceTs()).isNotNull();
            }
        }
    }

    @Test
    void withoutUpdatedAtAFieldKeepsTheCommitTimeOfTheChangeThatLastModifiedIt() {
        // support.users names no updated_at: a streamed change times only the attributes it modified.
        t.pipe(cdc.insert(USERS, user(7, "Ann Lee", "ann@gmail.com", "+1 415 555 0134", "2022-01-01T00:00:00Z")));
        FieldValue nameBefore = lineage("support.users:7", "name");
        FieldValue phoneBefore = lineage("support.users:7", "phone");
        t.pipe(cdc.update(USERS, user(7, "Ann Lee", "ann@gmail.com", "+1 415 555 0142", "2022-01-01T00:00:00Z")));
        FieldValue phone = lineage("support.users:7", "phone");
        assertThat(phone.getValue()).isEqualTo("+14155550142");
        assertThat(phone.getRaw()).isEqualTo("+1 415 555 0142");
        assertThat(phone.getSourceTs()).isAfter(phoneBefore.getSourceTs());
        // The name did not change, so its lineage still points at the change that wrote it.
        assertThat(lineage("support.users:7", "name")).isEqualTo(nameBefore);
    }

    @Test
    void aConflictAppearsWhileSourcesDisagreeAndIsTombstonedWhenTheyAgree() {
        String id = GoldenIds.of("crm.contacts:1");
        t.pipe(
                cdc.insert(
                        CONTACTS,
                        contact(1, "Jane", "Doe", "jane@gmail.com", "+1 415 555 0134", "2020-01-01T00:00:00Z")),
                cdc.insert(
                        CUSTOMERS,
                        customer(
                                10, "Jane Doe", "jane@gmail.com", "(415) 555-0134", "US", 1L, "2021-01-01T00:00:00Z")));
        // Same phone in another format, same name: no conflict.
        assertThat(t.conflicts()).isEmpty();
        assertThat(t.golden().get(id).getOpenConflicts()).isZero();

        t.pipe(cdc.update(
                CUSTOMERS,
                customer(10, "Jane Doe", "jane@gmail.com", "+1 415 555 0199", "US", 1L, "2021-01-01T00:00:00Z")));
        assertThat(t.conflicts()).containsOnlyKeys(id + "/phone");
        Conflict c = t.conflicts().get(id + "/phone");
        assertThat(c.getKind()).isEqualTo("value");
        assertThat(c.getWinner().getValue()).isEqualTo("+14155550134");
        assertThat(c.getWinner().getRule()).isEqualTo("owner:crm");
        assertThat(c.getValues()).containsOnlyKeys("billing.customers:10");
        assertThat(c.getValues().get("billing.customers:10").getValue()).isEqualTo("+14155550199");
        assertThat(t.golden().get(id).getOpenConflicts()).isEqualTo(1);

        // An unrelated change does not repeat the open conflict.
        int written = t.conflictLog().size();
        t.pipe(cdc.update(
                CONTACTS, contact(1, "Janet", "Doe", "jane@gmail.com", "+1 415 555 0134", "2020-01-01T00:00:00Z")));
        assertThat(t.conflictLog()).hasSize(written + 1); // only the new name conflict
        assertThat(t.conflicts()).containsOnlyKeys(id + "/phone", id + "/name");

        t.pipe(cdc.update(
                CUSTOMERS,
                customer(10, "Janet Doe", "jane@gmail.com", "415.555.0134", "US", 1L, "2021-01-01T00:00:00Z")));
        assertThat(t.conflicts()).isEmpty();
        List<TestRecord<String, Conflict>> log = t.conflictLog();
        assertThat(log.subList(log.size() - 2, log.size()))
                .allSatisfy(r -> assertThat(r.value()).isNull());
        assertThat(t.golden().get(id).getOpenConflicts()).isZero();
    }

    @Test
    void acmeBilledTwiceOpensTheDeclaredAnomalyUntilOneSubscriptionIsCancelled() {
        // The fuzzy organisation rule is not this test's concern: both billing accounts link to the same CRM contact.
        String id = GoldenIds.of("crm.contacts:1008");
        t.pipe(
                cdc.insert(
                        CONTACTS,
                        contact(
                                1008,
                                "John",
                                "Carter",
                                "john.carter@acme.com",
                                "(312) 555-0100",
                                "2018-01-01T00:00:00Z")),
                cdc.insert(SUBSCRIPTIONS, subscription(40002, 2002, "active", 129900, "2019-01-01T00:00:00Z")),
                cdc.insert(SUBSCRIPTIONS, subscription(40082, 2089, "active", 39900, "2022-01-01T00:00:00Z")),
                cdc.insert(
                        CUSTOMERS,
                        customer(
                                2002,
                                "Acme Corp",
                                "finance@acme.com",
                                "312-555-0163",
                                "US",
                                1008L,
                                "2019-01-01T00:00:00Z")),
                cdc.insert(
                        CUSTOMERS,
                        customer(
                                2089,
                                "ACME Corp",
                                "ops@acme.com",
                                "312.555.0190",
                                "US",
                                1008L,
                                "2022-01-01T00:00:00Z")));
        GoldenCustomer acme = t.golden().get(id);
        assertThat(acme.getSources()).hasSize(3);
        assertThat(acme.getFields().get("active_subscriptions").getValue()).isEqualTo(2L);
        assertThat(acme.getFields().get("mrr_cents").getValue()).isEqualTo(169800L);
        assertThat(acme.getFields().get("subscription_status").getValue()).isEqualTo("active");
        Conflict c = t.conflicts().get(id + "/multiple_active_subscriptions");
        assertThat(c).isNotNull();
        assertThat(c.getKind()).isEqualTo("anomaly");
        assertThat(c.getValues().get("billing.subscriptions:40002").getValue()).isEqualTo("billing.customers:2002");
        assertThat(c.getValues().get("billing.subscriptions:40082").getValue()).isEqualTo("billing.customers:2089");

        Map<String, Object> cancelled = subscription(40082, 2089, "canceled", 39900, "2022-01-01T00:00:00Z");
        cancelled.put("canceled_at", "2024-01-01T00:00:00Z");
        t.pipe(cdc.update(SUBSCRIPTIONS, cancelled));
        assertThat(t.conflicts()).doesNotContainKey(id + "/multiple_active_subscriptions");
        assertThat(t.golden().get(id).getFields().get("mrr_cents").getValue()).isEqualTo(129900L);
    }

    @Test
    void rollUpsOfChildrenThatArriveFirstFollowTheirParentIntoAnotherCluster() {
        t.pipe(
                cdc.insert(SUBSCRIPTIONS, subscription(100, 10, "canceled", 4900, "2020-01-01T00:00:00Z")),
                cdc.insert(SUBSCRIPTIONS, subscription(101, 10, "past_due", 9900, "2021-01-01T00:00:00Z")),
                cdc.insert(CONTACTS, contact(1, "Ann", "Lee", "ann@gmail.com", null, "2019-01-01T00:00:00Z")),
                cdc.insert(CONTACTS, contact(2, "Bo", "Kim", "bo@gmail.com", null, "2019-06-01T00:00:00Z")));
        assertThat(t.golden()).hasSize(2);
        t.pipe(cdc.insert(
                CUSTOMERS, customer(10, "Ann Lee", "billing@lee.io", null, "US", 1L, "2020-01-01T00:00:00Z")));
        assertThat(t.field("crm.contacts:1", "subscription_status")).isEqualTo("past_due");
        assertThat(t.field("crm.contacts:1", "mrr_cents")).isEqualTo(0L);
        FieldValue status = lineage("crm.contacts:1", "subscription_status");
        assertThat(status.getRule()).isEqualTo("rollup:latest");
        assertThat(status.getSource() + ":" + status.getKey()).isEqualTo("billing.subscriptions:101");

        // The billing account now belongs to Bo: its subscriptions leave Ann's golden record and join Bo's.
        t.pipe(cdc.update(
                CUSTOMERS, customer(10, "Ann Lee", "billing@lee.io", null, "US", 2L, "2020-01-01T00:00:00Z")));
        assertThat(t.field("crm.contacts:1", "subscription_status")).isNull();
        assertThat(t.field("crm.contacts:2", "subscription_status")).isEqualTo("past_due");
        t.pipe(cdc.update(SUBSCRIPTIONS, subscription(100, 10, "active", 4900, "2020-01-01T00:00:00Z")));
        assertThat(t.field("crm.contacts:2", "subscription_status")).isEqualTo("active");
        assertThat(t.field("crm.contacts:2", "mrr_cents")).isEqualTo(4900L);
    }

    static FieldOverride override(String goldenId, String source, String key, String field, Object value, long at) {
        return FieldOverride.newBuilder()
                .setGoldenId(goldenId)
                .setSource(source)
                .setKey(key)
                .setField(field)
                .setValue(value)
                .setWho("steward@aurum")
                .setWhy("verified by phone")
                .setAt(Instant.ofEpochMilli(at))
                .build();
    }

    @Test
    void overridesWinFollowTheirRecordAndCanBeWithdrawn() {
        t.pipe(
                cdc.insert(CONTACTS, contact(1, "Ann", "Lee", "ann@gmail.com", null, "2019-01-01T00:00:00Z")),
                cdc.insert(CONTACTS, contact(2, "Bo", "Kim", "bo@gmail.com", null, "2019-06-01T00:00:00Z")),
                cdc.insert(
                        CUSTOMERS,
                        customer(
                                10, "Ann Lee", "billing@lee.io", "+1 415 555 0100", "US", 1L, "2020-01-01T00:00:00Z")));
        String ann = GoldenIds.of("crm.contacts:1");
        String bo = GoldenIds.of("crm.contacts:2");

        t.override(ann + "/name", override(ann, null, null, "name", "Ann B. Lee", 5));
        FieldValue name = t.golden().get(ann).getFields().get("name");
        assertThat(name.getValue()).isEqualTo("Ann B. Lee");
        assertThat(name.getRule()).isEqualTo("override");
        assertThat(name.getWho()).isEqualTo("steward@aurum");
        assertThat(name.getWhy()).isEqualTo("verified by phone");
        assertThat(name.getSource()).isNull();

        t.override("billing.customers:10/country", override(null, "billing.customers", "10", "country", "CA", 6));
        assertThat(t.golden().get(ann).getFields().get("country").getValue()).isEqualTo("CA");
        assertThat(t.golden().get(ann).getFields().get("country").getKey()).isEqualTo("10");
        assertThat(t.golden().get(bo).getFields().get("country").getValue()).isNull();

        // The billing record moves to Bo; its override goes with it, the golden-id override stays with Ann.
        t.pipe(cdc.update(
                CUSTOMERS,
                customer(10, "Ann Lee", "billing@lee.io", "+1 415 555 0100", "US", 2L, "2020-01-01T00:00:00Z")));
        assertThat(t.golden().get(bo).getFields().get("country").getValue()).isEqualTo("CA");
        assertThat(t.golden().get(bo).getFields().get("country").getRule()).isEqualTo("override");
        assertThat(t.golden().get(ann).getFields().get("country").getValue()).isNull();
        assertThat(t.golden().get(ann).getFields().get("name").getValue()).isEqualTo("Ann B. Lee");

        t.override("billing.customers:10/country", null);
        assertThat(t.golden().get(bo).getFields().get("country").getValue()).isEqualTo("US");
        assertThat(t.golden().get(bo).getFields().get("country").getRule()).isEqualTo("owner:billing");
        t.override(ann + "/name", null);
        assertThat(t.golden().get(ann).getFields().get("name").getValue()).isEqualTo("Ann Lee");
    }

    @Test
    void aBadOverrideGoesToTheDeadLetterTopic() {
        t.pipe(cdc.insert(CONTACTS, contact(1, "Ann", "Lee", "ann@gmail.com", null, "2019-01-01T00:00:00Z")));
        t.override("x", override(null, null, null, "name", "nobody", 1));
        t.override("y", override(GoldenIds.of("crm.contacts:1"), null, null, "nickname", "Annie", 1));
        List<TestRecord<byte[], byte[]>> dead = t.deadLetters();
        assertThat(dead).hasSize(2);
        assertThat(new String(
                        dead.get(0)
                                .headers()
                                .lastHeader(DeadLetters.HEADER_MESSAGE)
                                .value(),
                        StandardCharsets.UTF_8))
                .isEqualTo("override x must name either goldenId, or source and key");
        assertThat(new String(
                        dead.get(1)
                                .headers()
                                .lastHeader(DeadLetters.HEADER_MESSAGE)
                                .value(),
                        StandardCharsets.UTF_8))
                .isEqualTo("override y targets unknown golden field 'nickname'");
        assertThat(t.field("crm.contacts:1", "name")).isEqualTo("Ann Lee");
    }

    @Test
    void goldenRecordsAndConflictsDoNotDependOnArrivalOrder() {
        List<Cdc.Event> events = List.of(
                cdc.insert(
                        CONTACTS,
                        contact(
                                1008,
                                "John",
                                "Carter",
                                "john.carter@acme.com",
                                "(312) 555-0100",
                                "2018-01-01T00:00:00Z")),
                cdc.insert(
                        CUSTOMERS,
                        customer(
                                2002,
                                "Acme Corp",
                                "finance@acme.com",
                                "312-555-0163",
                                "US",
                                1008L,
                                "2019-01-01T00:00:00Z")),
                cdc.insert(
                        CUSTOMERS,
                        customer(
                                2089,
                                "ACME Corp",
                                "ops@acme.com",
                                "312.555.0190",
                                "US",
                                1008L,
                                "2022-01-01T00:00:00Z")),
                cdc.insert(SUBSCRIPTIONS, subscription(40002, 2002, "active", 129900, "2019-01-01T00:00:00Z")),
                cdc.insert(SUBSCRIPTIONS, subscription(40082, 2089, "active", 39900, "2022-01-01T00:00:00Z")),
                cdc.update(
                        CUSTOMERS,
                        customer(
                                2089,
                                "ACME Corp",
                                "ops@acme.com",
                                "312.555.0190",
                                "CA",
                                1008L,
                                "2022-01-01T00:00:00Z")),
                cdc.update(
                        CONTACTS,
                        contact(
                                1008,
                                "John",
                                "Carter",
                                "john.carter@acme.com",
                                "(312) 555-0111",
                                "2018-01-01T00:00:00Z")));
        t.pipe(events.toArray(Cdc.Event[]::new));
        Map<String, GoldenCustomer> expectedGolden = Map.copyOf(t.golden());
        Map<String, Conflict> expectedConflicts = Map.copyOf(t.conflicts());
        assertThat(t.conflicts()).containsKey(GoldenIds.of("crm.contacts:1008") + "/multiple_active_subscriptions");
        java.util.Random random = new java.util.Random(4);
        for (int i = 0; i < 4; i++) {
            try (TopologyHarness other = new TopologyHarness()) {
                other.pipe(AurumTopologyTest.interleave(events, random).toArray(Cdc.Event[]::new));
                assertThat(other.golden()).isEqualTo(expectedGolden);
                assertThat(other.conflicts()).isEqualTo(expectedConflicts);
            }
        }
    }
}
