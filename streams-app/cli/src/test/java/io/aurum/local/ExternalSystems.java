package io.aurum.local;

import static io.aurum.infra.Closeables.closeQuietly;

import io.aurum.app.AurumStreams;
import io.aurum.capture.CaptureService;
import io.aurum.capture.CaptureSettings;
import io.aurum.capture.CaptureSource;
import io.aurum.config.AurumConfig;
import io.aurum.config.PipelineConfig.SourceDef;
import io.aurum.embedded.EmbeddedKafkaBroker;
import io.aurum.embedded.EmbeddedPostgresServer;
import io.aurum.infra.TopicAdmin;
import io.aurum.registry.KafkaSchemaStore;
import io.aurum.registry.LocalSchemaRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What a production deployment of {@code aurum run} stands on, in this JVM: a Kafka broker, a schema registry, the
 * source Postgres and Debezium capturing it (standing in for Kafka Connect). Each can be stopped and started again
 * on its data, as a broker or database restart would; the Aurum instances run in child JVMs ({@link RunProcess}).
 */
final class ExternalSystems implements AutoCloseable {
    static final AurumConfig DEMO = AurumConfig.fromClasspath(AurumConfig.DEMO);

    final Path dir;
    final int kafkaPort;
    final int registryPort;
    final int postgresPort;
    EmbeddedPostgresServer postgres;
    EmbeddedKafkaBroker broker;
    private KafkaSchemaStore schemaStore;
    private LocalSchemaRegistry registry;
    CaptureService capture;

    ExternalSystems(Path dir, int postgresPort) {
        this.dir = dir;
        this.kafkaPort = LocalProcess.Ports.free().kafka();
        this.registryPort = LocalProcess.Ports.free().registry();
        this.postgresPort = postgresPort;
    }

    ExternalSystems startPostgres() {
        postgres = new EmbeddedPostgresServer(dir.resolve("postgres"), postgresPort).start();
        return this;
    }

    void stopPostgres() {
        closeQuietly(postgres);
        postgres = null;
    }

    ExternalSystems startKafka() throws IOException {
        broker = EmbeddedKafkaBroker.builder(dir.resolve("kafka"))
                .brokerPort(kafkaPort)
                .build()
                .start();
        if (registry == null) {
            schemaStore = new KafkaSchemaStore(broker.bootstrapServers());
            schemaStore.start();
            registry = new LocalSchemaRegistry(registryPort, schemaStore).start();
        }
        return this;
    }

    void stopKafka() {
        closeQuietly(broker);
        broker = null;
    }

    String bootstrap() {
        return "localhost:" + kafkaPort;
    }

    String registryUrl() {
        return "http://127.0.0.1:" + registryPort;
    }

    /** Debezium on the source databases, writing to this broker as Kafka Connect would. */
    ExternalSystems startCapture() {
        List<CaptureSource> sources = new ArrayList<>();
        for (String db : databases()) {
            sources.add(CaptureSource.of(db, "localhost", postgresPort, db, "postgres", "postgres")
                    .withTopics(topicsOf(db)));
        }
        capture = new CaptureService(
                        bootstrap(),
                        sources,
                        CaptureSettings.builder(dir.resolve("capture")).build())
                .start();
        return this;
    }

    long captured() {
        return capture == null
                ? 0
                : capture.stats().values().stream()
                        .mapToLong(s -> s.totalEvents())
                        .sum();
    }

    static List<String> databases() {
        Set<String> dbs = new LinkedHashSet<>();
        DEMO.pipeline().sources().values().forEach(s -> dbs.add(s.database()));
        return new ArrayList<>(dbs);
    }

    static List<String> topicsOf(String db) {
        return DEMO.pipeline().sources().values().stream()
                .filter(s -> s.database().equals(db))
                .map(SourceDef::topic)
                .distinct()
                .toList();
    }

    static List<String> cdcTopics() {
        return DEMO.pipeline().sources().values().stream()
                .map(SourceDef::topic)
                .distinct()
                .toList();
    }

    /**
     * A config file for one {@code aurum run} instance against these systems: the demo pipeline, capture off
     * (Debezium runs outside), its own static member id, HTTP port and {@code application.server}, and a 10 s
     * session so that the group notices a killed member in seconds.
     */
    Path instanceConfig(String instance, int httpPort) throws IOException {
        String demo = resource(AurumConfig.DEMO);
        String pipeline = demo.substring(demo.indexOf("\n# Systems and their priority"));
        String yaml = """
                kafka:
                  bootstrap_servers: %s
                registry:
                  url: %s
                streams:
                  application_id: aurum
                  partitions: 4
                  instance_id: %s
                  standby_replicas: 1
                  application_server: 127.0.0.1:%d
                  commit_interval_ms: 100
                  properties:
                    session.timeout.ms: "10000"
                    heartbeat.interval.ms: "2000"
                capture:
                  enabled: false
                http:
                  port: %d
                  bind_address: 127.0.0.1
                """.formatted(bootstrap(), registryUrl(), instance, httpPort, httpPort) + pipeline;
        Path file = dir.resolve(instance + ".yaml");
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        return file;
    }

    private static String resource(String name) throws IOException {
        try (var in = ExternalSystems.class.getClassLoader().getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
    }

    /** Waits until capture has delivered every committed change and the job has consumed everything. */
    void awaitIdle(Path anyConfig, Duration timeout) throws Exception {
        long t0 = System.nanoTime();
        if (capture != null) {
            for (String db : capture.databases()) {
                capture.awaitCaughtUp(db, timeout);
            }
        }
        AurumStreams probe = new AurumStreams(
                AurumConfig.load(anyConfig),
                bootstrap(),
                registryUrl(),
                dir.resolve("probe").toString());
        try (Admin admin = admin()) {
            probe.idleProbe(admin).awaitIdle(timeout.minusNanos(System.nanoTime() - t0), Duration.ofSeconds(2));
        }
    }

    /**
     * Copies every CDC topic, record by record into the same partition with key, value, headers and timestamp, to
     * another broker: the other run then reads exactly the input this one read.
     */
    void copyCdcTopicsTo(String otherBootstrap) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, otherBootstrap);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (Admin source = admin();
                Admin target = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, otherBootstrap));
                KafkaConsumer<byte[], byte[]> consumer =
                        new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<byte[], byte[]> producer =
                        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<NewTopic> topics = new ArrayList<>();
            for (String topic : cdcTopics()) {
                int partitions = source.describeTopics(List.of(topic))
                        .allTopicNames()
                        .get()
                        .get(topic)
                        .partitions()
                        .size();
                topics.add(new NewTopic(topic, partitions, (short) 1));
            }
            TopicAdmin.createTopics(target, topics, Duration.ofSeconds(60));
            for (NewTopic t : topics) {
                List<TopicPartition> parts = new ArrayList<>();
                for (int i = 0; i < t.numPartitions(); i++) {
                    parts.add(new TopicPartition(t.name(), i));
                }
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                Map<TopicPartition, Long> end = consumer.endOffsets(parts);
                while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        producer.send(new ProducerRecord<>(
                                r.topic(), r.partition(), r.timestamp(), r.key(), r.value(), r.headers()));
                    }
                }
            }
            producer.flush();
        } catch (Exception e) {
            throw new IllegalStateException("could not copy the CDC topics", e);
        }
    }

    @Override
    public void close() {
        closeQuietly(capture);
        capture = null;
        closeQuietly(registry);
        registry = null;
        closeQuietly(schemaStore);
        schemaStore = null;
        stopKafka();
        stopPostgres();
    }
}
