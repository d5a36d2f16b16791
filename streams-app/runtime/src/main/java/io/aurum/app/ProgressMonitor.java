package io.aurum.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a pipeline that is up but does nothing from one that works: it reads, every few seconds, the work waiting
 * on the job's input, repartition and resolver topics and the offsets the job has committed (the broker's view,
 * which holds whatever state the client is stuck in). When work waits and nothing has been committed for
 * {@code stallAfter}, the pipeline is stalled, and {@code /health} says so. A stall also looks for hanging
 * transactions, the usual cause after a crash, and names them with the command that ends them.
 */
public final class ProgressMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressMonitor.class);

    private final Admin admin;
    private final IdleProbe probe;
    private final Duration stallAfter;
    private final BooleanSupplier restoring;
    private final String bootstrapServers;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "aurum-progress");
        t.setDaemon(true);
        return t;
    });

    private volatile Snapshot last = new Snapshot(-1, -1, System.nanoTime(), false, null, List.of());
    private long committedBefore = -1;
    private long progressAt = System.nanoTime();

    /** One reading: work waiting (records), committed offsets summed, since when nothing moved, and why stalled. */
    record Snapshot(
            long backlog,
            long committed,
            long progressNanos,
            boolean stalled,
            String reason,
            List<HangingTransactions.Open> hanging) {}

    public ProgressMonitor(
            Admin admin, IdleProbe probe, Duration stallAfter, BooleanSupplier restoring, String bootstrapServers) {
        this.admin = admin;
        this.probe = probe;
        this.stallAfter = stallAfter;
        this.restoring = restoring;
        this.bootstrapServers = bootstrapServers;
    }

    public ProgressMonitor start(Duration every) {
        timer.scheduleWithFixedDelay(this::read, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    void read() {
        try {
            Map<TopicPartition, Long> backlog = probe.backlog();
            long waiting = backlog.values().stream().mapToLong(Long::longValue).sum();
            long committed = probe.committedTotal();
            long now = System.nanoTime();
            if (committed != committedBefore || waiting == 0 || restoring.getAsBoolean()) {
                progressAt = now;
            }
            committedBefore = committed;
            boolean stalled = now - progressAt >= stallAfter.toNanos();
            String reason = null;
            List<HangingTransactions.Open> hanging = List.of();
            if (stalled) {
                reason = String.format(
                        "%d records wait on %d partitions and nothing was committed for %d s",
                        waiting, backlog.size(), TimeUnit.NANOSECONDS.toSeconds(now - progressAt));
                hanging = new HangingTransactions(admin, Duration.ofSeconds(10)).find();
                if (!last.stalled()) {
                    LOG.error(
                            "The pipeline is stalled: {}{}",
                            reason,
                            hanging.isEmpty()
                                    ? ""
                                    : "; hanging transactions (no coordinator will end them): " + hanging);
                }
            } else if (last.stalled()) {
                LOG.info("The pipeline makes progress again");
            }
            last = new Snapshot(waiting, committed, progressAt, stalled, reason, hanging);
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
        node.put("secondsSinceProgress", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - s.progressNanos()));
        node.put("stalled", s.stalled());
        if (s.reason() != null) {
            node.put("reason", s.reason());
        }
        if (!s.hanging().isEmpty()) {
            var list = node.putArray("hangingTransactions");
            for (HangingTransactions.Open o : s.hanging()) {
                list.addObject()
                        .put("partition", o.partition().toString())
                        .put("producerId", o.producerId())
                        .put("producerEpoch", o.producerEpoch())
                        .put("verdict", o.verdict().name())
                        .put("coordinator", o.coordinator())
                        .put(
                                "abort",
                                "kafka-transactions.sh --bootstrap-server " + bootstrapServers + " abort --topic "
                                        + o.partition().topic() + " --partition "
                                        + o.partition().partition()
                                        + " --producer-id " + o.producerId() + " --producer-epoch " + o.producerEpoch()
                                        + " --coordinator-epoch " + o.coordinatorEpoch());
            }
        }
        return node;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
