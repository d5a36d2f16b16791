package io.aurum.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * Finds (and on request aborts) hanging transactions: a partition holds an open transaction that its transaction
 * coordinator does not know about, so no coordinator will ever end it. Such a transaction pins the partition's last
 * stable offset: read_committed consumers stop before it, and a consumer group whose offsets it holds cannot even
 * read its committed offsets. A process killed in the middle of an exactly-once commit can leave one behind; seen
 * here on {@code __consumer_offsets} after a SIGKILL of local mode, where broker and Streams die together.
 *
 * <p>The test is the one Kafka's {@code kafka-transactions.sh find-hanging} applies: the partition's open
 * transaction belongs to a producer id whose transactional id, according to the coordinator, has no ongoing or
 * preparing transaction with that epoch that includes the partition. An open transaction the coordinator knows is
 * left alone: the coordinator aborts it when it times out or when its producer restarts.
 */
public final class HangingTransactions {
    private static final Logger LOG = LoggerFactory.getLogger(HangingTransactions.class);

    /** An open transaction on a partition, as the partition leader reports it. */
    public record Open(TopicPartition partition, long producerId, int producerEpoch, int coordinatorEpoch,
                       long firstOffset, long lastTimestamp) {
        @Override
        public String toString() {
            return partition + " (producer id " + producerId + ", epoch " + producerEpoch + ", from offset "
                    + firstOffset + ")";
        }
    }

    private final Admin admin;
    private final Duration timeout;

    public HangingTransactions(Admin admin, Duration timeout) {
        this.admin = admin;
        this.timeout = timeout;
    }

    /** Every hanging transaction on the cluster's partitions (internal topics included). */
    public List<Open> find() throws ExecutionException, InterruptedException, TimeoutException {
        List<Open> open = openTransactions();
        if (open.isEmpty()) {
            return List.of();
        }
        Map<Long, List<TransactionDescription>> known = describe(open.stream().map(Open::producerId)
                .collect(java.util.stream.Collectors.toSet()));
        List<Open> hanging = new ArrayList<>();
        for (Open o : open) {
            boolean tracked = known.getOrDefault(o.producerId(), List.of()).stream().anyMatch(d ->
                    d.producerEpoch() == o.producerEpoch() && d.topicPartitions().contains(o.partition())
                            && (d.state() == TransactionState.ONGOING || d.state() == TransactionState.PREPARE_COMMIT
                            || d.state() == TransactionState.PREPARE_ABORT));
            if (!tracked) {
                hanging.add(o);
            }
        }
        return hanging;
    }

    /**
     * Aborts every hanging transaction (writes the abort marker the coordinator never will) and returns them. Only
     * for a moment when no producer of the application runs (local mode, before it starts its clients): a
     * transaction the coordinator is just completing could otherwise look hanging for an instant. It is checked
     * twice for that reason, and must be unchanged.
     */
    public List<Open> abortAll() throws ExecutionException, InterruptedException, TimeoutException {
        List<Open> first = find();
        if (first.isEmpty()) {
            return first;
        }
        List<Open> hanging = new ArrayList<>(find());
        hanging.retainAll(first);
        for (Open o : hanging) {
            admin.abortTransaction(new AbortTransactionSpec(o.partition(), o.producerId(), (short) o.producerEpoch(),
                    o.coordinatorEpoch())).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.warn("Aborted a hanging transaction on {}: a killed process left it open and no coordinator knew it", o);
        }
        return hanging;
    }

    private List<Open> openTransactions() throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<TopicPartition> partitions = new ArrayList<>();
        admin.describeTopics(topics).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .forEach((name, d) -> {
                    for (TopicPartitionInfo p : d.partitions()) {
                        partitions.add(new TopicPartition(name, p.partition()));
                    }
                });
        List<Open> open = new ArrayList<>();
        admin.describeProducers(partitions).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .forEach((tp, producers) -> {
                    for (ProducerState p : producers.activeProducers()) {
                        if (p.currentTransactionStartOffset().isPresent()) {
                            open.add(new Open(tp, p.producerId(), p.producerEpoch(),
                                    p.coordinatorEpoch().orElse(-1), p.currentTransactionStartOffset().getAsLong(),
                                    p.lastTimestamp()));
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
                .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            ids.add(l.transactionalId());
        }
        Map<Long, List<TransactionDescription>> byProducer = new HashMap<>();
        if (!ids.isEmpty()) {
            admin.describeTransactions(ids).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS).values()
                    .forEach(d -> byProducer.computeIfAbsent(d.producerId(), k -> new ArrayList<>()).add(d));
        }
        return byProducer;
    }
}
