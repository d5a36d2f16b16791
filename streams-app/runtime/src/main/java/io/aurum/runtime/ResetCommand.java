package io.aurum.runtime;

import io.aurum.app.Lag;
import io.aurum.topology.Topic;
import io.aurum.topology.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code aurum reset}: the application reset, so that the job rebuilds all golden state from the CDC and steward
 * topics (after a config change that alters identity or survivorship). With every instance stopped it deletes the
 * consumer group (the job then starts from the beginning of its inputs), the topology's internal topics
 * (repartition, changelog and join topics) and the resolver's topics (both found from {@link Topics} and the
 * topology's naming, never from a hard-coded list), and optionally the local state directory and the public
 * outputs. Asks for the application id as confirmation unless {@code --yes}.
 */
@Command(
        name = "reset",
        mixinStandardHelpOptions = true,
        description = {
            "Reset the application: delete its consumer group, internal topics and resolver topics, so that the"
                    + " next start rebuilds every golden record from the CDC and steward topics.",
            "Stop every instance first. Asks for the application id as confirmation unless --yes."
        })
public final class ResetCommand implements Callable<Integer> {
    @Mixin
    Deployment deployment;

    @Option(names = "--yes", description = "Do not ask for confirmation.")
    boolean yes;

    @Option(names = "--dry-run", description = "Say what would be deleted, and change nothing.")
    boolean dryRun;

    @Option(
            names = "--force",
            description = "Remove the members the group still lists. Only for instances you know are stopped: with"
                    + " static membership (streams.instance_id) a stopped instance stays listed until its session"
                    + " times out.")
    boolean force;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            description = "Also delete this instance's local Streams state (<DIR>/<application id>).")
    Path stateDir;

    @Option(
            names = "--clear-outputs",
            description = "Also tombstone every key of customers.golden, .xref, .redirects, .quality and .conflicts, so"
                    + " that ids the new config no longer produces disappear (consumers see deletes, then the"
                    + " rebuilt records).")
    boolean clearOutputs;

    PrintStream out = System.out;
    InputStream in = System.in;

    @Override
    public Integer call() throws Exception {
        String app = deployment.config().streams().applicationId();
        Topics topics = deployment.topicNames();
        try (Admin admin = deployment.admin()) {
            ConsumerGroupDescription group = describe(admin, app);
            if (group != null && !group.members().isEmpty() && !force) {
                throw new IllegalStateException("application " + app + " still has "
                        + group.members().size()
                        + " member(s) (" + group.members().iterator().next().clientId()
                        + ", ...): stop every instance first (a stopped instance with static membership stays"
                        + " listed until its session times out; --force removes it)");
            }
            Lag lag = new Lag(admin, app, topics, deployment.bootstrapServers(), Map.of());
            Set<String> existing = admin.listTopics().names().get();
            List<String> internal = new ArrayList<>();
            for (String t : new TreeSet<>(existing)) {
                Lag.Kind kind = lag.kindOf(t);
                boolean streamsInternal = t.startsWith(app + "-")
                        && (t.endsWith("-changelog") || kind == Lag.Kind.REPARTITION || kind == Lag.Kind.JOIN);
                if (streamsInternal || kind == Lag.Kind.RESOLVER) {
                    internal.add(t);
                }
            }
            List<String> inputs = topics.inputs().stream()
                    .filter(t -> lag.kindOf(t) != Lag.Kind.RESOLVER)
                    .toList();
            List<String> outputs = topics.ofKind(Topic.Kind.PUBLIC).stream()
                    .map(Topic::name)
                    .filter(existing::contains)
                    .toList();
            out.printf("Reset of application %s at %s:%n", app, deployment.bootstrapServers());
            out.printf(
                    "  consumer group %s: %s (the job restarts from the beginning of %s)%n",
                    app, group == null ? "none" : "delete", String.join(", ", inputs));
            out.printf("  delete %d internal and resolver topics:%n", internal.size());
            internal.forEach(t -> out.printf("    %s%n", t));
            if (stateDir != null) {
                out.printf("  delete local state %s%n", stateDir.resolve(app));
            } else {
                out.println("  local state: not touched (give --state-dir, or delete streams.state_dir/" + app
                        + " on every instance)");
            }
            if (clearOutputs) {
                out.printf("  tombstone every key of %s%n", String.join(", ", outputs));
            }
            if (dryRun) {
                out.println("Dry run: nothing changed.");
                return 0;
            }
            if (!yes && !confirmed(app)) {
                out.println("Not confirmed: nothing changed.");
                return 1;
            }
            if (group != null) {
                if (!group.members().isEmpty()) {
                    admin.removeMembersFromConsumerGroup(app, new RemoveMembersFromConsumerGroupOptions())
                            .all()
                            .get();
                }
                admin.deleteConsumerGroups(List.of(app)).all().get();
            }
            if (!internal.isEmpty()) {
                admin.deleteTopics(internal).all().get();
            }
            if (stateDir != null) {
                deleteRecursively(stateDir.resolve(app));
            }
            if (clearOutputs) {
                outputs.forEach(t -> out.printf("  %s: %d keys tombstoned%n", t, tombstoneAll(t)));
            }
            out.printf("Reset done. Start the instances again: they recreate the resolver topics and rebuild every"
                    + " golden record (golden ids come out the same for the same data).%n");
            return 0;
        }
    }

    private boolean confirmed(String app) throws IOException {
        out.printf("Type the application id (%s) to confirm: ", app);
        out.flush();
        String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
        return line != null && line.trim().equals(app);
    }

    private static ConsumerGroupDescription describe(Admin admin, String group)
            throws ExecutionException, InterruptedException {
        try {
            ConsumerGroupDescription d =
                    admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            return d == null || d.groupState().toString().equals("DEAD") ? null : d;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return null;
            }
            throw e;
        }
    }

    /** Writes a tombstone for every key whose latest value on the compacted topic is not one already. */
    private long tombstoneAll(String topic) {
        Properties c = new Properties();
        c.putAll(deployment.config().kafka().properties());
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, deployment.bootstrapServers());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Map<String, TopicPartition> live = new HashMap<>();
        Map<String, byte[]> keys = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null) {
                        continue;
                    }
                    String k = new String(r.key(), StandardCharsets.UTF_8);
                    if (r.value() == null) {
                        live.remove(k);
                    } else {
                        live.put(k, new TopicPartition(topic, r.partition()));
                        keys.put(k, r.key());
                    }
                }
            }
        }
        Properties p = new Properties();
        p.putAll(deployment.config().kafka().properties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, deployment.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            live.forEach((k, tp) -> producer.send(new ProducerRecord<>(topic, tp.partition(), keys.get(k), null)));
            producer.flush();
        }
        return live.size();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
