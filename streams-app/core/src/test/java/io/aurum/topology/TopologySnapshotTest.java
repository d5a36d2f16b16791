package io.aurum.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.config.AurumConfig;
import io.aurum.testing.TestAvroSerde;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Materialized.StoreType;
import org.apache.kafka.streams.processor.internals.InternalTopologyBuilder;
import org.apache.kafka.streams.processor.internals.ProcessorStateManager;
import org.apache.kafka.streams.processor.internals.StoreFactory;
import org.junit.jupiter.api.Test;

/**
 * Pins every name a running deployment keeps state under: processors, stores and their changelog topics,
 * repartition and subscription topics, and the sub-topologies (task ids). A rename orphans state on upgrade, so
 * it must be a decision, with a migration, and not an accident: the failure message says which.
 */
class TopologySnapshotTest {
    static final Path SNAPSHOT = Path.of("src/test/resources/topology-snapshot.txt");
    static final String UPDATE = "aurum.updateSnapshot";

    @Test
    void theTopologyKeepsItsNames() throws Exception {
        String actual = render();
        if (Boolean.getBoolean(UPDATE)) {
            Files.writeString(SNAPSHOT, actual, StandardCharsets.UTF_8);
        }
        String expected = Files.readString(SNAPSHOT, StandardCharsets.UTF_8);
        if (!expected.equals(actual)) {
            throw new AssertionError(explain(expected, actual));
        }
    }

    @Test
    void everyStoreIsDeclaredInStoresAndEveryDeclaredStoreIsUsed() throws Exception {
        Set<String> declared =
                new TreeSet<>(Stores.ALL.stream().map(Stores.Store::name).toList());
        Set<String> inTopology = new TreeSet<>(builder(topology()).stateStores().keySet());
        assertThat(inTopology).isEqualTo(declared);
    }

    static Topology topology() {
        AurumConfig config = AurumConfig.fromClasspath(AurumConfig.DEMO);
        Topics topics = new Topics(
                new Topics.AvroSerdes() {
                    @Override
                    public <T extends SpecificRecord> Serde<T> serde(Class<T> type) {
                        return new TestAvroSerde<>(type);
                    }
                },
                config);
        return AurumTopology.build(config.pipeline(), topics, config.streams().partitions(), StoreType.IN_MEMORY);
    }

    static InternalTopologyBuilder builder(Topology topology) throws ReflectiveOperationException {
        Field f = Topology.class.getDeclaredField("internalTopologyBuilder");
        f.setAccessible(true);
        return (InternalTopologyBuilder) f.get(topology);
    }

    /** The snapshot: stores with their changelogs, internal topics, then Streams' own description. */
    static String render() throws ReflectiveOperationException {
        String app = AurumConfig.fromClasspath(AurumConfig.DEMO).streams().applicationId();
        Topology topology = topology();
        String description = topology.describe().toString();
        InternalTopologyBuilder builder = builder(topology);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        builder.setApplicationId(app);
        builder.rewriteTopology(new StreamsConfig(props));
        TreeMap<String, String> changelogs = new TreeMap<>();
        for (StoreFactory store : builder.stateStores().values()) {
            changelogs.put(
                    store.storeName(),
                    store.loggingEnabled()
                            ? ProcessorStateManager.storeChangelogTopic(app, store.storeName(), null)
                            : "(not logged)");
        }
        Set<String> internal = new TreeSet<>();
        builder.subtopologyToTopicsInfo()
                .values()
                .forEach(info -> internal.addAll(info.repartitionSourceTopics.keySet()));

        StringBuilder out = new StringBuilder();
        out.append("# Aurum's Kafka Streams topology on the demo config (application id ")
                .append(app)
                .append("), as Streams names it.\n")
                .append(
                        "# Generated and checked by TopologySnapshotTest: a running deployment keeps state under these\n")
                .append("# names. Read the test's failure message before changing anything here.\n\n")
                .append("## Stores and their changelog topics\n");
        changelogs.forEach(
                (store, topic) -> out.append(store).append(" -> ").append(topic).append('\n'));
        out.append("\n## Repartition and subscription topics\n");
        internal.forEach(t -> out.append(t).append('\n'));
        out.append("\n## Topology\n").append(description.strip()).append('\n');
        return out.toString();
    }

