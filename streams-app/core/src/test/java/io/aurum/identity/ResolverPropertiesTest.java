package io.aurum.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.canonical.CdcMapper;
import io.aurum.canonical.RecordView;
import io.aurum.canonical.SourceChange;
import io.aurum.canonical.SourceRecord;
import io.aurum.canonical.StoredRow;
import io.aurum.config.AurumConfig;
import io.aurum.schemas.XrefEntry;
import io.aurum.testing.Cdc;
import io.aurum.testing.TopologyHarness;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Random histories of inserts, updates that add or remove identifiers, deletes and redeliveries, replayed in random
 * interleavings (each row's own events in order, as Debezium delivers them) with 1, 4 and 8 partitions. Once the
 * topology is idle, xref and the golden ids must equal the batch reference model on the final source state.
 */
class ResolverPropertiesTest {
    static final AurumConfig CONFIG = AurumConfig.fromClasspath("config/demo.yaml");
    static final String[] TOPICS = {"crm.public.contacts", "billing.public.customers", "support.public.users"};
    static final String[] EMAILS = {
        null, "a@gmail.com", "b@gmail.com", " A@Gmail.com", "c@yahoo.com", "x@acme.com", "y@acme.com", "info@acme.com"
    };
    static final String[] PHONES = {null, "+1 415 555 0101", "(415) 555-0101", "415.555.0102", "+44 20 7946 0958"};
    static final String[] ORGS = {null, "Acme Corp", "ACME Corporation", "Initech"};
    static final String[] CREATED = {"2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z", "2020-01-01T00:00:00Z"};

    /** One change: upsert or delete a row of one of the three parent tables. */
    record Op(int table, int id, boolean delete, String email, String phone, String org, Long link, int created) {
        @Override
        public String toString() {
            String t = TOPICS[table].split("\\.")[0];
            return delete
                    ? "delete " + t + ":" + id
                    : "upsert " + t + ":" + id + " email=" + email + " phone=" + phone + " org=" + org
                            + (link == null ? "" : " link=crm:" + link) + " created=" + created;
        }
    }

    @Provide
    Arbitrary<List<Op>> histories() {
        Arbitrary<Op> op = Combinators.combine(
                        Arbitraries.integers().between(0, 2),
                        Arbitraries.integers().between(1, 4),
                        Arbitraries.integers().between(0, 5).map(n -> n == 0),
                        Arbitraries.of(EMAILS),
                        Arbitraries.of(PHONES),
                        Arbitraries.of(ORGS),
                        Arbitraries.longs().between(0, 4).map(n -> n == 0 ? null : n),
                        Arbitraries.integers().between(0, CREATED.length - 1))
                .as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(14);
    }

    @Property(tries = 400, shrinking = net.jqwik.api.ShrinkingMode.FULL)
    void oneTaskMatchesTheReference(
            @ForAll("histories") List<Op> history, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        check(history, seed, 1);
    }

    @Property(tries = 400, shrinking = net.jqwik.api.ShrinkingMode.FULL)
    void fourPartitionsMatchTheReference(
            @ForAll("histories") List<Op> history, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        check(history, seed, 4);
    }

    @Property(tries = 400, shrinking = net.jqwik.api.ShrinkingMode.FULL)
    void eightPartitionsMatchTheReference(
            @ForAll("histories") List<Op> history, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        check(history, seed, 8);
    }

    static Map<String, Object> row(Op op) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", (long) op.id());
        switch (op.table()) {
            case 0 -> {
                r.put("first_name", "F");
                r.put("last_name", "L" + op.id());
                r.put("email", op.email());
                r.put("phone", op.phone());
                r.put("company", op.org());
            }
            case 1 -> {
                r.put("name", op.org() == null ? "N" + op.id() : op.org());
                r.put("email", op.email());
                r.put("phone", op.phone());
                r.put("address_line1", null);
                r.put("city", null);
                r.put("postal_code", null);
                r.put("country", "US");
                r.put("crm_contact_id", op.link());
            }
            default -> {
                r.put("name", "U" + op.id());
                r.put("email", op.email());
                r.put("phone", op.phone());
            }
        }
        r.put("created_at", CREATED[op.created()]);
        r.put("updated_at", CREATED[op.created()]);
        return r;
    }

    static void check(List<Op> history, int seed, int partitions) {
        Cdc cdc = new Cdc();
        Map<String, ArrayDeque<Cdc.Event>> byRow = new LinkedHashMap<>();
        Map<String, Op> finalState = new TreeMap<>();
        Map<String, Boolean> exists = new HashMap<>();
        for (Op op : history) {
            String rowKey = op.table() + ":" + op.id();
            String topic = TOPICS[op.table()];
            List<Cdc.Event> events = new ArrayList<>();
            if (op.delete()) {
                if (!exists.getOrDefault(rowKey, false)) {
                    continue;
                }
                events.add(cdc.delete(topic, (long) op.id()));
                events.add(cdc.tombstone(topic, (long) op.id()));
                finalState.remove(rowKey);
                exists.put(rowKey, false);
            } else {
                events.add(
                        exists.getOrDefault(rowKey, false) ? cdc.update(topic, row(op)) : cdc.insert(topic, row(op)));
                finalState.put(rowKey, op);
                exists.put(rowKey, true);
            }
            byRow.computeIfAbsent(rowKey, k -> new ArrayDeque<>()).addAll(events);
        }
        Random random = new Random(seed);
        // Debezium redelivers after a restart: append a replay of a random suffix of some rows' events.
        for (ArrayDeque<Cdc.Event> events : byRow.values()) {
            if (random.nextInt(3) == 0) {
                List<Cdc.Event> all = new ArrayList<>(events);
                events.addAll(all.subList(random.nextInt(all.size()), all.size()));
            }
        }
        List<ArrayDeque<Cdc.Event>> queues = new ArrayList<>(byRow.values());
        List<Cdc.Event> interleaving = new ArrayList<>();
        while (!queues.isEmpty()) {
            int i = random.nextInt(queues.size());
            interleaving.add(queues.get(i).poll());
            if (queues.get(i).isEmpty()) {
                queues.remove(i);
            }
        }

        Map<String, Membership> expected = reference(finalState.values());
        try (TopologyHarness t = new TopologyHarness(CONFIG, partitions)) {
            t.pipe(interleaving.toArray(Cdc.Event[]::new));
            Map<String, Membership> actual = new TreeMap<>();
            for (Map.Entry<String, XrefEntry> e : t.xref().entrySet()) {
                actual.put(
                        e.getKey(),
                        new Membership(e.getValue().getGoldenId(), e.getValue().getReason()));
            }
            assertThat(actual).as("xref after %s", interleaving.size()).isEqualTo(expected);
            assertThat(t.golden().keySet())
                    .containsExactlyInAnyOrderElementsOf(expected.values().stream()
                            .map(Membership::goldenId)
                            .distinct()
                            .toList());
            Map<String, String> expectedRedirects = new TreeMap<>();
            expected.forEach((recordId, m) -> {
                if (!m.goldenId().equals(GoldenIds.of(recordId))) {
                    expectedRedirects.put(GoldenIds.of(recordId), m.goldenId());
                }
            });
            Map<String, String> actualRedirects = new TreeMap<>();
            Map<String, String> handedOver = new TreeMap<>();
            java.util.Set<String> ownIds = new java.util.HashSet<>();
            expected.keySet().forEach(recordId -> ownIds.add(GoldenIds.of(recordId)));
            t.redirects().forEach((from, r) -> {
                if (r.getGoldenId().equals(from)) {
                    // A live id that lists the clusters split off from it: history, but they must be live.
                    assertThat(t.golden()).containsKey(from);
                    assertThat(r.getSplitInto())
                            .allSatisfy(to -> assertThat(t.golden()).containsKey(to));
                } else {
                    (ownIds.contains(from) ? actualRedirects : handedOver).put(from, r.getGoldenId());
                }
            });
            assertThat(actualRedirects).as("redirects of current records").isEqualTo(expectedRedirects);
            // Ids of deleted records lead to a live customer (history decides which), never to a dead id.
            assertThat(handedOver.values()).as("redirects of deleted records").allSatisfy(to -> assertThat(t.golden())
                    .containsKey(to));
            t.golden().forEach((id, g) -> assertThat(g.getSources()).allSatisfy(ref -> assertThat(
                            expected.get(ref.getSource() + ":" + ref.getKey()).goldenId())
                    .isEqualTo(id)));
        }
    }

    /** The reference model on the final rows, mapped exactly as the pipeline maps them. */
    static Map<String, Membership> reference(java.util.Collection<Op> rows) {
        CdcMapper mapper = new CdcMapper(CONFIG.pipeline());
        Cdc cdc = new Cdc();
        List<SourceRecord> records = new ArrayList<>();
        for (Op op : rows) {
            Cdc.Event e = cdc.insert(TOPICS[op.table()], row(op));
            SourceChange change = mapper.map(e.topic(), e.key(), e.value());
            StoredRow stored = StoredRow.apply(null, change);
            records.add(RecordView.of(
                    CONFIG.pipeline(), change.recordId(), stored, java.util.Map.of(), java.util.Set.of()));
        }
        return new ReferenceResolver(CONFIG.pipeline()).resolve(records);
    }

    @SuppressWarnings("unused")
    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
