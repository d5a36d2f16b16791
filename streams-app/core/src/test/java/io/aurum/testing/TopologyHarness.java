package io.aurum.testing;

import io.aurum.config.AurumConfig;
import io.aurum.schemas.Conflict;
import io.aurum.schemas.FieldOverride;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.QualityIssue;
import io.aurum.schemas.Redirect;
import io.aurum.schemas.XrefEntry;
import io.aurum.topology.AurumTopology;
import io.aurum.topology.StreamsProperties;
import io.aurum.topology.Topics;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/** The real topology in a TopologyTestDriver, with the demo config unless told otherwise. */
public final class TopologyHarness implements AutoCloseable {
    public final AurumConfig config;
    public final TopologyTestDriver driver;
    private final Map<String, TestInputTopic<byte[], byte[]>> inputs = new HashMap<>();
    private final TestOutputTopic<String, GoldenCustomer> goldenOut;
    private final TestOutputTopic<String, XrefEntry> xrefOut;
    private final TestOutputTopic<byte[], byte[]> dlqOut;
    private final TestOutputTopic<String, QualityIssue> qualityOut;
    private final TestOutputTopic<String, Redirect> redirectsOut;
    private final Map<String, Redirect> redirects = new LinkedHashMap<>();
    private final Map<String, QualityIssue> quality = new LinkedHashMap<>();
    private final TestOutputTopic<String, Conflict> conflictsOut;
    private final TestInputTopic<String, FieldOverride> overridesIn;
    private final Map<String, Conflict> conflicts = new LinkedHashMap<>();
    private final List<TestRecord<String, Conflict>> conflictLog = new ArrayList<>();
    private final Map<String, GoldenCustomer> golden = new LinkedHashMap<>();
    private final Map<String, XrefEntry> xref = new LinkedHashMap<>();
    private final List<TestRecord<String, GoldenCustomer>> goldenLog = new ArrayList<>();
    private final TestOutputTopic<String, org.apache.avro.generic.GenericRecord> goldenTableOut;
    private final Map<String, org.apache.avro.generic.GenericRecord> goldenTable = new LinkedHashMap<>();

    public TopologyHarness() {
        this(AurumConfig.fromClasspath("config/demo.yaml"), 4);
    }

    public TopologyHarness(AurumConfig config, int partitions) {
        this(config, partitions, io.aurum.resolve.Resolver.STEP);
    }

