package io.aurum.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds transactions left open on partitions that their transaction coordinator is not ending: such a transaction
 * pins the partition's last stable offset, so read_committed consumers stop before it, and a consumer group whose
 * offsets it holds cannot even read its committed offsets. A process killed in the middle of an exactly-once
 * commit can leave one behind.
 *
 * <p>Each open transaction is classified by what its coordinator says of its producer:
 * <ul>
 *   <li>{@link Verdict#TRACKED}: the coordinator has the partition in a transaction it will end (it aborts one that
 *   times out, and ends a prepared one); nothing to do;</li>
 *   <li>{@link Verdict#ABORTED}: the coordinator finished that very transaction as an abort, and this partition never
 *   got the marker: writing the abort marker is exactly what the coordinator left undone;</li>
 *   <li>{@link Verdict#COMMITTED}: a witness of the coordinator's past ({@link Outcomes}, e.g. its log) says it
 *   committed that transaction and this partition never got the marker: the commit marker must be written (which
 *   the Admin API cannot do; local mode does it, see LocalTransactionLog);</li>
 *   <li>{@link Verdict#UNRESOLVED}: anything else (the coordinator has moved on, forgotten the producer, or says
 *   nothing). Ending it by hand could undo a commit, so it is only reported, with what the coordinator said, for
 *   an operator to decide.</li>
 * </ul>
 * Under transactions v2 the coordinator bumps a producer's epoch when it ends a transaction, so the transaction
 * of epoch E is the one it describes with epoch E + 1 once ended.
 */
public final class HangingTransactions {
    private static final Logger LOG = LoggerFactory.getLogger(HangingTransactions.class);

    public enum Verdict {
        TRACKED,
        ABORTED,
        COMMITTED,
        UNRESOLVED
    }

    /** Another witness of how a coordinator ended a past transaction: true committed, false aborted. */
    @FunctionalInterface
    public interface Outcomes {
        Optional<Boolean> committed(long producerId, int epoch);

        Outcomes NONE = (producerId, epoch) -> Optional.empty();
    }

    /** An open transaction on a partition, as the partition leader reports it, and what its coordinator says. */
    public record Open(
            TopicPartition partition,
            long producerId,
            int producerEpoch,
            int coordinatorEpoch,
            long firstOffset,
            Verdict verdict,
            String coordinator) {
        @Override
        public String toString() {
            return partition + " (producer id " + producerId + ", epoch " + producerEpoch + ", from offset "
                    + firstOffset + "; coordinator: " + coordinator + ")";
        }
    }

    private final Admin admin;
    private final Duration timeout;

    public HangingTransactions(Admin admin, Duration timeout) {
        this.admin = admin;
        this.timeout = timeout;
    }

    /** Every open transaction that its coordinator is not ending ({@link Verdict#ABORTED} or {@link Verdict#UNRESOLVED}). */
    public List<Open> find() throws ExecutionException, InterruptedException, TimeoutException {
        return find(Outcomes.NONE);
    }

    /** As {@link #find()}, taking {@code outcomes}' word for how past transactions ended. */
    public List<Open> find(Outcomes outcomes) throws ExecutionException, InterruptedException, TimeoutException {
        return classify(outcomes).stream()
                .filter(o -> o.verdict() != Verdict.TRACKED)
                .toList();
    }

    /**
     * Writes the missing abort marker of every transaction its coordinator aborted, and returns them; reports the
     * unresolved ones. Meant for a moment when no producer of the application runs (local mode, before its clients
     * start).
     */
    public List<Open> abortAborted(Outcomes outcomes)
            throws ExecutionException, InterruptedException, TimeoutException {
        List<Open> done = new ArrayList<>();
        for (Open o : find(outcomes)) {
            if (o.verdict() != Verdict.ABORTED) {
                LOG.warn(
                        "An open transaction its coordinator is not ending: {}. Not touched: ending it could undo a "
                                + "commit.",
                        o);
                continue;
            }
            try {
                abort(o);
                done.add(o);
                LOG.warn("Wrote the abort marker its coordinator left undone: {}", o);
            } catch (ExecutionException e) {
                LOG.warn(
                        "Could not write the abort marker of {}: {}",
                        o,
                        e.getCause().toString());
            }
        }
        return done;
    }

    /** A v2 marker carries the epoch after the transaction's; a v1 marker its own. The partition refuses the other. */
    public void abort(Open o) throws ExecutionException, InterruptedException, TimeoutException {
        try {
            abort(o, o.producerEpoch() + 1);
        } catch (ExecutionException e) {
            abort(o, o.producerEpoch());
        }
    }

    private void abort(Open o, int epoch) throws ExecutionException, InterruptedException, TimeoutException {
        admin.abortTransaction(
                        new AbortTransactionSpec(o.partition(), o.producerId(), (short) epoch, o.coordinatorEpoch()))
                .all()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private List<Open> classify(Outcomes outcomes) throws ExecutionException, InterruptedException, TimeoutException {
        List<ProducerOnPartition> open = openTransactions();
        if (open.isEmpty()) {
            return List.of();
        }
        Map<Long, List<TransactionDescription>> known =
                describe(open.stream().map(ProducerOnPartition::producerId).collect(Collectors.toSet()));
        List<Open> out = new ArrayList<>();
        for (ProducerOnPartition p : open) {
            List<TransactionDescription> views = known.getOrDefault(p.producerId(), List.of());
            String coordinator = views.isEmpty()
                    ? "knows no transaction of this producer"
                    : views.stream()
                            .map(d -> d.state() + " epoch " + d.producerEpoch() + " on " + d.topicPartitions())
                            .collect(Collectors.joining("; "));
            Verdict verdict = verdict(p.partition(), p.producerEpoch(), views);
            Optional<Boolean> committed = outcomes.committed(p.producerId(), p.producerEpoch());
            if (verdict == Verdict.UNRESOLVED && committed.isPresent()) {
                verdict = committed.get() ? Verdict.COMMITTED : Verdict.ABORTED;
                coordinator += committed.get() ? "; its log: committed" : "; its log: aborted";
            }
            out.add(new Open(
                    p.partition(),
                    p.producerId(),
                    p.producerEpoch(),
                    p.coordinatorEpoch(),
                    p.firstOffset(),
                    verdict,
                    coordinator));
        }
        return out;
    }

    /** What to make of a transaction of {@code epoch} open on {@code partition}, given its coordinator's views. */
    static Verdict verdict(TopicPartition partition, int epoch, List<TransactionDescription> views) {
        Verdict verdict = Verdict.UNRESOLVED;
        for (TransactionDescription d : views) {
            boolean active = d.state() == TransactionState.ONGOING
                    || d.state() == TransactionState.PREPARE_COMMIT
                    || d.state() == TransactionState.PREPARE_ABORT;
            if (active && d.producerEpoch() >= epoch && d.topicPartitions().contains(partition)) {
                return Verdict.TRACKED;
            }
            boolean sameTransaction = d.producerEpoch() == epoch || d.producerEpoch() == epoch + 1;
            if (d.state() == TransactionState.COMPLETE_ABORT && sameTransaction) {
                verdict = Verdict.ABORTED;
            }
        }
        return verdict;
    }

    private record ProducerOnPartition(
            TopicPartition partition, long producerId, int producerEpoch, int coordinatorEpoch, long firstOffset) {}

    private List<ProducerOnPartition> openTransactions()
            throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true))
                .names()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<TopicPartition> partitions = new ArrayList<>();
        admin.describeTopics(topics)
                .allTopicNames()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .forEach((name, d) -> {
                    for (TopicPartitionInfo p : d.partitions()) {
                        partitions.add(new TopicPartition(name, p.partition()));
                    }
                });
        List<ProducerOnPartition> open = new ArrayList<>();
        admin.describeProducers(partitions)
                .all()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .forEach((tp, producers) -> {
                    for (ProducerState p : producers.activeProducers()) {
                        if (p.currentTransactionStartOffset().isPresent()) {
                            open.add(new ProducerOnPartition(
                                    tp,
                                    p.producerId(),
                                    p.producerEpoch(),
                                    p.coordinatorEpoch().orElse(-1),
                                    p.currentTransactionStartOffset().getAsLong()));
                        }
                    }
                });
        return open;
    }

    /** The coordinators' view of the transactions of these producer ids. */
    private Map<Long, List<TransactionDescription>> describe(Set<Long> producerIds)
            throws ExecutionException, InterruptedException, TimeoutException {
        List<String> ids = new ArrayList<>();
        for (TransactionListing l : admin.listTransactions(new ListTransactionsOptions().filterProducerIds(producerIds))
                .all()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            ids.add(l.transactionalId());
        }
        Map<Long, List<TransactionDescription>> byProducer = new HashMap<>();
        if (!ids.isEmpty()) {
            admin.describeTransactions(ids)
                    .all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .values()
                    .forEach(d -> byProducer
                            .computeIfAbsent(d.producerId(), k -> new ArrayList<>())
                            .add(d));
        }
        return byProducer;
    }
}
