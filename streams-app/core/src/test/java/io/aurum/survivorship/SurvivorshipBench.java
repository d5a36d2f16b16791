package io.aurum.survivorship;

import io.aurum.canonical.SourceRecord;
import io.aurum.canonical.SourceRecord.ChildRecord;
import io.aurum.cluster.ClusterView;
import io.aurum.config.AurumConfig;
import io.aurum.config.PipelineConfig;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.testing.TestAvroSerde;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The cost of one golden update: {@link Survivorship#survive} on clusters shaped like the demo's (one to eight
 * members across crm, billing and support, with subscriptions, invoices and tickets attached), under the demo
 * config, after warm-up. Not a test: run its main method. No JMH, so read it as an estimate (±10 %).
 *
 * <pre>
 * mvn -o -q -pl streams-app dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp streams-app/target/test-classes:streams-app/target/classes:$(cat /tmp/cp.txt) io.aurum.survivorship.SurvivorshipBench
 * </pre>
 */
public final class SurvivorshipBench {
    private SurvivorshipBench() {}

    public static void main(String[] args) {
        PipelineConfig config = AurumConfig.fromClasspath("config/demo.yaml").pipeline();
        Survivorship survivorship = new Survivorship(config);
        Serializer<GoldenCustomer> avro = new TestAvroSerde<>(GoldenCustomer.class).serializer();
        Random random = new Random(7);
        List<ClusterView> clusters = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            clusters.add(cluster(random, i));
        }
        double members =
                clusters.stream().mapToInt(c -> c.members().size()).average().orElse(0);
        System.out.printf("clusters: %d, %.1f members each on average%n", clusters.size(), members);

        run("warm-up", survivorship, clusters, 100_000, null);
        run("survive", survivorship, clusters, 200_000, null);
        run("survive + Avro encode", survivorship, clusters, 200_000, avro);
        // Large clusters such as a business customer's (Acme has eight records).
        List<ClusterView> large = new ArrayList<>();
        for (int i = 0; large.size() < 200; i++) {
            ClusterView c = cluster(random, i);
            if (c.members().size() >= 6) {
                large.add(c);
            }
        }
        System.out.printf(
                "large clusters: %.1f members each on average%n",
                large.stream().mapToInt(c -> c.members().size()).average().orElse(0));
        run("survive, large", survivorship, large, 50_000, null);
    }

    private static void run(
            String name, Survivorship s, List<ClusterView> clusters, int n, Serializer<GoldenCustomer> avro) {
        int batch = 1000;
        double[] perBatch = new double[n / batch];
        long sink = 0;
        // CPU time as well as wall time: on a shared machine the wall clock also counts other processes' turns.
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        for (int b = 0; b < perBatch.length; b++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < batch; i++) {
                int k = b * batch + i;
                Outcome o = s.survive("gc_" + (k % clusters.size()), clusters.get(k % clusters.size()), null);
                sink += o.conflicts().size();
                if (avro != null) {
                    sink += avro.serialize("customers.golden", o.golden()).length;
                }
            }
            perBatch[b] = (System.nanoTime() - t0) / 1000.0 / batch;
        }
        double total = (System.nanoTime() - start) / 1000.0 / n;
        double cpu = (threads.getCurrentThreadCpuTime() - cpuStart) / 1000.0 / n;
        Arrays.sort(perBatch);
        System.out.printf(
                "%-22s %,d updates: CPU %.1f µs, wall mean %.1f µs, batch median %.1f µs, batch p99 %.1f µs (sink %d)%n",
                name, n, cpu, total, perBatch[perBatch.length / 2], perBatch[(int) (perBatch.length * 0.99)], sink);
    }

    private static final String[] STATUS = {"active", "canceled", "past_due", "trialing"};

    private static ClusterView cluster(Random r, int i) {
        Map<String, SourceRecord> members = new TreeMap<>();
        int size = 1 + (int) Math.min(7, Math.abs(r.nextGaussian() * 1.8));
        long base = 1_600_000_000_000L + r.nextInt(1_000_000_000);
        for (int m = 0; m < size; m++) {
            int which = r.nextInt(3);
            String system = which == 0 ? "crm" : which == 1 ? "billing" : "support";
            String source = which == 0 ? "crm.contacts" : which == 1 ? "billing.customers" : "support.users";
            String key = Integer.toString(1000 * (which + 1) + i * 8 + m);
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("name", r.nextBoolean() ? "Jane Doe" : "J. Doe " + i);
            a.put("email", (r.nextBoolean() ? "Jane.Doe" : "jane.doe" + m) + i + "@Example.com ");
            a.put("phone", r.nextInt(4) == 0 ? null : "+1 (415) 555-01" + (10 + r.nextInt(80)));
            if (which == 0) {
                a.put("first_name", "Jane");
                a.put("last_name", "Doe");
                a.put("company", r.nextBoolean() ? "" : "Acme Corp");
            }
            if (which == 1) {
                a.put("address_line1", "1 Main St");
                a.put("city", "Springfield");
                a.put("postal_code", "12345");
                a.put("country", "US");
            }
            Map<String, Long> ts = new HashMap<>();
            a.keySet().forEach(k -> ts.put(k, base + r.nextInt(100_000)));
            Map<String, List<ChildRecord>> children = new LinkedHashMap<>();
            if (which == 1) {
                children.put(
                        "billing.subscriptions",
                        rows(
                                r,
                                1 + r.nextInt(2),
                                key,
                                base,
                                c -> Map.of(
                                        "plan",
                                        "pro",
                                        "status",
                                        STATUS[r.nextInt(4)],
                                        "mrr_cents",
                                        (long) r.nextInt(100_000),
                                        "started_at",
                                        "2021-0" + (1 + r.nextInt(9)) + "-01T00:00:00Z")));
                children.put(
                        "billing.invoices",
                        rows(
                                r,
                                r.nextInt(14),
                                key,
                                base,
                                c -> Map.of(
                                        "amount_cents",
                                        (long) r.nextInt(50_000),
                                        "status",
                                        r.nextInt(10) == 0 ? "open" : "paid",
                                        "issued_at",
                                        "2022-0" + (1 + r.nextInt(9)) + "-01T00:00:00Z")));
            }
            if (which == 2) {
                children.put(
                        "support.tickets",
                        rows(
                                r,
                                r.nextInt(4),
                                key,
                                base,
                                c -> Map.of(
                                        "status",
                                        r.nextBoolean() ? "open" : "solved",
                                        "priority",
                                        "normal",
                                        "updated_at",
                                        "2023-0" + (1 + r.nextInt(9)) + "-0" + (1 + r.nextInt(9)) + "T10:00:00Z")));
            }
            SourceRecord rec = new SourceRecord(source, key, system, a, ts, List.of(), base, base + 100_000, children);
            members.put(rec.recordId(), rec);
        }
        return new ClusterView(members);
    }

    private static List<ChildRecord> rows(
            Random r, int n, String parent, long base, java.util.function.IntFunction<Map<String, Object>> attributes) {
        List<ChildRecord> out = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            out.add(new ChildRecord(parent + "-" + c, attributes.apply(c), base + r.nextInt(100_000)));
        }
        return out;
    }
}