    /** @param step how much held-back work the resolver does per step (see {@code Resolver.STEP}) */
    public TopologyHarness(AurumConfig config, int partitions, int step) {
        this.config = config;
        Topics topics = new Topics(
                new Topics.AvroSerdes() {
                    @Override
                    public <T extends org.apache.avro.specific.SpecificRecord>
                            org.apache.kafka.common.serialization.Serde<T> serde(Class<T> type) {
                        return new TestAvroSerde<>(type);
                    }

                    @Override
                    public org.apache.kafka.common.serialization.Serde<org.apache.avro.generic.GenericRecord>
                            generic() {
                        return new TestGenericAvroSerde(io.aurum.golden.GoldenTable.schemaFor(config.pipeline()));
                    }
                },
                config);
        Properties props;
        try {
            props = StreamsProperties.build(
                    config,
                    "unused:9092",
                    Files.createTempDirectory("aurum-ttd").toString());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        // In-memory stores: a driver lives for one test, and RocksDB set-up would dominate property tests.
        driver = new TopologyTestDriver(
                AurumTopology.build(
                        config.pipeline(),
                        topics,
                        partitions,
                        org.apache.kafka.streams.kstream.Materialized.StoreType.IN_MEMORY,
                        step),
                props);
        topics.cdc()
                .forEach(t -> inputs.put(
                        t.name(),
                        driver.createInputTopic(
                                t.name(),
                                t.keySerde().serializer(),
                                t.valueSerde().serializer())));
        goldenOut = driver.createOutputTopic(
                Topics.GOLDEN,
                Serdes.String().deserializer(),
                topics.golden().valueSerde().deserializer());
        goldenTableOut = driver.createOutputTopic(
                Topics.GOLDEN_TABLE,
                Serdes.String().deserializer(),
                topics.goldenTable().valueSerde().deserializer());
        xrefOut = driver.createOutputTopic(
                Topics.XREF,
                Serdes.String().deserializer(),
                topics.xref().valueSerde().deserializer());
        redirectsOut = driver.createOutputTopic(
                Topics.REDIRECTS,
                Serdes.String().deserializer(),
                topics.redirects().valueSerde().deserializer());
        qualityOut = driver.createOutputTopic(
                Topics.QUALITY,
                Serdes.String().deserializer(),
                topics.quality().valueSerde().deserializer());
        dlqOut = driver.createOutputTopic(
                Topics.DLQ,
                Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer());
        conflictsOut = driver.createOutputTopic(
                Topics.CONFLICTS,
                Serdes.String().deserializer(),
                topics.conflicts().valueSerde().deserializer());
        overridesIn = driver.createInputTopic(
                Topics.OVERRIDES,
                Serdes.String().serializer(),
                topics.overrides().valueSerde().serializer());
    }

    /** Writes (or with a null value withdraws) a steward override on customers.overrides. */
    public TopologyHarness override(String key, FieldOverride value) {
        overridesIn.pipeInput(key, value);
        drain();
        return this;
    }

    public TopologyHarness pipe(Cdc.Event... events) {
        for (Cdc.Event e : events) {
            TestInputTopic<byte[], byte[]> in = inputs.get(e.topic());
            if (in == null) {
                in = driver.createInputTopic(
                        e.topic(),
                        Serdes.ByteArray().serializer(),
                        Serdes.ByteArray().serializer());
                inputs.put(e.topic(), in);
            }
            org.apache.kafka.common.header.internals.RecordHeaders headers =
                    new org.apache.kafka.common.header.internals.RecordHeaders();
            e.headers().forEach((k, v) -> headers.add(k, v.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            in.pipeInput(new TestRecord<>(e.key(), e.value(), headers));
        }
        drain();
        return this;
    }

    /** Lets wall-clock time pass, for what the topology does on a timer. */
    public TopologyHarness advanceWallClock(java.time.Duration d) {
        driver.advanceWallClockTime(d);
        drain();
        return this;
    }

    /** Writes (or with a null value, retracts) a steward assertion. */
    public TopologyHarness assertion(String id, String json) {
        driver.createInputTopic(
                        Topics.ASSERTIONS,
                        Serdes.String().serializer(),
                        Serdes.ByteArray().serializer())
                .pipeInput(id, json == null ? null : json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        drain();
        return this;
    }

    private void drain() {
        compact(redirectsOut, redirects, null);
        compact(qualityOut, quality, null);
        compact(goldenOut, golden, goldenLog);
        compact(goldenTableOut, goldenTable, null);
        compact(conflictsOut, conflicts, conflictLog);
        compact(xrefOut, xref, null);
    }

    /** Reads what {@code out} has into its compacted {@code view} (a tombstone removes the key) and the {@code log}. */
    private static <V> void compact(
            TestOutputTopic<String, V> out, Map<String, V> view, List<TestRecord<String, V>> log) {
        for (TestRecord<String, V> r : out.readRecordsToList()) {
            if (log != null) {
                log.add(r);
            }
            if (r.value() == null) {
                view.remove(r.key());
            } else {
                view.put(r.key(), r.value());
            }
        }
    }

    /** The compacted view of customers.golden: latest value per key, tombstoned keys removed. */
    public Map<String, GoldenCustomer> golden() {
        drain();
        return golden;
    }

    /** The compacted view of customers.golden.table. */
    public Map<String, org.apache.avro.generic.GenericRecord> goldenTable() {
        drain();
        return goldenTable;
    }

    public Map<String, XrefEntry> xref() {
        drain();
        return xref;
    }

    /** The compacted view of customers.redirects. */
    public Map<String, Redirect> redirects() {
        drain();
        return redirects;
    }

    /** The compacted view of customers.quality. */
    public Map<String, QualityIssue> quality() {
        drain();
        return quality;
    }

    public List<TestRecord<String, GoldenCustomer>> goldenLog() {
        drain();
        return goldenLog;
    }

    /** The compacted view of customers.conflicts. */
    public Map<String, Conflict> conflicts() {
        drain();
        return conflicts;
    }

    public List<TestRecord<String, Conflict>> conflictLog() {
        drain();
        return conflictLog;
    }

    public List<TestRecord<byte[], byte[]>> deadLetters() {
        return dlqOut.readRecordsToList();
    }

    public GoldenCustomer goldenOf(String recordId) {
        XrefEntry x = xref().get(recordId);
        return x == null ? null : golden().get(x.getGoldenId());
    }

    public Object field(String recordId, String field) {
        GoldenCustomer g = goldenOf(recordId);
        if (g == null || g.getFields().get(field) == null) {
            return null;
        }
        return g.getFields().get(field).getValue();
    }

    @Override
    public void close() {
        driver.close();
    }
}
