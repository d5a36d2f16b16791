package io.aurum.resolve;

import io.aurum.canonical.Identifiers;
import io.aurum.canonical.RecordIds;
import io.aurum.canonical.SourceRecord;
import io.aurum.config.PipelineConfig;
import io.aurum.identity.GoldenIds;
import io.aurum.identity.Membership;
import io.aurum.identity.QualityReport;
import io.aurum.schemas.Conflict;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.QualityIssue;
import io.aurum.schemas.QualityIssueKind;
import io.aurum.schemas.Redirect;
import io.aurum.schemas.SourceRef;
import io.aurum.schemas.XrefEntry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.Value;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resolver: record, identifier and cluster nodes of one partition, in one processor. A message to a node of
 * this same task is handled at once, in order, instead of crossing Kafka; a message to another task goes through
 * the resolver topic. Every node is read at most once and written at most once per input, however many messages
 * the input sets off here. Where a node lives follows from its key ({@link #partition}): a record node and the
 * cluster of which it is the anchor share a partition, and so do a record and its own link identifier.
 *
 * <p>Outputs go to named sinks (see {@code AurumTopology}): the resolver topic, and the public topics golden,
 * xref, redirects, quality and conflicts, each written only when what it says changed.
 */
public final class Resolver extends ContextualProcessor<String, Message, String, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(Resolver.class);

    /** The names of the resolver's stores (declared in the topology's store registry). */
    public record StoreNames(String records, String identifiers, String clusters, String state) {}

    /** Names of the sinks the resolver writes to. */
    public static final String TO_RESOLVER = "to-resolver";

    public static final String TO_GOLDEN = "to-golden";
    public static final String TO_XREF = "to-xref";
    public static final String TO_REDIRECTS = "to-redirects";
    public static final String TO_QUALITY = "to-quality";
    public static final String TO_CONFLICTS = "to-conflicts";

    private final RecordNodes records;
    private final IdentifierNodes identifiers;
    private final ClusterNodes clusters;

    private NodeStore<RecordNode> recordStore;
    private NodeStore<IdentifierNode> identifierStore;
    private NodeStore<ClusterNode> clusterStore;
    /** The partition's coordination state: running snapshots, partitions that hold back, {@link Quiescence}. */
    private KeyValueStore<String, Long> stateStore;

    private final int partitions;
    private int partition;
    /** Databases whose blocking snapshot is running: this partition's record nodes hold back what they publish. */
    private final Set<String> snapshots = new TreeSet<>();
    /** Resolver partitions that said they hold back (see {@link Message.Hold}): clusters publish when none does. */
    private final Set<Integer> heldBy = new TreeSet<>();
    /** Keys of {@link #snapshots} and {@link #heldBy} in the state store. */
    private static final String SNAPSHOT = "snapshot/";

    private static final String HELD_BY = "held-by/";
    private Quiescence quiescence;

    private long lastSnapshotRead;
    static final Duration SNAPSHOT_QUIET = Duration.ofSeconds(60);

    /**
     * After a snapshot, a partition may hold back tens of thousands of records, and then tens of thousands of
     * clusters wait to publish. Done in one input, that is more work than fits in a transaction (Streams' 10 s
     * transaction timeout fenced the task, which redid it all, at 1M rows). So both go in steps of at most
     * {@link #step} nodes, one step per input that ends a hold and then one per punctuation ({@link #STEP_EVERY})
     * until done, each step committed with the inputs around it; a step scans at most {@link #SCAN_FACTOR} times
     * that many stored nodes.
     */
    public static final int STEP = 500;

    static final Duration STEP_EVERY = Duration.ofMillis(10);
    private static final int SCAN_FACTOR = 8;
    private final int step;
    /**
     * Set while this partition releases what it held back: it still counts as holding for every other partition
     * (its {@code Hold(false)} goes out after the last record released), and the marker survives a restart, which
     * releases from the start again (released records are no longer held, so only the rest are found).
     */
    static final String RELEASING = "#releasing";

    private boolean releasing;
    private String releaseCursor;
    /** Set while clusters changed meanwhile publish, in steps; also kept across a restart. */
    static final String PUBLISHING_HELD = "#publishing-held";

    private boolean publishingHeld;
    private String publishCursor;
    private Cancellable stepper;
    /**
     * Gauge {@code held-work}: how many of the two kinds of work in steps (a release, a publication) this task has
     * left. The work goes on by punctuation, after its inputs are committed, so "every input committed" is not yet
     * idle while it is above 0 ({@code AurumRuntime.awaitIdle} waits for both).
     */
    public static final String HELD_WORK = "held-work";

    private Sensor heldWorkGauge;

    // The work of one input: the nodes it touched, and the messages still to hand to nodes of this task.
    private final Map<String, RecordNode> recordWork = new HashMap<>();
    private final Map<String, IdentifierNode> identifierWork = new HashMap<>();

    private final Map<String, ClusterNode> clusterWork = new HashMap<>();
    private final ArrayDeque<Message> local = new ArrayDeque<>();
    /**
     * The scope of the resolver's metrics (group {@code stream-aurum-resolver-metrics}, tags {@code thread-id} and
     * {@code aurum-resolver-id}, the task): messages between nodes, handed over within the task or sent through the
     * resolver topic ({@code local-message-total}, {@code remote-message-total}: the resolver's work); the resolution
     * events of {@link Mailbox.Event} ({@code merges-total}, {@code splits-total}, {@code id-handovers-total},
     * {@code hubs-found-total}, {@code hubs-cleared-total}), counted where their output is written; and the gauge
     * {@code dangling-links} ({@link #DANGLING_LINKS}).
     */
    public static final String METRICS_SCOPE = "aurum-resolver";

    /** The group of the resolver's metrics. */
    public static final String METRICS_GROUP = "stream-" + METRICS_SCOPE + "-metrics";

    private Sensor localMessages;
    private Sensor remoteMessages;
    private final Map<Mailbox.Event, Sensor> events = new EnumMap<>(Mailbox.Event.class);

    /**
     * Explicit links held by this partition's records to records that do not exist ({@link RecordNodes#danglingLinks}
     * summed over the record nodes), kept in {@code resolver-state} under this key and changed by what each input
     * writes back: a function of the stored nodes, so it survives restarts and a redelivery that changes no node
     * changes nothing. Reported as gauge {@code dangling-links}.
     */
    static final String DANGLING_LINKS = "#dangling-links";

    private long danglingLinks;
    private boolean danglingUnsaved;
    private Sensor danglingGauge;
    /** Per record node the current input touched: its dangling links as it was read from the store. */
    private final Map<String, Integer> danglingRead = new HashMap<>();

    private Record<String, Message> input;
    private final Outbox mailbox = new Outbox();
    /** Per other partition, the node messages this input sent there so far, in order (see {@link Message.Batch}). */
    private final Map<Integer, PendingBatch> batches = new HashMap<>();
    /** Keeps a batch well under the broker's 1 MB record size limit: at most this many messages, ... */
    private static final int MAX_BATCH = 256;
    /**
     * ... and at most this many values of records' content ({@code Member}: attributes, identifiers and child
     * values, some tens of bytes each). A record's content is what makes a message large; batched, the members a
     * cluster gains in one step reach it as one input, which reads and writes the cluster node once instead of once
     * per member (a cluster of n members cost O(n²) decoding). A member larger than this goes alone.
     */
    static final int MAX_BATCH_VALUES = 8192;

    /** The node messages bound for one partition, and how many values of records' content they carry. */
    private static final class PendingBatch {
        final List<Message> messages = new ArrayList<>();
        int values;
    }

    /** The values of records' content a message carries (0 for every message but {@code Member}). */
    static int values(Message m) {
        if (!(m instanceof Message.Member member)) {
            return 0;
        }
        SourceRecord r = member.record();
        int n = 1
                + r.attributes().size()
                + r.identifiers().size()
                + member.overrides().size();
        for (List<SourceRecord.ChildRecord> rows : r.children().values()) {
            for (SourceRecord.ChildRecord child : rows) {
                n += 1 + child.attributes().size();
            }
        }
        return n;
    }

    private final StoreNames stores;

    /** @param partitions of the records and resolver topics: where each node lives follows from it */
    public Resolver(PipelineConfig config, int partitions, StoreNames stores) {
        this(config, partitions, stores, STEP);
    }

    /** @param step how many held records or clusters one step releases or publishes (see {@link #STEP}) */
    public Resolver(PipelineConfig config, int partitions, StoreNames stores, int step) {
        if (step < 1) {
            throw new IllegalArgumentException("step must be at least 1: " + step);
        }
        this.partitions = partitions;
        this.stores = stores;
        this.step = step;
        this.records = new RecordNodes(config);
        this.identifiers = new IdentifierNodes(config);
        this.clusters = new ClusterNodes(config);
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        super.init(context);
        recordStore = new NodeStore<>(context.getStateStore(stores.records()), Codecs.RECORD_NODE);
        identifierStore = new NodeStore<>(context.getStateStore(stores.identifiers()), Codecs.IDENTIFIER_NODE);
        clusterStore = new NodeStore<>(context.getStateStore(stores.clusters()), Codecs.CLUSTER_NODE);
        stateStore = context.getStateStore(stores.state());
        partition = context.taskId().partition();
        snapshots.clear();
        heldBy.clear();
        try (KeyValueIterator<String, Long> it = stateStore.all()) {
            it.forEachRemaining(kv -> {
                if (kv.key.startsWith(HELD_BY)) {
                    heldBy.add(Integer.parseInt(kv.key.substring(HELD_BY.length())));
                } else if (kv.key.startsWith(SNAPSHOT)) {
                    snapshots.add(kv.key.substring(SNAPSHOT.length()));
                }
            });
        }
        quiescence = new Quiescence(partition);
        quiescence.load(stateStore);
        releasing = stateStore.get(RELEASING) != null && snapshots.isEmpty();
        publishingHeld = stateStore.get(PUBLISHING_HELD) != null;
        releaseCursor = null;
        publishCursor = null;
        stepper = null;
        lastSnapshotRead = context.currentSystemTimeMs();
        String task = context.taskId().toString();
        localMessages =
                context.metrics().addRateTotalSensor(METRICS_SCOPE, task, "local-message", Sensor.RecordingLevel.INFO);
        remoteMessages =
                context.metrics().addRateTotalSensor(METRICS_SCOPE, task, "remote-message", Sensor.RecordingLevel.INFO);
        for (Mailbox.Event e : Mailbox.Event.values()) {
            events.put(
                    e, context.metrics().addRateTotalSensor(METRICS_SCOPE, task, e.metric, Sensor.RecordingLevel.INFO));
        }
        Long dangling = stateStore.get(DANGLING_LINKS);
        if (dangling == null) {
            // A store from before the count was kept (or a new one): count once, save with the next write-back.
            dangling = countDanglingLinks();
            danglingUnsaved = true;
        }
        danglingLinks = dangling;
        danglingGauge = gauge(context, task, "dangling-links", "Explicit links to records that do not exist");
        danglingGauge.record(danglingLinks);
        heldWorkGauge = gauge(context, task, HELD_WORK, "Work this task does in steps after a snapshot and has left");
        heldWorkGauge.record((releasing ? 1 : 0) + (publishingHeld ? 1 : 0));
        context.schedule(Duration.ofSeconds(5), PunctuationType.WALL_CLOCK_TIME, this::tick);
        if (releasing || publishingHeld) {
            LOG.info(
                    "Resolver partition {} goes on {} after a restart",
                    partition,
                    releasing ? "releasing the records it held back" : "publishing the clusters that changed");
            scheduleSteps();
        }
    }

    /**
     * A gauge of this task beside the sensors {@code addRateTotalSensor} makes (same group and tags): the value
     * last recorded. The sensor outlives the processor (as those do), so a new processor of the task records into
     * it again.
     */
    private static Sensor gauge(ProcessorContext<?, ?> context, String task, String name, String description) {
        String thread = Thread.currentThread().getName();
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("thread-id", thread);
        tags.put(METRICS_SCOPE + "-id", task);
        Sensor sensor = context.metrics()
                .addSensor("external." + thread + ".entity." + task + ".s." + name, Sensor.RecordingLevel.INFO);
        sensor.add(new MetricName(name, METRICS_GROUP, description, tags), new Value());
        return sensor;
    }

    private long countDanglingLinks() {
        long n = 0;
        try (KeyValueIterator<String, RecordNode> it = recordStore.all()) {
            while (it.hasNext()) {
                KeyValue<String, RecordNode> kv = it.next();
                n += RecordNodes.danglingLinks(kv.key, kv.value);
            }
        }
        return n;
    }

    /** A task that moves to another thread or instance leaves this thread's gauge at 0, not at its last value. */
    @Override
    public void close() {
        if (danglingGauge != null) {
            danglingGauge.record(0);
            heldWorkGauge.record(0);
        }
    }

    /** Every few seconds of wall-clock time: stalled snapshots, and the coordinator's search for rest. */
    private void tick(long now) {
        unit(new Record<>(null, null, context().currentSystemTimeMs()), () -> {
            releaseStalledSnapshots(now);
            if (!announced() && heldBy.isEmpty()) {
                quiescence.start(now, mailbox); // after a restart of the coordinator, or a lost wave
            }
            quiescence.tick(now, mailbox);
        });
    }

    /**
     * Holding golden records back is only worth it while snapshot rows arrive. A snapshot whose end no marker
     * reports (Debezium marks no end when the last table it reads is empty, and a quiet database streams nothing
     * after it) must not hold them back for good: after {@link #SNAPSHOT_QUIET} without a snapshot row, publish.
     */
    private void releaseStalledSnapshots(long now) {
        if (snapshots.isEmpty() || now - lastSnapshotRead < SNAPSHOT_QUIET.toMillis()) {
            return;
        }
        LOG.warn(
                "No snapshot rows for {} s while snapshots of {} seemed to run: publishing",
                SNAPSHOT_QUIET.toSeconds(),
                snapshots);
        for (String running : List.copyOf(snapshots)) {
            snapshot(new Message.Snapshot(running, false));
        }
    }

    /**
     * The partition of a node: a record and the cluster it anchors by the anchor's golden id; a record's own link
     * identifier, and a rule link, with (the first of) its record(s).
     */
    public static int partition(Message.Target target, String key, int partitions) {
        String route =
                switch (target) {
                    case RECORD -> GoldenIds.of(key);
                    case IDENTIFIER ->
                        key.startsWith("@")
                                ? GoldenIds.of(key.substring(1))
                                // A rule link goes with the first of its two records: its messages are local there.
                                : Identifiers.isRuleLink(key) ? GoldenIds.of(Identifiers.ruleLinkFirst(key)) : key;
                    case CLUSTER, EVERY_PARTITION -> key;
                    case PARTITION -> null;
                };
        if (route == null) {
            return Integer.parseInt(key) % partitions;
        }
        return Utils.toPositive(Utils.murmur2(route.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** Places messages on the records and resolver topics; a broadcast on every partition. */
    public static final StreamPartitioner<String, Message> PARTITIONER =
            (topic, key, message, n) -> message.target() == Message.Target.EVERY_PARTITION
                    ? Optional.of(IntStream.range(0, n).boxed().collect(Collectors.toSet()))
                    : Optional.of(Set.of(partition(message.target(), message.key(), n)));

    @Override
    public void process(Record<String, Message> record) {
        if (Quiescence.counted(record.value())) {
            quiescence.received();
        }
        unit(record, () -> handle(record.value()));
    }

    /**
     * One unit of the resolver's work (an input, a tick, a step after a snapshot): does it, hands the messages it set
     * off to this task's nodes in order, sends the rest, and writes back every node it touched, once. A unit that
     * fails leaves nothing behind for the next (the processing exception handler may skip it and go on): the next
     * unit reads its nodes from the stores.
     */
    private void unit(Record<String, Message> trigger, Runnable work) {
        input = trigger;
        try {
            work.run();
            while (!local.isEmpty()) {
                handle(local.poll());
            }
            mailbox.forwardBatches();
            flush();
        } finally {
            batches.clear();
            recordWork.clear();
            danglingRead.clear();
            identifierWork.clear();
            clusterWork.clear();
            local.clear();
            forgetReads();
            input = null;
        }
    }

    private void handle(Message message) {
        if (message instanceof Message.Batch b) {
            // Each as if it had come alone, in order; they were counted one by one when sent.
            for (Message m : b.messages()) {
                if (Quiescence.counted(m)) {
                    quiescence.received();
                }
                local.add(m);
            }
        } else if (message instanceof Message.Row m) {
            if (m.change().origin().blockingRead()) {
                lastSnapshotRead = context().currentSystemTimeMs();
            }
            records.row(m.key(), record(m.key()), m.change(), mailbox);
        } else if (message instanceof Message.Child m) {
            records.child(m.key(), record(m.key()), m.change(), mailbox);
        } else if (message instanceof Message.Assertion m) {
            records.assertion(m.key(), record(m.key()), m.change(), mailbox);
        } else if (message instanceof Message.Override m) {
            if (m.target() == Message.Target.RECORD) {
                records.override(m.key(), record(m.key()), m.id(), m.override(), mailbox);
            } else {
                clusters.override(cluster(m.key()), m.id(), m.override());
            }
        } else if (message instanceof Message.ToIdentifier m) {
            identifiers.handle(m.key(), identifier(m.key()), m, mailbox);
        } else if (message instanceof Message.ToRecord m) {
            records.offer(m.key(), record(m.key()), m, mailbox);
        } else if (message instanceof Message.RuleLinks m) {
            records.ruleLinks(m.key(), record(m.key()), m, mailbox);
        } else if (message instanceof Message.Succession m) {
            records.succession(m.key(), record(m.key()), m, mailbox);
        } else if (message instanceof Message.Member m) {
            clusters.member(cluster(m.key()), m);
        } else if (message instanceof Message.Leave m) {
            clusters.leave(cluster(m.key()), m);
        } else if (message instanceof Message.Sweep m) {
            sweep(m);
        } else if (message instanceof Message.Snapshot m) {
            snapshot(m);
        } else if (message instanceof Message.Hold m) {
            hold(m);
        } else if (message instanceof Message.Probe m) {
            quiescence.probe(m, !heldBy.isEmpty() || announced(), mailbox);
        } else if (message instanceof Message.Status m) {
            quiescence.status(m, mailbox, context().currentSystemTimeMs());
        } else if (message instanceof Message.Quiet m) {
            boolean wasPublishing = publishing();
            quiescence.quiet(m);
            if (!wasPublishing && publishing()) {
                startPublishingHeld();
            }
        }
    }

    /** Removes the records of this task that the sweep's snapshot did not see. */
    private void sweep(Message.Sweep m) {
        List<String> gone = new ArrayList<>();
        try (KeyValueIterator<String, RecordNode> it =
                recordStore.prefixScan(m.sweep().source() + ":")) {
            while (it.hasNext()) {
                KeyValue<String, RecordNode> kv = it.next();
                if (m.sweep().removes(kv.value.row())) {
                    gone.add(kv.key);
                }
            }
        }
        for (String rid : gone) {
            records.sweep(rid, record(rid), m.sweep(), mailbox);
            while (!local.isEmpty()) {
                handle(local.poll());
            }
        }
        if (!gone.isEmpty()) {
            LOG.info(
                    "Snapshot {} of {} (CDC partition {}) did not see {} records of resolver partition {}: they were "
                            + "deleted at the source while nothing streamed, and are removed",
                    m.sweep().generation(),
                    m.sweep().source(),
                    m.sweep().partition(),
                    gone.size(),
                    partition);
        }
    }

    /**
     * A snapshot starts or ends. While one runs here, record nodes hold back what they publish (a snapshot delivers
     * a customer's records one table after another: publishing each intermediate state would show consumers
     * customers that are about to merge, and send each cluster node one update per row). When the last ends, they
     * publish it, and this partition tells every partition that it no longer holds; see {@link Message.Hold}.
     */
    private void snapshot(Message.Snapshot m) {
        boolean wasHolding = holding();
        boolean wasAnnounced = announced();
        boolean wasPublishing = publishing();
        if (m.running() ? snapshots.add(m.database()) : snapshots.remove(m.database())) {
            if (m.running()) {
                stateStore.put(SNAPSHOT + m.database(), 1L);
            } else {
                stateStore.delete(SNAPSHOT + m.database());
            }
        }
        if (holding() && releasing) {
            // Another snapshot began before the release ended: the rest stays held, and goes when that one ends.
            releasing = false;
            stateStore.delete(RELEASING);
        }
        if (!wasAnnounced && announced()) {
            quiescence.disturbed();
            mailbox.send(new Message.Hold(partition, true));
        } else if (wasHolding && !holding()) {
            releasing = true;
            releaseCursor = null;
            stateStore.put(RELEASING, 1L);
            releaseStep();
        }
        if (!wasPublishing && publishing()) {
            startPublishingHeld();
        }
    }

    /** A partition starts or stops holding back; its held-back memberships have all arrived before it stops. */
    private void hold(Message.Hold m) {
        boolean wasPublishing = publishing();
        if (m.holding() ? heldBy.add(m.partition()) : heldBy.remove(m.partition())) {
            if (m.holding()) {
                stateStore.put(HELD_BY + m.partition(), 1L);
            } else {
                stateStore.delete(HELD_BY + m.partition());
            }
        }
        if (m.holding()) {
            quiescence.met(m.partition());
            quiescence.disturbed();
        } else if (heldBy.isEmpty() && !announced()) {
            quiescence.start(context().currentSystemTimeMs(), mailbox);
        }
        if (!wasPublishing && publishing()) {
            startPublishingHeld();
        }
    }

    private void startPublishingHeld() {
        publishingHeld = true;
        publishCursor = null;
        stateStore.put(PUBLISHING_HELD, 1L);
        publishStep();
    }

    /** A punctuation while a release or publication in steps goes on: the next step of each. */
    private void steps(long now) {
        unit(new Record<>(null, null, context().currentSystemTimeMs()), () -> {
            if (releasing) {
                releaseStep();
            }
            if (publishingHeld) {
                publishStep();
            }
        });
    }

    /** Steps go on by punctuation until both are done (and only then: a punctuation makes a commit). */
    private void scheduleSteps() {
        heldWorkGauge.record((releasing ? 1 : 0) + (publishingHeld ? 1 : 0));
        if (stepper == null && (releasing || publishingHeld)) {
            stepper = context().schedule(STEP_EVERY, PunctuationType.WALL_CLOCK_TIME, this::steps);
        } else if (stepper != null && !releasing && !publishingHeld) {
            stepper.cancel();
            stepper = null;
        }
    }

    /**
     * Releases up to {@link #step} of the records held back; after the last, this partition no longer holds, and
     * tells every partition so, behind every message the release sent.
     */
    private void releaseStep() {
        flush();
        Progress p =
                sweepStep(recordStore, releaseCursor, n -> n.held, rid -> records.release(rid, record(rid), mailbox));
        releaseCursor = p.cursor();
        if (p.done()) {
            releasing = false;
            stateStore.delete(RELEASING);
            LOG.info("Snapshots done: resolver partition {} published the records it held back", partition);
            boolean wasPublishing = publishing();
            mailbox.send(new Message.Hold(partition, false));
            if (!wasPublishing && publishing()) {
                startPublishingHeld();
            }
        }
        scheduleSteps();
    }

    /** Publishes up to {@link #step} of the clusters that changed while publishing was held back. */
    private void publishStep() {
        if (!publishing()) {
            // Held back again: whatever is still dirty publishes when the next hold ends, from the start.
            publishingHeld = false;
            stateStore.delete(PUBLISHING_HELD);
            scheduleSteps();
            return;
        }
        flush();
        Progress p =
                sweepStep(clusterStore, publishCursor, c -> c.dirty, g -> clusters.publish(g, cluster(g), mailbox));
        publishCursor = p.cursor();
        if (p.done()) {
            publishingHeld = false;
            stateStore.delete(PUBLISHING_HELD);
            LOG.info("No partition holds back: resolver partition {} published the clusters that changed", partition);
        }
        scheduleSteps();
    }

    /** Where a sweep in steps got to: the last key it looked at, and whether it reached the end of the store. */
    private record Progress(String cursor, boolean done) {}

    /**
     * One step of a sweep over a store in key order: after {@code cursor} (from the start when null), looks at up to
     * {@link #SCAN_FACTOR}{@code × step} nodes and acts on up to {@code step} of those {@code wanted}, each with what
     * it sets off in this task, then writes back.
     */
    private <N> Progress sweepStep(
            NodeStore<N> store,
            String cursor,
            java.util.function.Predicate<N> wanted,
            java.util.function.Consumer<String> act) {
        List<String> found = new ArrayList<>();
        String last = cursor;
        boolean done = true;
        int scanned = 0;
        try (KeyValueIterator<String, N> it = store.range(cursor)) {
            while (it.hasNext()) {
                KeyValue<String, N> kv = it.next();
                if (kv.key.equals(cursor)) {
                    continue; // the range starts at the cursor itself, which the last step looked at
                }
                if (found.size() == step || scanned == SCAN_FACTOR * step) {
                    done = false;
                    break;
                }
                scanned++;
                last = kv.key;
                if (wanted.test(kv.value)) {
                    found.add(kv.key);
                }
            }
        }
        for (String key : found) {
            act.accept(key);
            while (!local.isEmpty()) {
                handle(local.poll());
            }
        }
        flush();
        return new Progress(last, done);
    }

    /** Whether this partition's record nodes hold back what they publish. */
    private boolean holding() {
        return !snapshots.isEmpty();
    }

    /** Whether the other partitions count this one as holding: while it holds, and until it released it all. */
    private boolean announced() {
        return holding() || releasing;
    }

    /**
     * Whether cluster nodes publish: nothing holds back here, no partition said it does, and since the last hold the
     * resolver came to rest ({@link Quiescence}).
     */
    private boolean publishing() {
        return snapshots.isEmpty() && !releasing && heldBy.isEmpty() && quiescence.quiet();
    }

    private RecordNode record(String rid) {
        return recordWork.computeIfAbsent(rid, k -> {
            RecordNode stored = recordStore.get(k);
            RecordNode n = stored == null ? new RecordNode() : stored;
            danglingRead.put(k, RecordNodes.danglingLinks(k, n));
            return n;
        });
    }

    private IdentifierNode identifier(String id) {
        if (Identifiers.isLink(id)) {
            // A record's own link identifier is kept in the record's node (same partition, see RecordNode.self).
            return record(Identifiers.linkTarget(id)).self;
        }
        if (Identifiers.isRuleLink(id)) {
            // So is a rule link, in its first record's node (same partition, see RecordNode.ruleLinks).
            return record(Identifiers.ruleLinkFirst(id)).ruleLinks.computeIfAbsent(id, k -> new IdentifierNode());
        }
        return identifierWork.computeIfAbsent(id, k -> {
            IdentifierNode n = identifierStore.get(k);
            return n == null ? new IdentifierNode() : n;
        });
    }

    private ClusterNode cluster(String g) {
        return clusterWork.computeIfAbsent(g, k -> {
            ClusterNode n = clusterStore.get(k);
            return n == null ? new ClusterNode() : n;
        });
    }

    /**
     * Writes back every node the input touched: once each, or a delete when nothing is left in it. A cluster that
     * changed publishes first, once for the whole input however many of its members changed in it (a Batch, or a
     * record's messages set off here), while publishing; otherwise it stays marked until a hold ends.
     */
    private void flush() {
        if (publishing()) {
            clusterWork.forEach((g, c) -> {
                if (c.dirty) {
                    clusters.publish(g, c, mailbox);
                }
            });
        }
        long dangling = danglingLinks;
        for (Map.Entry<String, RecordNode> e : recordWork.entrySet()) {
            String k = e.getKey();
            RecordNode n = e.getValue();
            dangling += RecordNodes.danglingLinks(k, n) - danglingRead.getOrDefault(k, 0);
            n.ruleLinks.values().removeIf(link -> link.holders.isEmpty());
            if (n.isEmpty()) {
                recordStore.delete(k);
            } else {
                recordStore.put(k, n);
            }
        }
        if (dangling != danglingLinks || danglingUnsaved) {
            // With the nodes it follows from, in the same write-back (and so the same transaction).
            stateStore.put(DANGLING_LINKS, dangling);
            danglingUnsaved = false;
            if (dangling != danglingLinks) {
                danglingLinks = dangling;
                danglingGauge.record(dangling);
            }
        }
        identifierWork.forEach((k, n) -> {
            if (n.holders.isEmpty()) {
                identifierStore.delete(k);
            } else {
                identifierStore.put(k, n);
            }
        });
        clusterWork.forEach((k, n) -> {
            if (n.isEmpty()) {
                clusterStore.delete(k);
            } else {
                clusterStore.put(k, n);
            }
        });
        recordWork.clear();
        danglingRead.clear();
        identifierWork.clear();
        clusterWork.clear();
        forgetReads();
        quiescence.save();
    }

    /** The node stores skip a write-back that changes nothing, by what they read in this input; it ended. */
    private void forgetReads() {
        recordStore.forget();
        identifierStore.forget();
        clusterStore.forget();
    }

    /** Hands messages for this task's nodes to the local queue and sends the rest; publishes outputs. */
    private final class Outbox implements Mailbox {
        @Override
        public boolean holding() {
            return Resolver.this.holding();
        }

        @Override
        public void send(Message message) {
            // A broadcast reaches this partition too, through the topic, in order with what was sent before it.
            if (message.target() != Message.Target.EVERY_PARTITION
                    && partition(message.target(), message.key(), partitions) == partition) {
                local.add(message);
                localMessages.record();
            } else {
                remoteMessages.record();
                if (Quiescence.counted(message)) {
                    quiescence.sent();
                }
                if (message.target() == Message.Target.EVERY_PARTITION) {
                    // After everything sent before it, wherever that went.
                    forwardBatches();
                    forward(message);
                    return;
                }
                int to = partition(message.target(), message.key(), partitions);
                PendingBatch batch = batches.computeIfAbsent(to, p -> new PendingBatch());
                int values = values(message);
                if (!Quiescence.counted(message) || values > MAX_BATCH_VALUES) {
                    forwardBatch(to, batch); // after what went before it on the same path
                    forward(message);
                    return;
                }
                if (batch.values + values > MAX_BATCH_VALUES) {
                    forwardBatch(to, batch);
                }
                batch.messages.add(message);
                batch.values += values;
                if (batch.messages.size() >= MAX_BATCH) {
                    forwardBatch(to, batch);
                }
            }
        }

        private void forward(Message message) {
            context().forward(input.withKey(message.key()).withValue(message), TO_RESOLVER);
        }

        private void forwardBatch(int to, PendingBatch batch) {
            if (batch.messages.size() == 1) {
                forward(batch.messages.get(0));
            } else if (!batch.messages.isEmpty()) {
                forward(new Message.Batch(to, batch.messages));
            }
            batch.messages.clear();
            batch.values = 0;
        }

        /** Sends what this input left in the batches: called at the end of every input, before its write-back. */
        void forwardBatches() {
            batches.forEach(this::forwardBatch);
        }

        @Override
        public void event(Mailbox.Event event) {
            events.get(event).record();
        }

        @Override
        public void xref(String recordId, Membership m) {
            XrefEntry entry = m == null
                    ? null
                    : XrefEntry.newBuilder()
                            .setGoldenId(m.goldenId())
                            .setSource(RecordIds.source(recordId))
                            .setKey(RecordIds.key(recordId))
                            .setReason(m.reason())
                            .build();
            out(recordId, entry, TO_XREF);
        }

        @Override
        public void redirect(String goldenId, RedirectTo r) {
            Redirect value = r == null
                    ? null
                    : Redirect.newBuilder()
                            .setGoldenId(r.goldenId())
                            .setRecord(new SourceRef(RecordIds.source(r.recordId()), RecordIds.key(r.recordId())))
                            .setReason(r.reason())
                            .setSplitInto(r.splitInto())
                            .build();
            out(goldenId, value, TO_REDIRECTS);
        }

        @Override
        public void quality(String identifier, QualityReport r) {
            QualityIssue value = r == null
                    ? null
                    : QualityIssue.newBuilder()
                            .setKind(QualityIssueKind.valueOf(r.kind()))
                            .setMatchKey(r.matchKey())
                            .setValue(r.value())
                            .setRecords(r.records())
                            .setLimit(r.limit())
                            .setSample(r.sample().stream()
                                    .map(id -> new SourceRef(RecordIds.source(id), RecordIds.key(id)))
                                    .toList())
                            .build();
            out(identifier, value, TO_QUALITY);
        }

        @Override
        public void golden(String goldenId, GoldenCustomer golden) {
            out(goldenId, golden, TO_GOLDEN);
        }

        @Override
        public void conflict(String key, Conflict conflict) {
            out(key, conflict, TO_CONFLICTS);
        }

        /** Stamped with the task's stream time, so each key's outputs arrive in time order downstream. */
        private void out(String key, Object value, String sink) {
            context()
                    .forward(
                            input.withKey(key)
                                    .withValue(value)
                                    .withTimestamp(Math.max(
                                            input.timestamp(), context().currentStreamTimeMs())),
                            sink);
        }
    }
}
