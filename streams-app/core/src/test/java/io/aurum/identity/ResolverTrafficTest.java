package io.aurum.identity;

import static io.aurum.testing.Cdc.row;
import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.resolve.Resolver;
import io.aurum.testing.Cdc;
import io.aurum.testing.TopologyHarness;
import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

/**
 * How much the resolver's nodes say to each other for a merge and a split, and that they then stop: every message
 * is counted by the resolver's metrics, whether handed over within a task or sent through the resolver topic.
 */
class ResolverTrafficTest {
    static final String USERS = "support.public.users";
    static final int SIDE = 10;

    @Test
    void aMergeAndASplitOfTwoClustersOfTenCostBoundedTrafficAndThenStop() {
        Cdc cdc = new Cdc();
        try (TopologyHarness t = new TopologyHarness()) {
            // Two clusters of ten, each joined by one shared phone; users 1 and 11 are the anchors (oldest).
            for (int i = 1; i <= 2 * SIDE; i++) {
                String phone = i <= SIDE ? "+1 415 555 0101" : "+1 415 555 0102";
                t.pipe(cdc.insert(USERS, user(i, "u" + i + "@gmail.com", phone, i)));
            }
            assertThat(t.golden()).hasSize(2);
            long build = messages(t);

            // A bridge: user 11 takes user 1's address; the younger cluster's ten records relabel.
            t.pipe(cdc.update(USERS, user(11, "u1@gmail.com", "+1 415 555 0102", 11)));
            assertThat(t.golden()).containsOnlyKeys(GoldenIds.of("support.users:1"));
            long merge = messages(t) - build;

            // The bridge goes: a new generation resets the merged cluster, which splits back into the two ids.
            t.pipe(cdc.update(USERS, user(11, "u11@gmail.com", "+1 415 555 0102", 11)));
            assertThat(t.golden()).containsOnlyKeys(GoldenIds.of("support.users:1"), GoldenIds.of("support.users:11"));
            long split = messages(t) - build - merge;

            System.out.printf(
                    "resolver traffic: building 2 clusters of %d = %d messages; merge = %d; split = %d%n",
                    SIDE, build, merge, split);
            // Quiescence: the driver only returns when no message is left in flight, and the bounds show the
            // traffic grows with the cluster (each relabelled record answers each of its identifiers), not without end.
            assertThat(merge).isPositive().isLessThan(40L * SIDE * SIDE);
            assertThat(split).isPositive().isLessThan(40L * SIDE * SIDE);
        }
    }

    @Test
    void aCannotLinkThatCutsAMergeAndItsRetractionCostBoundedTrafficAndThenStop() {
        Cdc cdc = new Cdc();
        try (TopologyHarness t = new TopologyHarness()) {
            // Two clusters of ten (one shared phone each), bridged by user 11 taking user 1's address.
            for (int i = 1; i <= 2 * SIDE; i++) {
                String phone = i <= SIDE ? "+1 415 555 0101" : "+1 415 555 0102";
                String email = i == SIDE + 1 ? "u1@gmail.com" : "u" + i + "@gmail.com";
                t.pipe(cdc.insert(USERS, user(i, email, phone, i)));
            }
            assertThat(t.golden()).containsOnlyKeys(GoldenIds.of("support.users:1"));
            long before = messages(t);

            // A cannot-link between the two anchors: match keys are cut, every record is a customer of its own.
            t.assertion("cl-1", "{\"type\":\"cannot_link\",\"records\":[\"support.users:1\",\"support.users:11\"]}");
            assertThat(t.golden()).hasSize(2 * SIDE);
            long cut = messages(t) - before;

            // Retracted: a new generation merges everything back under the oldest anchor.
            t.assertion("cl-1", null);
            assertThat(t.golden()).containsOnlyKeys(GoldenIds.of("support.users:1"));
            long restore = messages(t) - before - cut;

            System.out.printf("resolver traffic: cannot-link cut = %d; retraction = %d%n", cut, restore);
            // The same bound as a merge or a split, for the one component of 2n records (451 and 599 messages).
            assertThat(cut).isPositive().isLessThan(40L * (2 * SIDE) * (2 * SIDE));
            assertThat(restore).isPositive().isLessThan(40L * (2 * SIDE) * (2 * SIDE));
        }
    }

    /**
     * A compound rule's block compares where it lives and sends only the links that result: a record joining it
     * costs the same messages whether the block holds 10 records or 60, and so does one that links to a member (the
     * demo's company-domain rule: the same e-mail domain and a similar organisation name).
     */
    @Test
    void joiningARuleBlockCostsTheSameWhateverItsSize() {
        Cdc cdc = new Cdc();
        try (TopologyHarness t = new TopologyHarness()) {
            long[] alone = new long[2];
            long[] linked = new long[2];
            int next = 1;
            for (int round = 0; round < 2; round++) {
                int size = round == 0 ? 10 : 60;
                while (next <= size) {
                    t.pipe(cdc.insert(CONTACTS, contact(next, organisation(next))));
                    next++;
                }
                long before = messages(t);
                t.pipe(cdc.insert(CONTACTS, contact(1000 + round, organisation(1000 + round))));
                alone[round] = messages(t) - before;
                before = messages(t);
                // The same organisation as member 3 (then 5): linked to it by the rule, and to nothing else.
                int member = 3 + 2 * round;
                t.pipe(cdc.insert(CONTACTS, contact(2000 + round, organisation(member))));
                linked[round] = messages(t) - before;
                assertThat(t.xref().get("crm.contacts:" + (2000 + round)).getGoldenId())
                        .isEqualTo(t.xref().get("crm.contacts:" + member).getGoldenId());
                assertThat(t.xref().get("crm.contacts:" + (1000 + round)).getGoldenId())
                        .isEqualTo(GoldenIds.of("crm.contacts:" + (1000 + round)));
            }
            System.out.printf(
                    "resolver traffic: joining a block of 10 / 60 alone = %d / %d, linked to one member = %d / %d%n",
                    alone[0], alone[1], linked[0], linked[1]);
            assertThat(alone[1]).isEqualTo(alone[0]);
            assertThat(linked[1]).isEqualTo(linked[0]);
        }
    }

    static final String CONTACTS = "crm.public.contacts";

    /** Organisation names far apart (Jaro-Winkler well under the rule's 0.9) unless the numbers are equal. */
    static String organisation(int i) {
        return Integer.toHexString(Integer.reverse(i * 0x9E3779B1));
    }

    /** A CRM contact of the same company domain, older the smaller its day of month. */
    static Map<String, Object> contact(int id, String company) {
        return IdentityStageTest.contact(
                id, "p" + id + "@bigco.com", company, String.format("2020-01-%02dT00:00:00Z", 1 + id % 28));
    }

    /** Messages between resolver nodes so far, local and remote, over every task. */
    static long messages(TopologyHarness t) {
        double total = 0;
        for (var e : t.driver.metrics().entrySet()) {
            MetricName name = e.getKey();
            if (name.group().equals("stream-" + Resolver.METRICS_SCOPE + "-metrics")
                    && (name.name().equals("local-message-total") || name.name().equals("remote-message-total"))) {
                total += ((Number) e.getValue().metricValue()).doubleValue();
            }
        }
        return (long) total;
    }

    static Map<String, Object> user(int id, String email, String phone, int day) {
        return row(
                "id",
                (long) id,
                "name",
                "U" + id,
                "email",
                email,
                "phone",
                phone,
                "created_at",
                String.format("2020-01-%02dT00:00:00Z", day));
    }
}
