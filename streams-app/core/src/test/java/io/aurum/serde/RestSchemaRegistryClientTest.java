package io.aurum.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.aurum.embedded.TestPki;
import io.aurum.registry.InMemorySchemaStore;
import io.aurum.registry.KafkaSchemaStore;
import io.aurum.registry.LocalSchemaRegistry;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.XrefEntry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLHandshakeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestSchemaRegistryClientTest {
    static LocalSchemaRegistry registry;
    HttpServer fake;

    @BeforeAll
    static void start() throws IOException {
        registry = new LocalSchemaRegistry(0, new InMemorySchemaStore()).start();
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @AfterEach
    void stopFake() {
        if (fake != null) {
            fake.stop(0);
        }
    }

    @Test
    void registerLookupLatestAndById() {
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(registry.url());

        int id = client.register("c1-value", XrefEntry.getClassSchema());
        SchemaMetadata latest = client.getLatestSchemaMetadata("c1-value");
        SchemaMetadata found = client.lookup("c1-value", XrefEntry.getClassSchema());

        assertThat(latest).isEqualTo(new SchemaMetadata("c1-value", 1, id, XrefEntry.getClassSchema()));
        assertThat(found).isEqualTo(latest);
        assertThat(client.getSchemaMetadata("c1-value", 1)).isEqualTo(latest);
        assertThat(new RestSchemaRegistryClient(registry.url()).getSchemaById(id))
                .isEqualTo(XrefEntry.getClassSchema());
        assertThat(client.testCompatibility("c1-value", XrefEntry.getClassSchema()))
                .isTrue();
    }

    @Test
    void theSameSchemaIsRegisteredOnceAndItsIdServedFromCache() {
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(registry.url());
        long before = registry.requestCount();

        int first = client.register("c2-value", GoldenCustomer.getClassSchema());
        int again = client.register(
                "c2-value",
                new Schema.Parser().parse(GoldenCustomer.getClassSchema().toString()));
        Schema byId = client.getSchemaById(first);

        assertThat(again).isEqualTo(first);
        assertThat(byId).isEqualTo(GoldenCustomer.getClassSchema());
        assertThat(registry.requestCount() - before).isEqualTo(1);
    }

    @Test
    void errorsCarryStatusAndRegistryErrorCode() {
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(registry.url());
        client.register("c3-value", XrefEntry.getClassSchema());
        Schema incompatible = SchemaBuilder.record("XrefEntry")
                .namespace("io.aurum.schemas")
                .fields()
                .requiredString("goldenId")
                .requiredString("brandNew")
                .endRecord();

        assertThatThrownBy(() -> client.register("c3-value", incompatible))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(409);
                    assertThat(e.getMessage()).contains("incompatible").contains("c3-value");
                });
        assertThatThrownBy(() -> client.getSchemaById(424242))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
                    assertThat(e.isNotFound()).isTrue();
                });
        assertThatThrownBy(() -> client.getLatestSchemaMetadata("no-such-subject"))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND);
                    assertThat(e.getMessage()).contains("Subject 'no-such-subject' not found.");
                });
        assertThatThrownBy(() -> client.lookup("c3-value", incompatible))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode())
                        .isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND));
        assertThat(client.testCompatibility("c3-value", incompatible)).isFalse();
    }

    @Test
    void subjectsWithReservedCharactersAreEncoded() {
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(registry.url());
        String subject = "odd topic/with+chars?-value";

        int id = client.register(subject, XrefEntry.getClassSchema());

        assertThat(client.getLatestSchemaMetadata(subject).id()).isEqualTo(id);
        assertThat(client.getAllSubjects()).contains(subject);
    }

    @Test
    void failsOverFromAnUnreachableUrl() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(Map.of(
                AvroWireSerdeConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:" + closedPort + "," + registry.url()));

        assertThat(client.register("c4-value", XrefEntry.getClassSchema())).isPositive();
        assertThat(client.urls()).hasSize(2);
    }

    @Test
    void failsOverOn5xxAndTimeoutButNotOn4xx() throws IOException {
        AtomicInteger hits = new AtomicInteger();
        fake = fakeRegistry((path, auth) -> {
            hits.incrementAndGet();
            if (path.contains("slow")) {
                sleep(2_000);
            }
            return path.contains("missing")
                    ? new Answer(404, "{\"error_code\":40401,\"message\":\"Subject 'missing' not found.\"}")
                    : new Answer(503, "<html>upstream down</html>");
        });
        String fakeUrl = "http://127.0.0.1:" + fake.getAddress().getPort();
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(
                List.of(fakeUrl, registry.url()), null, Duration.ofSeconds(2), Duration.ofMillis(300));

        assertThat(client.register("c5-value", XrefEntry.getClassSchema())).isPositive();
        assertThat(hits).hasValue(1);

        RestSchemaRegistryClient slowFirst = new RestSchemaRegistryClient(
                List.of(fakeUrl, registry.url()), null, Duration.ofSeconds(2), Duration.ofMillis(300));
        assertThat(slowFirst.register("slow-value", XrefEntry.getClassSchema())).isPositive();

        RestSchemaRegistryClient onlyFake =
                new RestSchemaRegistryClient(List.of(fakeUrl), null, Duration.ofSeconds(2), Duration.ofSeconds(5));
        assertThatThrownBy(() -> onlyFake.getLatestSchemaMetadata("missing"))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(40401);
                });
        assertThatThrownBy(() -> onlyFake.getLatestSchemaMetadata("other"))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.getMessage()).contains("upstream down");
                });
    }

    @Test
    void sendsBasicAuthAndTheRegistryContentType() throws IOException {
        Map<String, String> seen = new ConcurrentHashMap<>();
        fake = fakeRegistry((path, headers) -> {
            seen.putAll(headers);
            return new Answer(200, "{\"id\":7}");
        });
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(Map.of(
                AvroWireSerdeConfig.SCHEMA_REGISTRY_URL,
                "http://127.0.0.1:" + fake.getAddress().getPort() + "/",
                AvroWireSerdeConfig.BASIC_AUTH_USER_INFO,
                "aurum:s3cret"));

        assertThat(client.register("auth-value", XrefEntry.getClassSchema())).isEqualTo(7);
        assertThat(seen.get("authorization"))
                .isEqualTo(
                        "Basic " + Base64.getEncoder().encodeToString("aurum:s3cret".getBytes(StandardCharsets.UTF_8)));
        assertThat(seen.get("content-type")).isEqualTo("application/vnd.schemaregistry.v1+json");
        assertThat(seen.get("path")).isEqualTo("/subjects/auth-value/versions");
        assertThat(seen.get("body"))
                .isEqualTo("{\"schema\":" + quoted(XrefEntry.getClassSchema().toString()) + "}");
    }

    @Test
    void credentialsInTheUrlAreSentAsBasicAuthAndNotInTheUrl() throws IOException {
        Map<String, String> seen = new ConcurrentHashMap<>();
        fake = fakeRegistry((path, headers) -> {
            seen.putAll(headers);
            return new Answer(200, "{\"schema\":\"\\\"string\\\"\"}");
        });
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(
                "http://ann:pw@127.0.0.1:" + fake.getAddress().getPort());

        assertThat(client.getSchemaById(3)).isEqualTo(Schema.create(Schema.Type.STRING));
        assertThat(client.urls())
                .containsExactly("http://127.0.0.1:" + fake.getAddress().getPort());
        assertThat(seen.get("authorization"))
                .isEqualTo("Basic " + Base64.getEncoder().encodeToString("ann:pw".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void httpsWithATruststoreAndBasicAuthAgainstTheLocalRegistryBehindTlsAndBasicAuth(@TempDir Path tmp)
            throws IOException {
        TestPki pki = TestPki.create(tmp, "registry-ca");
        try (LocalSchemaRegistry secure = new LocalSchemaRegistry(0, new InMemorySchemaStore())
                .tls(pki.issue("registry", "127.0.0.1").serverContext())
                .basicAuth("aurum", "registry-pw")
                .start()) {
            assertThat(secure.url()).startsWith("https://127.0.0.1:");
            Map<String, String> trust = Map.of(
                    "schema.registry.url", secure.url(),
                    "schema.registry.ssl.truststore.type", "PEM",
                    "schema.registry.ssl.truststore.location", pki.caPem().toString());
            Map<String, String> config = new java.util.HashMap<>(trust);
            config.put("basic.auth.user.info", "aurum:registry-pw");

            RestSchemaRegistryClient client = new RestSchemaRegistryClient(config);
            int id = client.register("tls-value", XrefEntry.getClassSchema());
            assertThat(new RestSchemaRegistryClient(config).getSchemaById(id)).isEqualTo(XrefEntry.getClassSchema());

            // Refused: no credentials, a wrong password (401, the registry's verdict), and without the CA the
            // registry's certificate is not trusted (the JVM's default trust store does not know the test CA).
            assertThatThrownBy(() -> new RestSchemaRegistryClient(trust).getSchemaById(id))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.status())
                            .isEqualTo(401));
            Map<String, String> wrong = new java.util.HashMap<>(trust);
            wrong.put("basic.auth.user.info", "aurum:wrong");
            assertThatThrownBy(() -> new RestSchemaRegistryClient(wrong).getSchemaById(id))
                    .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.status())
                            .isEqualTo(401))
                    .hasMessageNotContaining("wrong");
            assertThatThrownBy(() -> new RestSchemaRegistryClient(Map.of(
                                    "schema.registry.url", secure.url(), "basic.auth.user.info", "aurum:registry-pw"))
                            .getSchemaById(id))
                    .isInstanceOf(SchemaRegistryException.class)
                    .hasRootCauseInstanceOf(java.security.cert.CertPathBuilderException.class)
                    .hasCauseInstanceOf(SSLHandshakeException.class);
            // A certificate of another CA is not trusted either, and a store that cannot be read is a config error
            // naming the setting.
            Map<String, String> otherCa = new java.util.HashMap<>(config);
            otherCa.put(
                    "schema.registry.ssl.truststore.location",
                    TestPki.create(tmp.resolve("other"), "other-ca").caPem().toString());
            assertThatThrownBy(() -> new RestSchemaRegistryClient(otherCa).getSchemaById(id))
                    .isInstanceOf(SchemaRegistryException.class)
                    .hasCauseInstanceOf(SSLHandshakeException.class);
            Map<String, String> missing = new java.util.HashMap<>(config);
            missing.put(
                    "schema.registry.ssl.truststore.location",
                    tmp.resolve("missing.pem").toString());
            assertThatThrownBy(() -> new RestSchemaRegistryClient(missing))
                    .isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
                    .hasMessageContaining("schema.registry.ssl.*")
                    .hasMessageContaining("missing.pem");
        }
    }

    @Test
    void noUrlIsAClearError() {
        assertThatThrownBy(() -> new RestSchemaRegistryClient(Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("schema.registry.url");
    }

    record Answer(int status, String body) {}

    /**
     * Local mode's registry keeps its schemas in Kafka ({@link KafkaSchemaStore}, here on mock clients): restarted from
     * the topic it wrote, it serves this client the same ids.
     */
    @Test
    void aRestartedRegistryServesTheSameIdsOverHttp() throws Exception {
        MockProducer<String, String> producer = producer();
        int id;
        try (LocalSchemaRegistry registry = new LocalSchemaRegistry(0, kafkaStore(producer, List.of())).start()) {
            id = new RestSchemaRegistryClient(registry.url()).register("g-value", GoldenCustomer.getClassSchema());
        }
        try (LocalSchemaRegistry registry =
                new LocalSchemaRegistry(0, kafkaStore(producer(), producer.history())).start()) {
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(registry.url());
            assertThat(client.getSchemaById(id)).isEqualTo(GoldenCustomer.getClassSchema());
            SchemaMetadata latest = client.getLatestSchemaMetadata("g-value");
            assertThat(latest.id()).isEqualTo(id);
            assertThat(latest.version()).isEqualTo(1);
        }
    }

    static MockProducer<String, String> producer() {
        return new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    }

    /** A KafkaSchemaStore on mock clients whose {@code _schemas} partition holds {@code records} from offset 0. */
    static KafkaSchemaStore kafkaStore(
            MockProducer<String, String> producer, List<ProducerRecord<String, String>> records) {
        TopicPartition tp = new TopicPartition(KafkaSchemaStore.DEFAULT_TOPIC, 0);
        MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
        consumer.updateBeginningOffsets(Map.of(tp, 0L));
        consumer.updateEndOffsets(Map.of(tp, (long) records.size()));
        // MockConsumer only takes records for assigned partitions, and the store assigns in start().
        consumer.schedulePollTask(() -> {
            for (int i = 0; i < records.size(); i++) {
                consumer.addRecord(new ConsumerRecord<>(
                        tp.topic(), 0, i, records.get(i).key(), records.get(i).value()));
            }
        });
        return new KafkaSchemaStore(producer, consumer, null, tp.topic(), (short) 1, Duration.ofSeconds(5));
    }

    interface Responder {
        Answer answer(String path, Map<String, String> headers);
    }

    static HttpServer fakeRegistry(Responder responder) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                Map<String, String> headers = new ConcurrentHashMap<>();
                exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
                headers.put("path", exchange.getRequestURI().getRawPath());
                headers.put("body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                Answer a = responder.answer(exchange.getRequestURI().getRawPath(), headers);
                byte[] bytes = a.body().getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(a.status(), bytes.length);
                exchange.getResponseBody().write(bytes);
            } catch (IOException ignored) {
                // the client gave up (timeout test)
            }
        });
        server.start();
        return server;
    }

    static String quoted(String s) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
