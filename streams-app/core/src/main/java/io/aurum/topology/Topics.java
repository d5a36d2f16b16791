package io.aurum.topology;

import io.aurum.canonical.EventDecoder;
import io.aurum.config.AurumConfig;
import io.aurum.config.PipelineConfig.SourceDef;
import io.aurum.resolve.Codecs;
import io.aurum.resolve.Message;
import io.aurum.schemas.Conflict;
import io.aurum.schemas.FieldOverride;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.QualityIssue;
import io.aurum.schemas.Redirect;
import io.aurum.schemas.XrefEntry;
import io.aurum.serde.GenericAvroWireSerde;
import io.aurum.topology.Topic.Kind;
import io.aurum.topology.Topic.Partitions;
import io.aurum.topology.Topic.Spec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic Aurum reads, writes or creates, each with its serdes and its creation spec: the CDC inputs of the
 * configured sources, the public topics, the steward input topics, the resolver's topics and the dead letters. The
 * topology has no repartition topics of Streams' own. Provisioning, the idle probe, local mode's banner and the
 * topic table of docs/operations.md derive from here.
 *
 * <p>The public topics have fixed names that consumers rely on; their values are Avro (schemas/) in whatever serde
 * the deployment configures, Confluent wire format by default. A renamed internal topic orphans state in flight:
 * {@code TopologySnapshotTest} pins the names.
 */
public final class Topics {
    public static final String GOLDEN = "customers.golden";
    /** The golden records as flat typed rows ({@link io.aurum.golden.GoldenTable}), for sink connectors and SQL. */
    public static final String GOLDEN_TABLE = "customers.golden.table";

    public static final String XREF = "customers.xref";
    public static final String REDIRECTS = "customers.redirects";
    public static final String QUALITY = "customers.quality";
    public static final String CONFLICTS = "customers.conflicts";
    public static final String ASSERTIONS = "customers.assertions";
    public static final String OVERRIDES = "customers.overrides";
    public static final String DLQ = "aurum.dlq";

    /**
     * The resolver's two topics, after the application id: its input (messages for records and golden ids from the
     * stages before it) and what its nodes say to nodes in other partitions. The second closes a cycle, which the
     * DSL's repartition topics cannot, so Aurum creates both itself, placed by the resolver's partitioner.
     */
    private static final String RECORDS = "records";

    private static final String RESOLVER = "resolver";
    /** The resolver's topics carry transient traffic; a week's retention outlasts any sane outage. */
    private static final Duration RESOLVER_RETENTION = Duration.ofDays(7);
    /** Dead letters are kept a month: long enough for an operator to inspect and replay them. */
    private static final Duration DLQ_RETENTION = Duration.ofDays(30);

    /** Makes the value serde of a public topic from its Avro class. */
    @FunctionalInterface
    public interface AvroSerdes {
        <T extends SpecificRecord> Serde<T> serde(Class<T> type);

        /**
         * The registry settings ({@code schema.registry.url}, credentials): CDC topics in the Avro format are read
         * with them. Empty when there is no registry (tests of JSON sources).
         */
        default Map<String, ?> registryConfig() {
            return Map.of();
        }

        /** The value serde of a topic of generic records whose schema is built at run time (the golden table). */
        default Serde<GenericRecord> generic() {
            return GenericAvroWireSerde.of(registryConfig(), false);
        }
    }

    private final AurumConfig config;
    private final List<Topic<byte[], byte[]>> cdc = new ArrayList<>();
    private final Topic<String, GoldenCustomer> golden;
    private final Topic<String, GenericRecord> goldenTable;
    private final Topic<String, XrefEntry> xref;
    private final Topic<String, Redirect> redirects;
    private final Topic<String, QualityIssue> quality;
    private final Topic<String, Conflict> conflicts;
    private final Topic<String, byte[]> assertions;
    private final Topic<String, FieldOverride> overrides;
    private final Topic<byte[], byte[]> deadLetters;
    private final Topic<String, Message> records;
    private final Topic<String, Message> resolver;
    private final List<Topic<?, ?>> all;
    private final EventDecoder cdcDecoder;

