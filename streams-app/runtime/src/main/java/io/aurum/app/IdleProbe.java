package io.aurum.app;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Tells when the Streams job has nothing left to do: every partition of its input topics and of its own
 * repartition topics has been consumed and committed up to the last stable offset. Under exactly-once a task
 * commits its input offsets in the same transaction as its output, so "all committed" also means no output of a
 * processed record is still in flight.
 */
public final class IdleProbe {
    private final Admin admin;
    private final String applicationId;
    private final Collection<String> inputTopics;

    public IdleProbe(Admin admin, String applicationId, Collection<String> inputTopics) {
        this.admin = admin;
        this.applicationId = applicationId;
        this.inputTopics = inputTopics;
    }

    /** The work waiting per partition (only partitions that have some), and the group's committed offsets. */
    public record Reading(Map<TopicPartition, Long> backlog, Map<TopicPartition, Long> committed) {}

    /** Partitions that still have work, with their remaining record count (approximate: markers count too). */
    public Map<TopicPartition, Long> backlog() throws ExecutionException, InterruptedException {
        return read().backlog();
    }

    public Reading read() throws ExecutionException, InterruptedException {
        Set<String> topics = new HashSet<>();
        Set<String> existing = admin.listTopics().names().get();
        for (String t : inputTopics) {
            if (existing.contains(t)) {
                topics.add(t);
            }
        }
        for (String t : existing) {
            // Foreign-key joins talk through subscription topics rather than repartition topics.
            if (t.startsWith(applicationId + "-")
                    && (t.endsWith("-repartition")
                            || t.endsWith("-subscription-registration-topic")
                            || t.endsWith("-subscription-response-topic"))) {
                topics.add(t);
            }
        }
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        admin.describeTopics(topics).allTopicNames().get().forEach((name, description) -> description
                .partitions()
                .forEach(p -> request.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, Long> end = new HashMap<>();
        admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .all()
                .get()
                .forEach((tp, info) -> end.put(tp, info.offset()));
        Map<TopicPartition, Long> committed = new HashMap<>();
        admin.listConsumerGroupOffsets(applicationId)
                .partitionsToOffsetAndMetadata()
                .get()
                .forEach((tp, o) -> committed.put(tp, o == null ? 0 : o.offset()));
        Map<TopicPartition, Long> backlog = new HashMap<>();
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            long position = committed.getOrDefault(e.getKey(), 0L);
            if (position < e.getValue()) {
                backlog.put(e.getKey(), e.getValue() - position);
            }
        }
        return new Reading(backlog, committed);
    }

    /**
     * Waits until the job has been idle for {@code settle}: two clean readings that far apart, so that a record
     * produced between reading end offsets and reading commits cannot slip through.
     */
    public void awaitIdle(Duration timeout, Duration settle) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long idleSince = -1;
        Map<TopicPartition, Long> last = Map.of();
        while (System.nanoTime() < deadline) {
            try {
                last = backlog();
            } catch (ExecutionException e) {
                last = Map.of(new TopicPartition("unknown", -1), -1L);
            }
            if (last.isEmpty()) {
                if (idleSince < 0) {
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince >= settle.toNanos()) {
                    return;
                }
            } else {
                idleSince = -1;
            }
            Thread.sleep(100);
        }
        throw new TimeoutException("the pipeline did not become idle within " + timeout + "; backlog: " + last);
    }
}
