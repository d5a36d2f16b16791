package io.aurum.app;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a pipeline that is up but does nothing from one that works. Every few seconds it reads, partition by
 * partition, the work waiting on the job's input, repartition and resolver topics and the offsets the job has
 * committed there (the broker's view, which holds whatever state the client is stuck in). A partition where work
 * waits and whose committed offset has not moved for {@code stallAfter} is stuck, unless state is being restored
 * and the restore itself moves; a pipeline with a stuck partition is stalled, and {@code /health} says so. A stall
 * also looks for open transactions that no coordinator is ending, the usual cause after a crash, and names them.
 */
public final class ProgressMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressMonitor.class);

    private final Admin admin;
    private final IdleProbe probe;
    private final Duration stallAfter;
    private final LongSupplier restored;
    private final String bootstrapServers;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "aurum-progress");
        t.setDaemon(true);
        return t;
    });

    /** Per partition: the committed offset last read, and since when it has not moved. */
    private final Map<TopicPartition, long[]> seen = new HashMap<>();

    private long restoredBefore = -1;
    private long restoreMovedAt = System.nanoTime();
    private volatile Snapshot last = new Snapshot(-1, Map.of(), false, null, List.of());

    /** One reading: records waiting, stuck partitions with their waiting records, and why the pipeline is stalled. */
    record Snapshot(
            long backlog,
            Map<TopicPartition, Long> stuck,
            boolean stalled,
            String reason,
            List<HangingTransactions.Open> hanging) {}

    /**
     * @param restored records restored into state stores so far (grows while a restore makes progress)
     */
    public ProgressMonitor(
            Admin admin, IdleProbe probe, Duration stallAfter, LongSupplier restored, String bootstrapServers) {
        this.admin = admin;
        this.probe = probe;
        this.stallAfter = stallAfter;
        this.restored = restored;
        this.bootstrapServers = bootstrapServers;
    }

    public ProgressMonitor start(Duration every) {
        timer.scheduleWithFixedDelay(this::read, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    void read() {
        try {
            IdleProbe.Reading reading = probe.read();
            long now = System.nanoTime();
            long r = restored.getAsLong();
            if (r != restoredBefore) {
                restoredBefore = r;
                restoreMovedAt = now;
            }
            boolean restoreMoving = now - restoreMovedAt < stallAfter.toNanos();
            Map<TopicPartition, Long> stuck =
                    new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
            for (Map.Entry<TopicPartition, Long> e : reading.backlog().entrySet()) {
                long committed = reading.committed().getOrDefault(e.getKey(), 0L);
                long[] s = seen.computeIfAbsent(e.getKey(), k -> new long[] {committed, now});
                if (s[0] != committed) {
                    s[0] = committed;
                    s[1] = now;
                } else if (now - s[1] >= stallAfter.toNanos() && !restoreMoving) {
                    stuck.put(e.getKey(), e.getValue());
                }
            }
            seen.keySet().retainAll(reading.backlog().keySet());
            long waiting = reading.backlog().values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
            boolean stalled = !stuck.isEmpty();
            String reason = null;
            List<HangingTransactions.Open> hanging = List.of();
            if (stalled) {
                reason = String.format(
                        "%d partitions have work waiting and no commit for %d s or more: %s",
                        stuck.size(), stallAfter.toSeconds(), stuck.keySet());
                hanging = new HangingTransactions(admin, Duration.ofSeconds(10)).find();
                if (!last.stalled()) {
                    LOG.error(
                            "The pipeline is stalled: {}{}",
                            reason,
                            hanging.isEmpty() ? "" : "; open transactions no coordinator is ending: " + hanging);
                }
            } else if (last.stalled()) {
                LOG.info("The pipeline makes progress again");
            }
            last = new Snapshot(waiting, stuck, stalled, reason, hanging);
        } catch (Exception e) {
            LOG.debug("Could not read the pipeline's progress: {}", e.toString());
        }
    }

    public boolean stalled() {
        return last.stalled();
    }

    /** The {@code progress} part of {@code /health}. */
    public ObjectNode toJson() {
        Snapshot s = last;
        ObjectNode node = GoldenJson.JSON.createObjectNode();
        node.put("backlog", s.backlog());
        node.put("stalled", s.stalled());
        if (s.reason() != null) {
            node.put("reason", s.reason());
        }
        if (!s.hanging().isEmpty()) {
            ArrayNode list = node.putArray("openTransactions");
            for (HangingTransactions.Open o : s.hanging()) {
                list.addObject()
                        .put("partition", o.partition().toString())
                        .put("producerId", o.producerId())
                        .put("producerEpoch", o.producerEpoch())
                        .put("verdict", o.verdict().name())
                        .put("coordinator", o.coordinator())
                        .put(
                                "abort",
                                "only once you know the coordinator aborted it (kafka-dump-log "
                                        + "--transaction-log-decoder on __transaction_state): kafka-transactions.sh "
                                        + "--bootstrap-server " + bootstrapServers + " abort --topic "
                                        + o.partition().topic()
                                        + " --partition " + o.partition().partition() + " --producer-id "
                                        + o.producerId()
                                        + " --producer-epoch " + (o.producerEpoch() + 1) + " --coordinator-epoch "
                                        + o.coordinatorEpoch());
            }
        }
        return node;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