    static String explain(String expected, String actual) {
        StringBuilder m = new StringBuilder("The topology's names changed (")
                .append(SNAPSHOT.toAbsolutePath())
                .append(").\n");
        List<String> advice = new ArrayList<>();
        if (diff(m, "stores (and their changelogs)", section(expected, "Stores"), section(actual, "Stores"))
                && !removed(section(expected, "Stores"), section(actual, "Stores"))
                        .isEmpty()) {
            advice.add("A renamed or removed store starts empty and orphans its changelog topic; the job would rebuild"
                    + " nothing from it. Either keep the old name, or reset the application on upgrade: stop every"
                    + " instance, kafka-streams-application-reset with every input topic, delete the resolver topics"
                    + " and the old changelog topics, remove the state directory (docs/operations.md#reset). Golden"
                    + " ids are derived from source data, so they come out the same.");
        }
        if (diff(
                        m,
                        "repartition and subscription topics",
                        section(expected, "Repartition"),
                        section(actual, "Repartition"))
                && !removed(section(expected, "Repartition"), section(actual, "Repartition"))
                        .isEmpty()) {
            advice.add("Records in flight in a renamed repartition or subscription topic are never read again. Drain"
                    + " the old topology before the upgrade (stop the sources and wait until the job is idle: zero lag"
                    + " on aurum-*-repartition), or reset the application as above; delete the old topics afterwards.");
        }
        if (diff(m, "processors", names(expected, "Processor: "), names(actual, "Processor: "))
                || diff(
                        m,
                        "source and sink topics",
                        names(expected, "(topics: ", "(topic: "),
                        names(actual, "(topics: ", "(topic: "))) {
            advice.add("Processor names appear in dead letters (aurum.errors.stage) and in the metrics; dashboards and"
                    + " alerts that name them need the same change.");
        }
        if (!layout(expected).equals(layout(actual))) {
            advice.add("A changed sub-topology layout renumbers tasks (0_1, 1_3, ...): each instance's local state"
                    + " directories no longer match and are restored from the changelogs on start, which is slow but"
                    + " loses nothing as long as the changelog topics keep their names.");
        }
        if (advice.isEmpty()) {
            advice.add("Nothing a deployment keeps was renamed or removed: new stores and topics start empty on"
                    + " upgrade, which is right for new state (not for state that used to live elsewhere).");
        }
        m.append('\n');
        advice.forEach(a -> m.append("- ").append(a).append('\n'));
        m.append(
                        "\nIf the change is intended, write the migration into the release notes and regenerate the snapshot:\n"
                                + "  mvn -pl streams-app/core -am test -Dtest=TopologySnapshotTest -Dsurefire.failIfNoSpecifiedTests=false"
                                + " -D" + UPDATE + "=true\nthen review its diff.\n\n--- expected\n")
                .append(expected)
                .append("\n--- actual\n")
                .append(actual);
        return m.toString();
    }

    private static Set<String> removed(Set<String> before, Set<String> after) {
        Set<String> removed = new TreeSet<>(before);
        removed.removeAll(after);
        return removed;
    }

    private static boolean diff(StringBuilder m, String what, Set<String> before, Set<String> after) {
        Set<String> removed = new TreeSet<>(before);
        removed.removeAll(after);
        Set<String> added = new TreeSet<>(after);
        added.removeAll(before);
        if (removed.isEmpty() && added.isEmpty()) {
            return false;
        }
        m.append("  ")
                .append(what)
                .append(": removed ")
                .append(removed)
                .append(", added ")
                .append(added)
                .append('\n');
        return true;
    }

    /** The shape of the sub-topologies, which decides the task ids: how many nodes each one has. */
    private static List<String> layout(String snapshot) {
        List<String> out = new ArrayList<>();
        for (String line : snapshot.lines().toList()) {
            String l = line.strip();
            if (l.startsWith("Sub-topology:")) {
                out.add(l + " nodes 0");
            } else if (!out.isEmpty() && l.matches("(Source|Processor|Sink): .*")) {
                String last = out.remove(out.size() - 1);
                int n = Integer.parseInt(last.substring(last.lastIndexOf(' ') + 1));
                out.add(last.substring(0, last.lastIndexOf(' ') + 1) + (n + 1));
            }
        }
        return out;
    }

    /** The lines of one "## " section. */
    private static Set<String> section(String snapshot, String heading) {
        int start = snapshot.indexOf("## " + heading);
        if (start < 0) {
            return Set.of();
        }
        int end = snapshot.indexOf("\n## ", start + 3);
        String body = snapshot.substring(snapshot.indexOf('\n', start) + 1, end < 0 ? snapshot.length() : end);
        return new TreeSet<>(
                body.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
    }

    /** Names after any of the markers in Streams' description, e.g. every "Processor: name". */
    private static Set<String> names(String snapshot, String... markers) {
        Set<String> out = new TreeSet<>();
        for (String marker : markers) {
            Matcher matcher = Pattern.compile(Pattern.quote(marker) + "\\[?([^)\\]\\s]+(?:, [^)\\]\\s]+)*)")
                    .matcher(snapshot);
            while (matcher.find()) {
                for (String name : matcher.group(1).split(", ")) {
                    out.add(name);
                }
            }
        }
        return out;
    }
}
