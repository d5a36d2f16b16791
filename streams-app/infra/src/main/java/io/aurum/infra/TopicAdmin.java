package io.aurum.infra;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topic administration for every part of Aurum that creates topics (capture, the Streams job's provisioning, the
 * local broker and the local schema registry): create the topics that are missing, then wait until every partition
 * of every topic has a leader that serves requests.
 *
 * <p>Producing to a partition before that (notably with an idempotent producer) can fail with
 * NOT_LEADER_OR_FOLLOWER and then wedge on OUT_OF_ORDER_SEQUENCE_NUMBER. The metadata cache can name a leader
 * slightly before the leader's replica manager serves the partition; ListOffsets is answered by the replica
 * manager, so its success proves the partition is writable.
 */
public final class TopicAdmin {
    /** How long callers without a deadline of their own wait. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

    private TopicAdmin() {}

    /**
     * Creates the topics that do not exist yet (an existing topic is left as it is, whatever its settings), then
     * waits until every partition of every given topic has a leader that serves requests.
     *
     * @return the names of the topics this call created
     * @throws IllegalStateException when a topic cannot be described or created, or the deadline passes
     */
    public static Set<String> createTopics(Admin admin, Collection<NewTopic> topics, Duration timeout) {
        if (topics.isEmpty()) {
            return Set.of();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> names = topics.stream().map(NewTopic::name).collect(Collectors.toCollection(LinkedHashSet::new));
        Set<String> missing = missing(admin, names, deadline);
        List<NewTopic> toCreate =
                topics.stream().filter(t -> missing.contains(t.name())).toList();
        Set<String> created = new LinkedHashSet<>();
        if (!toCreate.isEmpty()) {
            Map<String, KafkaFuture<Void>> results =
                    admin.createTopics(toCreate).values();
            for (Map.Entry<String, KafkaFuture<Void>> entry : results.entrySet()) {
                try {
                    entry.getValue().get(remainingMillis(deadline, entry.getKey()), TimeUnit.MILLISECONDS);
                    created.add(entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("Could not create topic " + entry.getKey(), e.getCause());
                    }
                    // Created concurrently by someone else: just as good.
                } catch (TimeoutException e) {
                    throw new IllegalStateException("Timed out creating topic " + entry.getKey(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while creating topic " + entry.getKey(), e);
                }
            }
            if (!created.isEmpty()) {
                LOG.debug("Created topics {}", created);
            }
        }
        awaitLeaders(admin, names, deadline);
        return created;
    }

    /** The topics of {@code names} that the cluster does not know. */
    private static Set<String> missing(Admin admin, Set<String> names, long deadline) {
        Set<String> missing = new LinkedHashSet<>();
        Map<String, KafkaFuture<TopicDescription>> described =
                admin.describeTopics(names).topicNameValues();
        for (String name : names) {
            KafkaFuture<TopicDescription> future = described.get(name);
            if (future == null) {
                missing.add(name);
                continue;
            }
            try {
                future.get(remainingMillis(deadline, name), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("Could not describe topic " + name, e.getCause());
                }
                missing.add(name);
            } catch (TimeoutException e) {
                throw new IllegalStateException("Timed out describing topic " + name, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while describing topic " + name, e);
            }
        }
        return missing;
    }

    private static void awaitLeaders(Admin admin, Set<String> topics, long deadlineNanos) {
        Throwable lastProblem = null;
        long backoffMillis = 10;
        while (true) {
            try {
                Map<String, TopicDescription> descriptions = admin.describeTopics(topics)
                        .allTopicNames()
                        .get(remainingMillis(deadlineNanos, topics.toString()), TimeUnit.MILLISECONDS);
                List<TopicPartition> partitions = new ArrayList<>();
                List<String> leaderless = new ArrayList<>();
                for (TopicDescription description : descriptions.values()) {
                    for (TopicPartitionInfo info : description.partitions()) {
                        TopicPartition tp = new TopicPartition(description.name(), info.partition());
                        partitions.add(tp);
                        if (info.leader() == null || info.leader().isEmpty()) {
                            leaderless.add(tp.toString());
                        }
                    }
                }
                if (leaderless.isEmpty()) {
                    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
                    partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
                    admin.listOffsets(request)
                            .all()
                            .get(remainingMillis(deadlineNanos, topics.toString()), TimeUnit.MILLISECONDS);
                    return;
                }
                lastProblem = new IllegalStateException("no leader yet for " + leaderless);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException)) {
                    throw new IllegalStateException("Could not describe topics " + topics, e.getCause());
                }
                lastProblem = e.getCause();
            } catch (TimeoutException e) {
                throw new IllegalStateException("Timed out waiting for partition leaders of " + topics, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for partition leaders of " + topics, e);
            }
            if (System.nanoTime() >= deadlineNanos) {
                throw new IllegalStateException("Timed out waiting for partition leaders of " + topics, lastProblem);
            }
            try {
                Thread.sleep(backoffMillis); // no admin API to subscribe to leadership; poll with a short backoff
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for partition leaders of " + topics, e);
            }
            backoffMillis = Math.min(backoffMillis * 2, 200);
        }
    }

    private static long remainingMillis(long deadlineNanos, String what) throws TimeoutException {
        long remaining = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (remaining <= 0) {
            throw new TimeoutException("deadline passed for " + what);
        }
        return remaining;
    }
}
