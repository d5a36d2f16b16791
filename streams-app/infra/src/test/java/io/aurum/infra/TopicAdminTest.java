package io.aurum.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeTopicsResult;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.junit.jupiter.api.Test;

class TopicAdminTest {
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Test
    void createsOnlyTheMissingTopicsAndWaitsUntilEveryPartitionServesListOffsets() {
        FakeCluster cluster = new FakeCluster();
        cluster.existing.put("old", 2);
        cluster.leaderlessDescribes = 2;

        Set<String> created = TopicAdmin.createTopics(
                cluster.admin(),
                List.of(new NewTopic("old", 2, (short) 1), new NewTopic("new", 3, (short) 1)),
                TIMEOUT);

        assertThat(created).containsExactly("new");
        assertThat(cluster.createRequests).extracting(NewTopic::name).containsExactly("new");
        assertThat(cluster.listedOffsets)
                .as("ListOffsets for every partition, once all have leaders")
                .containsExactlyInAnyOrder(
                        new TopicPartition("old", 0),
                        new TopicPartition("old", 1),
                        new TopicPartition("new", 0),
                        new TopicPartition("new", 1),
                        new TopicPartition("new", 2));
    }

    @Test
    void aTopicCreatedConcurrentlyBySomeoneElseIsJustAsGood() {
        FakeCluster cluster = new FakeCluster();
        cluster.raceOnCreate = true;

        Set<String> created =
                TopicAdmin.createTopics(cluster.admin(), List.of(new NewTopic("t", 1, (short) 1)), TIMEOUT);

        assertThat(created).isEmpty();
        assertThat(cluster.listedOffsets).containsExactly(new TopicPartition("t", 0));
    }

    @Test
    void aFailureThatIsNotARaceStopsTheCaller() {
        FakeCluster cluster = new FakeCluster();
        cluster.createFailure = new TopicAuthorizationException("no CREATE on t");

        assertThatThrownBy(() ->
                        TopicAdmin.createTopics(cluster.admin(), List.of(new NewTopic("t", 1, (short) 1)), TIMEOUT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Could not create topic t")
                .hasRootCauseInstanceOf(TopicAuthorizationException.class);
    }

    @Test
    void aPartitionWithoutLeaderPastTheDeadlineIsATimeout() {
        FakeCluster cluster = new FakeCluster();
        cluster.existing.put("t", 1);
        cluster.leaderlessDescribes = Integer.MAX_VALUE;

        assertThatThrownBy(() -> TopicAdmin.createTopics(
                        cluster.admin(), List.of(new NewTopic("t", 1, (short) 1)), Duration.ofMillis(300)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("partition leaders of [t]");
        assertThat(cluster.listedOffsets).isEmpty();
    }

    @Test
    void nothingToCreateIsNoCall() {
        FakeCluster cluster = new FakeCluster();
        assertThat(TopicAdmin.createTopics(cluster.admin(), List.of(), TIMEOUT)).isEmpty();
        assertThat(cluster.describes).isZero();
    }

    /** The part of a cluster that topic administration sees: topics with partition counts. */
    static final class FakeCluster {
        final Map<String, Integer> existing = new HashMap<>();
        final List<NewTopic> createRequests = new ArrayList<>();
        final Set<TopicPartition> listedOffsets = new HashSet<>();
        int leaderlessDescribes;
        int describes;
        boolean raceOnCreate;
        RuntimeException createFailure;

        Admin admin() {
            return (Admin) Proxy.newProxyInstance(
                    Admin.class.getClassLoader(),
                    new Class<?>[] {Admin.class},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "describeTopics" -> describe((Collection<?>) args[0]);
                        case "createTopics" -> create((Collection<?>) args[0]);
                        case "listOffsets" -> listOffsets((Map<?, ?>) args[0]);
                        case "close" -> null;
                        default -> throw new UnsupportedOperationException(method.getName());
                    });
        }

        private DescribeTopicsResult describe(Collection<?> names) {
            describes++;
            Map<String, KafkaFuture<TopicDescription>> futures = new HashMap<>();
            boolean leaderless = leaderlessDescribes-- > 0;
            for (Object n : names) {
                String name = (String) n;
                KafkaFutureImpl<TopicDescription> future = new KafkaFutureImpl<>();
                Integer partitions = existing.get(name);
                if (partitions == null) {
                    future.completeExceptionally(new UnknownTopicOrPartitionException("no " + name));
                } else {
                    List<TopicPartitionInfo> infos = new ArrayList<>();
                    for (int p = 0; p < partitions; p++) {
                        infos.add(new TopicPartitionInfo(
                                p, leaderless ? null : new Node(1, "localhost", 9092), List.of(), List.of()));
                    }
                    future.complete(new TopicDescription(name, false, infos));
                }
                futures.put(name, future);
            }
            return new DescribeTopicsResult(null, futures) {};
        }

        private CreateTopicsResult create(Collection<?> topics) {
            Map<String, KafkaFuture<CreateTopicsResult.TopicMetadataAndConfig>> futures = new HashMap<>();
            for (Object t : topics) {
                NewTopic topic = (NewTopic) t;
                createRequests.add(topic);
                existing.put(topic.name(), topic.numPartitions());
                KafkaFutureImpl<CreateTopicsResult.TopicMetadataAndConfig> future = new KafkaFutureImpl<>();
                if (createFailure != null) {
                    future.completeExceptionally(createFailure);
                } else if (raceOnCreate) {
                    future.completeExceptionally(new TopicExistsException(topic.name()));
                } else {
                    future.complete(null);
                }
                futures.put(topic.name(), future);
            }
            return new CreateTopicsResult(futures) {};
        }

        private ListOffsetsResult listOffsets(Map<?, ?> request) {
            Map<TopicPartition, KafkaFuture<ListOffsetsResult.ListOffsetsResultInfo>> out = new HashMap<>();
            request.keySet().forEach(tp -> {
                listedOffsets.add((TopicPartition) tp);
                out.put(
                        (TopicPartition) tp,
                        KafkaFuture.completedFuture(
                                new ListOffsetsResult.ListOffsetsResultInfo(0, -1, Optional.empty())));
            });
            return new ListOffsetsResult(out);
        }
    }
}