    /** The topics of the deployment {@code config} describes (its sources, application id and partition counts). */
    public Topics(AvroSerdes serdes, AurumConfig config) {
        this.config = config;
        this.cdcDecoder = new EventDecoder(serdes.registryConfig());
        String app = config.streams().applicationId();
        config.pipeline().sources().values().stream()
                .map(SourceDef::topic)
                .distinct()
                .forEach(name -> cdc.add(new Topic<>(
                        name,
                        Serdes.ByteArray(),
                        Serdes.ByteArray(),
                        Spec.retained(
                                Kind.CDC_INPUT,
                                Partitions.CAPTURE,
                                null,
                                "primary key (in the source's format)",
                                "Debezium change event: JSON (with or without schema) or Avro, as the source's"
                                        + " `format` says"))));
        golden = new Topic<>(
                GOLDEN,
                Serdes.String(),
                serdes.serde(GoldenCustomer.class),
                Spec.compacted(
                        Kind.PUBLIC,
                        "golden id",
                        "`GoldenCustomer` (Avro, Confluent wire format); tombstone when merged away or emptied"));
        goldenTable = new Topic<>(
                GOLDEN_TABLE,
                Serdes.String(),
                serdes.generic(),
                Spec.compacted(
                        Kind.PUBLIC,
                        "golden id",
                        "`io.aurum.golden.GoldenRow` (Avro, schema derived from the config): one typed column per golden"
                                + " field and roll-up, plus members and lineage; tombstone when merged away or emptied"));
        xref = new Topic<>(
                XREF,
                Serdes.String(),
                serdes.serde(XrefEntry.class),
                Spec.compacted(
                        Kind.PUBLIC,
                        "`<database>.<table>:<key>`",
                        "`XrefEntry` (golden id, reason); tombstone when the record is deleted"));
        redirects = new Topic<>(
                REDIRECTS,
                Serdes.String(),
                serdes.serde(Redirect.class),
                Spec.compacted(
                        Kind.PUBLIC,
                        "a golden id",
                        "`Redirect`: the current golden id of that id's customer, the record, the reason; when"
                                + " `goldenId` equals the key the id is live and `splitInto` lists the clusters that split off"
                                + " from it"));
        quality = new Topic<>(
                QUALITY,
                Serdes.String(),
                serdes.serde(QualityIssue.class),
                Spec.compacted(
                        Kind.PUBLIC,
                        "identifier, e.g. `email=info@acme.com`, or `~<assertion id>`",
                        "`QualityIssue` (HUB, BLOCKLISTED, or CANNOT_LINK_CONFLICT for a cannot-link that must-links"
                                + " overrule; count, limit, sample); tombstone when it clears"));
        conflicts = new Topic<>(
                CONFLICTS,
                Serdes.String(),
                serdes.serde(Conflict.class),
                Spec.compacted(
                        Kind.PUBLIC,
                        "`<golden id>/<field or anomaly>`",
                        "`Conflict` (the disagreeing values and their sources); tombstone when it clears"));
        assertions = new Topic<>(
                ASSERTIONS,
                Serdes.String(),
                Serdes.ByteArray(),
                Spec.compacted(
                        Kind.STEWARD_INPUT,
                        "assertion id",
                        "steward must-link or cannot-link assertion, JSON (see docs/identity-resolution.md);"
                                + " tombstone retracts"));
        overrides = new Topic<>(
                OVERRIDES,
                Serdes.String(),
                serdes.serde(FieldOverride.class),
                Spec.compacted(
                        Kind.STEWARD_INPUT,
                        "any unique key",
                        "`FieldOverride` (Avro; golden id or source"
                                + " record, field, value, who, why); tombstone withdraws"));
        deadLetters = new Topic<>(
                DLQ,
                Serdes.ByteArray(),
                Serdes.ByteArray(),
                Spec.retained(
                        Kind.DEAD_LETTERS,
                        Partitions.ONE,
                        DLQ_RETENTION,
                        "original key",
                        "original value, plus error headers"));
        records = new Topic<>(
                app + "-" + RECORDS,
                Serdes.String(),
                Codecs.MESSAGE.serde(),
                Spec.retained(
                        Kind.RESOLVER,
                        Partitions.STREAMS,
                        RESOLVER_RETENTION,
                        "record id or golden id",
                        "what the resolver is told: rows, children, assertions, overrides, snapshot ends (binary)"));
        resolver = new Topic<>(
                app + "-" + RESOLVER,
                Serdes.String(),
                Codecs.MESSAGE.serde(),
                Spec.retained(
                        Kind.RESOLVER,
                        Partitions.STREAMS,
                        RESOLVER_RETENTION,
                        "record id, identifier or golden id",
                        "what the resolver's nodes say to each other across partitions (binary)"));
        List<Topic<?, ?>> list = new ArrayList<>(cdc);
        list.addAll(List.of(
                golden,
                goldenTable,
                xref,
                redirects,
                quality,
                conflicts,
                assertions,
                overrides,
                deadLetters,
                records,
                resolver));
        all = Collections.unmodifiableList(list);
    }

