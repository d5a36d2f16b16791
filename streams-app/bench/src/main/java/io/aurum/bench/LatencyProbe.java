package io.aurum.bench;

import io.aurum.app.GoldenReader;
import io.aurum.schemas.GoldenCustomer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Tails customers.golden as a read_committed consumer and turns each first appearance of a golden state into a
 * commit→golden latency: the golden record's {@code updatedAt} is the latest source commit time among its members
 * (Debezium's {@code source.ts_ms}), and the moment a consumer can read it is when it counts as delivered. Postgres
 * and this JVM share one clock.
 */
final class LatencyProbe implements AutoCloseable {
    /** One observed golden state: source commit time and the delay until a consumer saw it. */
    record Sample(long commitMs, long latencyMs) {}

    private final GoldenReader reader;
    private final Thread thread;
    private final Map<String, Boolean> seen = new ConcurrentHashMap<>();
    private final List<Sample> samples = new ArrayList<>();
    private volatile boolean stop;

    LatencyProbe(String bootstrap, Map<String, String> clientProperties, Deserializer<GoldenCustomer> deserializer) {
        reader = new GoldenReader(bootstrap, clientProperties, deserializer);
        thread = new Thread(
                () -> reader.tail(
                        false,
                        (id, golden) -> {
                            long now = System.currentTimeMillis();
                            if (golden == null) {
                                return;
                            }
                            long commit = golden.getUpdatedAt().toEpochMilli();
                            if (seen.putIfAbsent(id + "@" + commit, Boolean.TRUE) == null) {
                                synchronized (samples) {
                                    samples.add(new Sample(commit, now - commit));
                                }
                            }
                        },
                        () -> stop),
                "bench-latency-probe");
        thread.setDaemon(true);
        thread.start();
    }

    /** Samples whose source commit lies in [fromMs, toMs). */
    List<Sample> between(long fromMs, long toMs) {
        List<Sample> out = new ArrayList<>();
        synchronized (samples) {
            for (Sample s : samples) {
                if (s.commitMs() >= fromMs && s.commitMs() < toMs) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(5_000);
        reader.close();
    }
}
