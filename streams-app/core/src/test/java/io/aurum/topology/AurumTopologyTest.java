package io.aurum.topology;

import static io.aurum.testing.Cdc.row;
import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.errors.DeadLetters;
import io.aurum.identity.GoldenIds;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.SourceRef;
import io.aurum.testing.Cdc;
import io.aurum.testing.TopologyHarness;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AurumTopologyTest {
    static final String CONTACTS = "crm.public.contacts";
    static final String CUSTOMERS = "billing.public.customers";
    static final String SUBSCRIPTIONS = "billing.public.subscriptions";
    static final String USERS = "support.public.users";
    static final String TICKETS = "support.public.tickets";

    final Cdc cdc = new Cdc();
    TopologyHarness t = new TopologyHarness();

    @AfterEach
    void close() {
        t.close();
    }

    static Map<String, Object> contact(long id, String first, String last, String email, String phone, String created) {
        return row(
                "id",
                id,
                "first_name",
                first,
                "last_name",
                last,
                "email",
                email,
                "phone",
                phone,
                "company",
                null,
                "created_at",
                created,
                "updated_at",
                created);
    }

    static Map<String, Object> customer(
            long id, String name, String email, String phone, String country, Long crmContactId, String created) {
        return row(
                "id",
                id,
                "name",
                name,
                "email",
                email,
                "phone",
                phone,
                "address_line1",
                "1 Main St",
                "city",
                "Springfield",
                "postal_code",
                "12345",
                "country",
                country,
                "crm_contact_id",
                crmContactId,
                "created_at",
                created,
                "updated_at",
                created);
    }

    static Map<String, Object> user(long id, String name, String email, String phone, String created) {
        return row("id", id, "name", name, "email", email, "phone", phone, "created_at", created);
    }

    @Test
    void emailsThatDifferOnlyInCaseAndSpacesAreOneCustomerWithCrmOwningTheName() {
        t.pipe(
                cdc.insert(CONTACTS, contact(1, "Jane", "Doe", "jane.doe@gmail.com", null, "2020-01-01T00:00:00Z")),
                cdc.insert(
                        CUSTOMERS,
                        customer(
                                10,
                                "J. Doe",
                                "  Jane.Doe@Gmail.com ",
                                "+1 415 555 0134",
                                "US",
                                null,
                                "2021-01-01T00:00:00Z")));

        assertThat(t.golden()).hasSize(1);
        GoldenCustomer g = t.golden().values().iterator().next();
        assertThat(g.getId()).isEqualTo(GoldenIds.of("crm.contacts:1"));
        assertThat(g.getSources())
                .extracting(SourceRef::getSource, SourceRef::getKey)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("billing.customers", "10"),
                        org.assertj.core.groups.Tuple.tuple("crm.contacts", "1"));
        assertThat(g.getFields().get("name").getValue()).isEqualTo("Jane Doe");
        assertThat(g.getFields().get("name").getRule()).isEqualTo("owner:crm");
        assertThat(g.getFields().get("name").getSource()).isEqualTo("crm.contacts");
        assertThat(g.getFields().get("phone").getValue()).isEqualTo("+14155550134");
        assertThat(g.getFields().get("phone").getRule()).isEqualTo("most_recent");
        assertThat(g.getFields().get("phone").getSystem()).isEqualTo("billing");
        assertThat(g.getFields().get("city").getValue()).isEqualTo("Springfield");
        assertThat(t.xref().get("billing.customers:10").getGoldenId()).isEqualTo(g.getId());
        assertThat(t.xref().get("billing.customers:10").getReason()).isEqualTo("email=j***@gmail.com");
    }

    @Test
    void phonesInDifferentFormatsMatchThroughE164WithTheRecordsOwnCountry() {
        t.pipe(
                cdc.insert(
                        CUSTOMERS,
                        customer(
                                10,
                                "Oliver Smith",
                                "oliver@example.co.uk",
                                "020 7946 0958",
                                "GB",
                                null,
                                "2021-01-01T00:00:00Z")),
                cdc.insert(USERS, user(7, null, null, "+44 20 7946 0958", "2022-01-01T00:00:00Z")));
        assertThat(t.golden()).hasSize(1);
        assertThat(t.xref().get("support.users:7").getGoldenId()).isEqualTo(GoldenIds.of("billing.customers:10"));
        assertThat(t.xref().get("support.users:7").getReason()).isEqualTo("phone=***958");
    }

    @Test
    void anExplicitLinkJoinsRecordsThatShareNothingElse() {
        t.pipe(cdc.insert(
                CUSTOMERS, customer(10, "Bob Jones", "billing@bob.io", null, "US", 5L, "2019-01-01T00:00:00Z")));
        assertThat(t.golden()).hasSize(1);
        t.pipe(cdc.insert(CONTACTS, contact(5, "Bob", "Jones", "bob@jones.family", null, "2020-01-01T00:00:00Z")));
        assertThat(t.golden()).hasSize(1);
        // The billing record is older, so it anchors the cluster and keeps its id.
        assertThat(t.golden()).containsKey(GoldenIds.of("billing.customers:10"));
        assertThat(t.xref().get("billing.customers:10").getReason()).isEqualTo("link crm.contacts:5");
        assertThat(t.xref().get("crm.contacts:5").getReason()).isEqualTo("linked from billing.customers:10");
        assertThat(t.field("crm.contacts:5", "name")).isEqualTo("Bob Jones");
        assertThat(t.field("crm.contacts:5", "email")).isEqualTo("bob@jones.family");
    }

    @Test
    void childrenThatArriveBeforeTheirParentStillRollUp() {
        t.pipe(
                cdc.insert(
                        SUBSCRIPTIONS,
                        row(
                                "id",
                                100,
                                "customer_id",
                                10,
                                "plan",
                                "pro",
                                "status",
                                "active",
                                "mrr_cents",
                                4900,
                                "started_at",
                                "2021-01-01T00:00:00Z",
                                "canceled_at",
                                null)),
                cdc.insert(
                        SUBSCRIPTIONS,
                        row(
                                "id",
                                101,
                                "customer_id",
                                10,
                                "plan",
                                "team",
                                "status",
                                "active",
                                "mrr_cents",
                                9900,
                                "started_at",
                                "2021-01-01T00:00:00Z",
                                "canceled_at",
                                null)));
        assertThat(t.golden()).isEmpty();
        t.pipe(cdc.insert(
                CUSTOMERS, customer(10, "Acme Corp", "finance@acme.com", null, "US", null, "2019-01-01T00:00:00Z")));
        assertThat(t.field("billing.customers:10", "active_subscriptions")).isEqualTo(2L);
        assertThat(t.field("billing.customers:10", "mrr_cents")).isEqualTo(14800L);

        t.pipe(cdc.update(
                SUBSCRIPTIONS,
                row(
                        "id",
                        101,
                        "customer_id",
                        10,
                        "plan",
                        "team",
                        "status",
                        "canceled",
                        "mrr_cents",
                        9900,
                        "started_at",
                        "2021-01-01T00:00:00Z",
                        "canceled_at",
                        "2022-01-01T00:00:00Z")));
        assertThat(t.field("billing.customers:10", "active_subscriptions")).isEqualTo(1L);
        assertThat(t.field("billing.customers:10", "mrr_cents")).isEqualTo(4900L);

        // A delete names only the key; the tracker remembers the parent.
        t.pipe(cdc.delete(SUBSCRIPTIONS, 100), cdc.tombstone(SUBSCRIPTIONS, 100));
        assertThat(t.field("billing.customers:10", "active_subscriptions")).isEqualTo(0L);
    }

    @Test
    void aChildMovingToAnotherParentMovesItsRollUp() {
        t.pipe(
                cdc.insert(USERS, user(1, "Ann", "ann@gmail.com", null, "2020-01-01T00:00:00Z")),
                cdc.insert(USERS, user(2, "Ben", "ben@gmail.com", null, "2020-01-01T00:00:00Z")),
                cdc.insert(
                        TICKETS,
                        row(
                                "id",
                                9,
                                "user_id",
                                1,
                                "subject",
                                "help",
                                "status",
                                "open",
                                "priority",
                                "normal",
                                "created_at",
                                "2023-01-01T00:00:00Z",
                                "updated_at",
                                "2023-01-01T00:00:00Z")));
        assertThat(t.field("support.users:1", "open_tickets")).isEqualTo(1L);
        t.pipe(cdc.update(
                TICKETS,
                row(
                        "id",
                        9,
                        "user_id",
                        2,
                        "subject",
                        "help",
                        "status",
                        "open",
                        "priority",
                        "normal",
                        "created_at",
                        "2023-01-01T00:00:00Z",
                        "updated_at",
                        "2023-01-02T00:00:00Z")));
        assertThat(t.field("support.users:1", "open_tickets")).isEqualTo(0L);
        assertThat(t.field("support.users:2", "open_tickets")).isEqualTo(1L);
        assertThat(t.field("support.users:2", "last_ticket_at")).isEqualTo("2023-01-02T00:00:00Z");
    }

    @Test
    void removingABridgeSplitsTheClusterAndBothSidesGetTheirOwnAnchorsId() {
        t.pipe(
                cdc.insert(CONTACTS, contact(1, "Al", "Ray", "al@gmail.com", null, "2020-01-01T00:00:00Z")),
                cdc.insert(USERS, user(2, "Al Ray", "al.ray@yahoo.com", null, "2021-01-01T00:00:00Z")));
        assertThat(t.golden()).hasSize(2);
        Map<String, Object> bridge = customer(3, "Al Ray", "al@gmail.com", null, "US", null, "2022-01-01T00:00:00Z");
        bridge.put("phone", null);
        t.pipe(cdc.insert(CUSTOMERS, bridge));
        Map<String, Object> bridge2 = new java.util.HashMap<>(bridge);
        bridge2.put("email", "al@gmail.com");
        t.pipe(cdc.insert(USERS, user(4, "A. Ray", "al.ray@yahoo.com", null, "2023-01-01T00:00:00Z")));
        // Now: contact 1 — customer 3 (email al@gmail), users 2 — 4 (email al.ray@yahoo): two clusters still.
        assertThat(t.golden()).hasSize(2);
        // A support user with both emails bridges them; the older anchor (contact 1) wins.
        t.pipe(cdc.update(USERS, user(4, "A. Ray", "al@gmail.com", null, "2023-01-01T00:00:00Z")));
        t.pipe(cdc.update(
                CUSTOMERS, customer(3, "Al Ray", "al.ray@yahoo.com", null, "US", 1L, "2022-01-01T00:00:00Z")));
        assertThat(t.golden()).hasSize(1).containsKey(GoldenIds.of("crm.contacts:1"));
        // The absorbed cluster's id now redirects to the survivor.
        assertThat(t.redirects().get(GoldenIds.of("support.users:2")).getGoldenId())
                .isEqualTo(GoldenIds.of("crm.contacts:1"));

        // Removing the bridge customer's link and email splits the cluster again.
        t.pipe(cdc.delete(CUSTOMERS, 3), cdc.tombstone(CUSTOMERS, 3));
        assertThat(t.xref()).doesNotContainKey("billing.customers:3");
        // contact 1 and user 4 share al@gmail.com; user 2 is alone again and anchors itself.
        assertThat(t.golden()).containsOnlyKeys(GoldenIds.of("crm.contacts:1"), GoldenIds.of("support.users:2"));
        assertThat(t.xref().get("support.users:4").getGoldenId()).isEqualTo(GoldenIds.of("crm.contacts:1"));
        // user 2 anchors its own cluster again: its id is live and leads to itself, noting that user 4, once in its
        // cluster, went to contact 1's; and contact 1's id notes that user 2 split off from it.
        assertThat(t.redirects().get(GoldenIds.of("support.users:2")).getGoldenId())
                .isEqualTo(GoldenIds.of("support.users:2"));
        assertThat(t.redirects().get(GoldenIds.of("support.users:2")).getSplitInto())
                .containsExactly(GoldenIds.of("crm.contacts:1"));
        assertThat(t.redirects().get(GoldenIds.of("crm.contacts:1")).getGoldenId())
                .isEqualTo(GoldenIds.of("crm.contacts:1"));
        assertThat(t.redirects().get(GoldenIds.of("crm.contacts:1")).getSplitInto())
                .containsExactly(GoldenIds.of("support.users:2"));
    }

    @Test
    void deletingTheLastMemberTombstonesTheGoldenRecord() {
        t.pipe(cdc.insert(USERS, user(1, "Solo", "solo@gmail.com", null, "2020-01-01T00:00:00Z")));
        String id = GoldenIds.of("support.users:1");
        assertThat(t.golden()).containsOnlyKeys(id);
        t.pipe(cdc.delete(USERS, 1), cdc.tombstone(USERS, 1));
        assertThat(t.golden()).isEmpty();
        assertThat(t.xref()).isEmpty();
        List<TestRecord<String, GoldenCustomer>> log = t.goldenLog();
        assertThat(log.get(log.size() - 1).key()).isEqualTo(id);
        assertThat(log.get(log.size() - 1).value()).isNull();
    }

    @Test
    void staleAndRedeliveredEventsChangeNothing() {
        Cdc.Event v1 = cdc.insert(USERS, user(1, "Old Name", "x@gmail.com", null, "2020-01-01T00:00:00Z"));
        Cdc.Event v2 = cdc.update(USERS, user(1, "New Name", "x@gmail.com", null, "2020-01-01T00:00:00Z"));
        t.pipe(v1, v2);
        int before = t.goldenLog().size();
        t.pipe(v1, v2, v1);
        assertThat(t.goldenLog()).hasSize(before);
        assertThat(t.field("support.users:1", "name")).isEqualTo("New Name");
        // A delete followed by a late re-delivery of the insert does not resurrect the row.
        t.pipe(cdc.delete(USERS, 1), v1, v2);
        assertThat(t.golden()).isEmpty();
    }

    @Test
    void anUnchangedToastColumnKeepsItsPreviousValue() {
        t.pipe(
                cdc.insert(USERS, user(1, "Kim", "kim@gmail.com", "+1 415 555 0100", "2020-01-01T00:00:00Z")),
                cdc.update(
                        USERS,
                        user(1, "Kim Lee", "__debezium_unavailable_value", "+1 415 555 0100", "2020-01-01T00:00:00Z")));
        assertThat(t.field("support.users:1", "email")).isEqualTo("kim@gmail.com");
        assertThat(t.field("support.users:1", "name")).isEqualTo("Kim Lee");
    }

    @Test
    void aPoisonEventGoesToTheDeadLetterTopicAndProcessingContinues() {
        byte[] garbage = "{not json".getBytes(StandardCharsets.UTF_8);
        t.pipe(
                new Cdc.Event(CONTACTS, "{\"id\":1}".getBytes(StandardCharsets.UTF_8), garbage),
                cdc.insert(CONTACTS, row("id", 2, "first_name", "Ok")), // a mapped column is missing
                cdc.insert(CONTACTS, contact(3, "Fine", "Person", "fine@gmail.com", null, "2020-01-01T00:00:00Z")));
        List<TestRecord<byte[], byte[]>> dead = t.deadLetters();
        assertThat(dead).hasSize(2);
        TestRecord<byte[], byte[]> first = dead.get(0);
        assertThat(first.value()).isEqualTo(garbage);
        assertThat(first.key()).isEqualTo("{\"id\":1}".getBytes(StandardCharsets.UTF_8));
        assertThat(header(first, DeadLetters.HEADER_TOPIC)).isEqualTo(CONTACTS);
        assertThat(header(first, DeadLetters.HEADER_PARTITION)).isEqualTo("0");
        assertThat(header(first, DeadLetters.HEADER_OFFSET)).isEqualTo("0");
        assertThat(header(first, DeadLetters.HEADER_STAGE)).isEqualTo("map");
        assertThat(header(first, DeadLetters.HEADER_EXCEPTION)).isEqualTo("io.aurum.canonical.MappingException");
        assertThat(header(first, DeadLetters.HEADER_MESSAGE)).startsWith("the value is not valid JSON");
        assertThat(header(dead.get(1), DeadLetters.HEADER_MESSAGE))
                .contains("column 'last_name' is not in the change event");
        assertThat(header(dead.get(1), DeadLetters.HEADER_OFFSET)).isEqualTo("1");
        assertThat(t.golden()).containsOnlyKeys(GoldenIds.of("crm.contacts:3"));
    }

    /**
     * A random interleaving that keeps each row's own events in order, as Debezium delivers them (one row's
     * changes share a partition); rows, tables and databases interleave freely.
     */
    static List<Cdc.Event> interleave(List<Cdc.Event> events, Random random) {
        Map<String, java.util.ArrayDeque<Cdc.Event>> byRow = new java.util.LinkedHashMap<>();
        for (Cdc.Event e : events) {
            byRow.computeIfAbsent(
                            e.topic() + new String(e.key(), StandardCharsets.UTF_8), k -> new java.util.ArrayDeque<>())
                    .add(e);
        }
        List<java.util.ArrayDeque<Cdc.Event>> queues = new ArrayList<>(byRow.values());
        List<Cdc.Event> out = new ArrayList<>();
        while (!queues.isEmpty()) {
            int i = random.nextInt(queues.size());
            out.add(queues.get(i).poll());
            if (queues.get(i).isEmpty()) {
                queues.remove(i);
            }
        }
        return out;
    }

    private static String header(TestRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void theFinalStateDoesNotDependOnTheOrderInWhichSourcesArrive() {
        List<Cdc.Event> events = new ArrayList<>(List.of(
                cdc.insert(
                        CONTACTS, contact(1, "Jane", "Doe", "jane@gmail.com", "415-555-0134", "2020-01-01T00:00:00Z")),
                cdc.insert(
                        CUSTOMERS,
                        customer(10, "Jane Doe", "JANE@gmail.com", null, "US", null, "2021-01-01T00:00:00Z")),
                cdc.insert(USERS, user(7, null, null, "(415) 555 0134", "2022-01-01T00:00:00Z")),
                cdc.insert(CONTACTS, contact(2, "Jim", "Beam", "jim@gmail.com", null, "2019-01-01T00:00:00Z")),
                cdc.insert(
                        CUSTOMERS, customer(11, "Jim Beam", "beam@work.com", null, "US", 2L, "2021-01-01T00:00:00Z")),
                cdc.update(
                        CONTACTS,
                        contact(1, "Janet", "Doe", "jane@gmail.com", "415-555-0134", "2020-01-01T00:00:00Z"))));
        Map<String, GoldenCustomer> expected =
                new TopologyHarness().pipe(events.toArray(Cdc.Event[]::new)).golden();
        Random random = new Random(42);
        for (int i = 0; i < 5; i++) {
            List<Cdc.Event> shuffled = interleave(events, random);
            try (TopologyHarness other = new TopologyHarness()) {
                assertThat(other.pipe(shuffled.toArray(Cdc.Event[]::new)).golden())
                        .isEqualTo(expected);
            }
        }
        assertThat(expected).hasSize(2);
    }
}