    /**
     * Reads the CDC topics' records in each source's format (JSON or Avro through the registry), decoding columns by
     * their schema; one instance, with its schema caches, for the whole topology.
     */
    public EventDecoder cdcDecoder() {
        return cdcDecoder;
    }

    /** The change topics of the configured sources (one per table), as bytes. */
    public List<Topic<byte[], byte[]>> cdc() {
        return Collections.unmodifiableList(cdc);
    }

    public Topic<String, GoldenCustomer> golden() {
        return golden;
    }

    /** customers.golden.table: the golden records as flat typed rows. */
    public Topic<String, GenericRecord> goldenTable() {
        return goldenTable;
    }

    public Topic<String, XrefEntry> xref() {
        return xref;
    }

    public Topic<String, Redirect> redirects() {
        return redirects;
    }

    public Topic<String, QualityIssue> quality() {
        return quality;
    }

    public Topic<String, Conflict> conflicts() {
        return conflicts;
    }

    /** Values stay bytes: a malformed assertion goes to the dead letters as it came. */
    public Topic<String, byte[]> assertions() {
        return assertions;
    }

    public Topic<String, FieldOverride> overrides() {
        return overrides;
    }

    public Topic<byte[], byte[]> deadLetters() {
        return deadLetters;
    }

    /** The resolver's input, placed by its partitioner. */
    public Topic<String, Message> records() {
        return records;
    }

    /** Between the resolver's nodes across partitions, placed by its partitioner. */
    public Topic<String, Message> resolver() {
        return resolver;
    }

    /** Every topic: CDC inputs, public, steward input, dead letters, resolver (the order of the docs' table). */
    public List<Topic<?, ?>> all() {
        return all;
    }

    public List<Topic<?, ?>> ofKind(Kind kind) {
        return all.stream().filter(t -> t.spec().kind() == kind).toList();
    }

    /** The topics the Streams job consumes besides its repartition topics: where its lag is work not yet done. */
    public List<String> inputs() {
        return all.stream()
                .filter(t -> t.spec().kind().input())
                .map(Topic::name)
                .toList();
    }

    /**
     * What Aurum creates at start-up if missing: every topic above. Debezium creates a table's topic only with its
     * first event, and Streams refuses to run while a source topic is missing; Streams creates its internal topics
     * itself.
     */
    public List<NewTopic> newTopics() {
        short rf = config.streams().replicationFactor();
        return all.stream()
                .map(t -> {
                    NewTopic topic = new NewTopic(t.name(), partitions(t.spec().partitions()), rf);
                    return t.spec().configs().isEmpty()
                            ? topic
                            : topic.configs(t.spec().configs());
                })
                .toList();
    }

    private int partitions(Partitions partitions) {
        return switch (partitions) {
            case STREAMS -> config.streams().partitions();
            case CAPTURE -> config.capture().topicPartitions();
            case ONE -> 1;
        };
    }

    /**
     * The topics in a few words, for people: the public topics, the steward inputs and the dead letters, e.g.
     * {@code customers.golden, .xref, ... (compacted)}.
     */
    public List<String> overview() {
        List<String> out = new ArrayList<>();
        List<Topic<?, ?>> published = ofKind(Kind.PUBLIC);
        StringBuilder names = new StringBuilder(published.get(0).name());
        String prefix =
                published.get(0).name().substring(0, published.get(0).name().indexOf('.'));
        for (Topic<?, ?> t : published.subList(1, published.size())) {
            names.append(", ")
                    .append(t.name().startsWith(prefix + ".") ? t.name().substring(prefix.length()) : t.name());
        }
        if (published.stream().allMatch(t -> "compact".equals(t.spec().cleanupPolicy()))) {
            names.append(" (compacted)");
        }
        out.add(names.toString());
        out.add("steward input "
                + String.join(
                        ", ",
                        ofKind(Kind.STEWARD_INPUT).stream().map(Topic::name).toList()));
        out.add("dead letters "
                + String.join(
                        ", ",
                        ofKind(Kind.DEAD_LETTERS).stream().map(Topic::name).toList()));
        return out;
    }
}
