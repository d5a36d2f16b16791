package io.aurum.local;

import static io.aurum.local.EndToEndTest.readAll;
import static io.aurum.local.EndToEndTest.sql;
import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.config.AurumConfig;
import io.aurum.errors.DeadLetters;
import io.aurum.identity.GoldenIds;
import io.aurum.runtime.RuntimeCli;
import io.aurum.schemas.FieldOverride;
import io.aurum.schemas.FieldValue;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.serde.AurumSerdes;
import io.aurum.topology.Topics;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's tools through the real pipeline (embedded Postgres → Debezium → Kafka → Streams): {@code aurum lag}
 * with and without a backlog, {@code aurum dlq} list / show / replay, {@code aurum verify} before and after a
 * deliberately corrupted golden record, and {@code aurum reset}, which the corruption does not survive; /metrics is
 * scraped along the way and its series must exist and move, the resolver's event counters and dangling links too.
 */
class OperatorToolsTest {
    final AurumConfig demo = AurumConfig.fromClasspath("config/demo.yaml");

    @TempDir
    Path dataDir;

    record Run(int exit, String out) {}

    /** Runs an `aurum` command of the production CLI, as `./aurum` would, and captures what it prints. */
    static Run aurum(String stdin, String... args) {
        PrintStream old = System.out;
        InputStream oldIn = System.in;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            int exit = RuntimeCli.execute(new RuntimeCli(), args);
            return new Run(exit, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
            System.setIn(oldIn);
            System.out.println(buf.toString(StandardCharsets.UTF_8));
        }
    }

    /** The demo config plus where this deployment's Kafka, registry and databases are: what `aurum run` reads. */
    static Path deploymentConfig(LocalPipeline p, Path dir) throws Exception {
        String yaml;
        try (InputStream in = OperatorToolsTest.class.getClassLoader().getResourceAsStream("config/demo.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        StringBuilder dbs = new StringBuilder("\n  databases:\n");
        for (String db : List.of("crm", "billing", "support")) {
            dbs.append("    ")
                    .append(db)
                    .append(": {jdbc_url: \"")
                    .append(p.postgres().jdbcUrl(db))
                    .append("\", user: ")
                    .append(p.postgres().user())
                    .append(", password: \"")
                    .append(p.postgres().password())
                    .append("\"}\n");
        }
        yaml = yaml.replace(
                "capture:\n  enabled: true",
                "capture:\n  enabled: true" + dbs.toString().stripTrailing());
        yaml = "kafka:\n  bootstrap_servers: " + p.broker().bootstrapServers() + "\nregistry:\n  url: "
                + p.registryUrl() + "\n" + yaml;
        Path file = dir.resolve("aurum.yaml");
        Files.writeString(file, yaml);
        AurumConfig.load(file); // a mistake in the test's own file should say so here
        return file;
    }

    static String scrape(LocalPipeline p) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://localhost:" + p.runtime().httpPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** The value of the first sample of {@code series} whose labels contain {@code labels}, or -1. */
    static double sample(String metrics, String series, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$")
                .matcher(metrics);
        while (m.find()) {
            if (m.group(1) == null ? labels.isEmpty() : m.group(1).contains(labels)) {
                return Double.parseDouble(m.group(2));
            }
        }
        return -1;
    }

    /** The sum of every sample of {@code series}, whatever its labels (the resolver's are per task), or -1. */
    static double total(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$")
                .matcher(metrics);
        double sum = 0;
        boolean any = false;
        while (m.find()) {
            any = true;
            sum += Double.parseDouble(m.group(2));
        }
        return any ? sum : -1;
    }

    /** Scrapes until the total of {@code series} satisfies {@code ok}. */
    static double awaitTotal(LocalPipeline p, String series, java.util.function.DoublePredicate ok) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        double v = -1;
        while (System.nanoTime() < deadline) {
            v = total(scrape(p), series);
            if (ok.test(v)) {
                return v;
            }
            Thread.sleep(500);
        }
        return v;
    }

    static final List<String> RESOLVER_EVENTS = List.of(
            "aurum_resolver_merges_total",
            "aurum_resolver_splits_total",
            "aurum_resolver_id_handovers_total",
            "aurum_resolver_hubs_found_total",
            "aurum_resolver_hubs_cleared_total");

    /** Scrapes until the sample satisfies {@code ok} (metrics from views refresh every few seconds). */
    static double awaitSample(LocalPipeline p, String series, String labels, java.util.function.DoublePredicate ok)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        double v = -1;
        while (System.nanoTime() < deadline) {
            v = sample(scrape(p), series, labels);
            if (ok.test(v)) {
                return v;
            }
            Thread.sleep(500);
        }
        return v;
    }

    @Test
    void lagDlqVerifyResetAndMetricsThroughTheRealPipeline() throws Exception {
        LocalOptions options = new LocalOptions(dataDir, false, false, null, 0, 0, 0, 0, Duration.ofMinutes(3));
        String jane = GoldenIds.of("crm.contacts:1");
        try (LocalPipeline p = new LocalPipeline(demo, options).start()) {
            Path config = deploymentConfig(p, dataDir);
            String[] deployment = {"--config", config.toString()};
            sql(
                    p,
                    "crm",
                    "INSERT INTO contacts(id, first_name, last_name, email, phone, created_at) VALUES "
                            + "(1, 'Jane', 'Doe', 'jane.doe@gmail.com', '(415) 555-0134', '2020-01-01Z'),"
                            + "(2, 'Bob', 'Stone', 'bob@stone.family', NULL, '2021-01-01Z')");
            sql(
                    p,
                    "billing",
                    "INSERT INTO customers(id, name, email, phone, country, crm_contact_id, created_at) VALUES "
                            + "(10, 'J. Doe', ' Jane.Doe@Gmail.com ', '415.555.0199', 'US', NULL, '2021-06-01Z'),"
                            + "(20, 'Bob Stone', 'accounts@stone.io', NULL, 'US', 2, '2019-01-01Z')");
            p.awaitIdle();
            p.runtime().view().awaitCaughtUp(Duration.ofMinutes(1));
            String before = scrape(p);
            double latencyBefore = sample(before, "aurum_golden_latency_seconds_count", "");
            assertThat(latencyBefore).as("the latency histogram exists").isGreaterThanOrEqualTo(0);
            assertThat(before).contains("aurum_golden_latency_seconds_bucket{");
            assertThat(awaitSample(p, "aurum_conflicts_open", "field=\"name\"", v -> v == 1.0))
                    .as("Jane Doe vs J. Doe")
                    .isEqualTo(1.0);

            // 1. lag: nothing waits.
            Run lag = aurum("", concat("lag", deployment, "--max-age", "60"));
            assertThat(lag.exit()).isZero();
            assertThat(lag.out())
                    .contains("Total lag: 0 records")
                    .contains("Freshness: up to date")
                    .containsPattern("resolver +aurum-records +0 ")
                    .containsPattern("resolver +aurum-resolver +0 ")
                    .containsPattern("cdc +crm.public.contacts +0 ");

            // 2. dlq: a poison event on a CDC topic and an override of a field that does not exist.
            Properties pp = new Properties();
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, p.broker().bootstrapServers());
            Serde<FieldOverride> overrides =
                    AurumSerdes.valueSerde(FieldOverride.class, Map.of("schema.registry.url", p.registryUrl()));
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(
                                "crm.public.contacts",
                                "{\"id\":99}".getBytes(StandardCharsets.UTF_8),
                                "garbage".getBytes(StandardCharsets.UTF_8)))
                        .get();
                FieldOverride bad = FieldOverride.newBuilder()
                        .setGoldenId(jane)
                        .setField("nickname")
                        .setValue("JD")
                        .setWho("ana")
                        .setAt(Instant.parse("2025-01-01T00:00:00Z"))
                        .build();
                producer.send(new ProducerRecord<>(
                                Topics.OVERRIDES,
                                (jane + "/nickname").getBytes(StandardCharsets.UTF_8),
                                overrides.serializer().serialize(Topics.OVERRIDES, bad)))
                        .get();
            }
            p.awaitIdle();
            Run list = aurum("", concat("dlq", "list", deployment, "--letters"));
            assertThat(list.exit()).isZero();
            assertThat(list.out())
                    .contains("2 dead letters on aurum.dlq")
                    .containsPattern("1 +0 +map +the value is not valid JSON")
                    .containsPattern("1 +0 +track-overrides +override #/nickname targets unknown golden field '…'");
            Run show = aurum("", concat("dlq", "show", "0@0", deployment));
            assertThat(show.out())
                    .contains("Dead letter 0@0")
                    .contains("input   crm.public.contacts-0@")
                    .contains(DeadLetters.HEADER_STACKTRACE)
                    .contains("Key:\n  {\"id\":99}")
                    .contains("Value:\n  garbage")
                    .contains("never replayed");
            Run dry = aurum("", concat("dlq", "replay", deployment, "--stage", "map", "--dry-run"));
            assertThat(dry.out())
                    .contains("would replay 0@0 -> crm.public.contacts")
                    .contains("nothing written");
            assertThat(readAll(p, Topics.DLQ)).hasSize(2);
            Run replay = aurum("", concat("dlq", "replay", deployment, "--stage", "map", "--who", "ops"));
            assertThat(replay.exit()).isZero();
            assertThat(replay.out()).contains("Replayed 1 letters");
            ConsumerRecord<String, byte[]> replayed = readAll(p, "crm.public.contacts").stream()
                    .filter(r -> r.headers().lastHeader(DeadLetters.HEADER_REPLAY_OF) != null)
                    .findFirst()
                    .orElseThrow();
            assertThat(new String(replayed.value(), StandardCharsets.UTF_8)).isEqualTo("garbage");
            assertThat(EndToEndTest.header(replayed, DeadLetters.HEADER_REPLAY_OF))
                    .isEqualTo("aurum.dlq-0@0");
            p.awaitIdle();
            Run again = aurum("", concat("dlq", "replay", deployment, "--stage", "map"));
            assertThat(again.out())
                    .contains(
                            "2 selected letters were replayed before (or are replays that failed again) and are skipped")
                    .contains("Nothing to replay");
            // Still garbage: it fails again, and its new dead letter says which letter it replayed.
            List<ConsumerRecord<String, byte[]>> dlq = readAll(p, Topics.DLQ);
            ConsumerRecord<String, byte[]> second = dlq.stream()
                    .filter(r -> r.value() != null && r.headers().lastHeader(DeadLetters.HEADER_REPLAY_OF) != null)
                    .findFirst()
                    .orElseThrow();
            assertThat(EndToEndTest.header(second, DeadLetters.HEADER_STAGE)).isEqualTo("map");
            assertThat(aurum("", concat("dlq", "show", "0@0", deployment)).out())
                    .contains("replayed to crm.public.contacts-0@")
                    .contains(" by ops");
            assertThat(awaitSample(p, "aurum_dlq_letters_total", "stage=\"map\"", v -> v == 2.0))
                    .isEqualTo(2.0);
            assertThat(awaitSample(p, "aurum_dlq_letters_total", "stage=\"track-overrides\"", v -> v == 1.0))
                    .isEqualTo(1.0);
            assertThat(awaitSample(p, "aurum_dlq_topic_letters", "stage=\"map\"", v -> v == 2.0))
                    .isEqualTo(2.0);

            // 3. lag with a backlog: the job stops, changes wait; freshness is their age by source commit time.
            p.runtime().streams().close();
            // crm.contacts names updated_at, so (as an application would) the change bumps it: a change's time is the
            // row's updated_at there (docs/configuration.md, Times), and the latency is measured from it.
            sql(p, "crm", "UPDATE contacts SET phone = '+1 415 555 0142', updated_at = now() WHERE id = 1");
            long committed = System.currentTimeMillis();
            Thread.sleep(1500);
            Run behind = aurum("", concat("lag", deployment, "--max-age", "0.5", "--waiting"));
            assertThat(behind.exit()).isEqualTo(3);
            assertThat(behind.out())
                    .containsPattern("cdc +crm.public.contacts +0 +\\d+ +\\d+ +1 ")
                    .contains("Total lag: 1 records")
                    .contains("ABOVE THRESHOLD: freshness");
            Matcher age = Pattern.compile("committed at (\\S+), ").matcher(behind.out());
            assertThat(age.find()).isTrue();
            assertThat(Instant.parse(age.group(1)).toEpochMilli()).isBetween(committed - 5_000, committed + 1_000);
            p.runtime().streams().start();
            p.awaitIdle();
            assertThat(awaitSample(p, "aurum_golden_latency_seconds_count", "", v -> v > latencyBefore))
                    .as("the commit → golden latency of the phone change was recorded")
                    .isGreaterThan(latencyBefore);

            // 4. verify: consistent, then a corrupted golden record is drift.
            Run ok = aurum("", concat("verify", deployment, "--settle-timeout", "60"));
            assertThat(ok.exit()).as(ok.out()).isZero();
            assertThat(ok.out())
                    .contains("expected: 4 records in 2 golden customers")
                    .contains("No drift");
            Serde<GoldenCustomer> golden =
                    AurumSerdes.valueSerde(GoldenCustomer.class, Map.of("schema.registry.url", p.registryUrl()));
            GoldenCustomer real = EndToEndTest.goldenRecords(p, golden).get(jane);
            Map<String, FieldValue> fields = new HashMap<>(real.getFields());
            fields.put(
                    "name",
                    FieldValue.newBuilder(fields.get("name"))
                            .setValue("Mallory")
                            .build());
            GoldenCustomer corrupt =
                    GoldenCustomer.newBuilder(real).setFields(fields).build();
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(
                                Topics.GOLDEN,
                                jane.getBytes(StandardCharsets.UTF_8),
                                golden.serializer().serialize(Topics.GOLDEN, corrupt)))
                        .get();
            }
            Run drift = aurum("", concat("verify", deployment, "--settle-timeout", "60"));
            assertThat(drift.exit()).isEqualTo(3);
            assertThat(drift.out())
                    .contains("DRIFT: 1 differences")
                    .containsPattern("golden\\.field +1")
                    .contains(jane + "/name: expected Jane Doe [owner:crm], found Mallory [owner:crm]");

            // 5. reset: refused while the job runs; then the job rebuilds every golden record, and the drift is gone.
            Run refused = aurum("aurum\n", concat("reset", deployment));
            assertThat(refused.exit()).isEqualTo(1);
            p.runtime().streams().close();
            Path stateDir = dataDir.resolve("streams");
            Run notConfirmed =
                    aurum("no\n", concat("reset", deployment, "--force", "--state-dir", stateDir.toString()));
            assertThat(notConfirmed.out())
                    .contains("Type the application id (aurum) to confirm")
                    .contains("Not confirmed");
            // Local mode's static membership keeps the stopped job listed until its session expires: --force.
            Run reset = aurum("aurum\n", concat("reset", deployment, "--force", "--state-dir", stateDir.toString()));
            assertThat(reset.exit()).as(reset.out()).isZero();
            assertThat(reset.out())
                    .contains("aurum-records")
                    .contains("aurum-resolver")
                    .contains("aurum-resolver-clusters-changelog")
                    .contains("Reset done");
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, p.broker().bootstrapServers()))) {
                Set<String> topics = admin.listTopics().names().get();
                assertThat(topics).noneMatch(t -> t.startsWith("aurum-"));
                assertThat(admin.listConsumerGroups().all().get())
                        .noneMatch(g -> g.groupId().equals("aurum"));
            }
            assertThat(stateDir.resolve("aurum")).doesNotExist();
            p.runtime().streams().start();
            p.awaitIdle();
            Run repaired = aurum("", concat("verify", deployment, "--settle-timeout", "60"));
            assertThat(repaired.exit()).as(repaired.out()).isZero();
            assertThat(EndToEndTest.goldenRecords(p, golden)
                            .get(jane)
                            .getFields()
                            .get("name")
                            .getValue())
                    .isEqualTo("Jane Doe");

            // 6. The resolver's events on /metrics (what the dashboard's two resolver panels query). A billing
            // customer names a CRM contact that does not exist: one dangling link.
            String dangling = "aurum_resolver_dangling_links";
            sql(
                    p,
                    "billing",
                    "INSERT INTO customers(id, name, email, country, crm_contact_id, created_at) VALUES "
                            + "(40, 'Initrode', 'ap@initrode.io', 'US', 77, '2024-01-01Z')");
            p.awaitIdle();
            assertThat(awaitTotal(p, dangling, v -> v == 1.0)).isEqualTo(1.0);
            // The gauge follows from the resolver's state, not from what this run saw: a stopped job leaves 0 behind
            // and a restarted one reads 1 again.
            p.runtime().streams().close();
            assertThat(awaitTotal(p, dangling, v -> v == 0.0)).isEqualTo(0.0);
            p.runtime().streams().start();
            p.awaitIdle();
            assertThat(awaitTotal(p, dangling, v -> v == 1.0)).isEqualTo(1.0);
            String metrics = scrape(p);
            Map<String, Double> base = new HashMap<>();
            for (String series : RESOLVER_EVENTS) {
                assertThat(total(metrics, series)).as(series).isGreaterThanOrEqualTo(0);
                assertThat(metrics)
                        .as(series + " is a counter")
                        .containsPattern("(?m)^# TYPE " + series.replaceAll("_total$", "") + "(_total)? counter$");
                base.put(series, total(metrics, series));
            }
            // The contact arrives: the link holds.
            sql(
                    p,
                    "crm",
                    "INSERT INTO contacts(id, first_name, last_name, email, created_at) VALUES "
                            + "(77, 'Ina', 'Trode', 'ina@initrode.io', '2025-01-01Z')");
            p.awaitIdle();
            assertThat(awaitTotal(p, dangling, v -> v == 0.0)).isEqualTo(0.0);
            // The contact takes Jane's address: the Initrode customer merges into Jane's, then splits off again.
            sql(p, "crm", "UPDATE contacts SET email = 'jane.doe@gmail.com', updated_at = now() WHERE id = 77");
            p.awaitIdle();
            assertMoved(p, "aurum_resolver_merges_total", base);
            sql(p, "crm", "UPDATE contacts SET email = 'ina@initrode.io', updated_at = now() WHERE id = 77");
            p.awaitIdle();
            assertMoved(p, "aurum_resolver_splits_total", base);
            // The customer, its cluster's anchor, is deleted: its id is handed to the contact.
            sql(p, "billing", "DELETE FROM customers WHERE id = 40");
            p.awaitIdle();
            assertMoved(p, "aurum_resolver_id_handovers_total", base);
            // 26 users share a phone number (the demo limit is 25): a hub, cleared when they go.
            sql(
                    p,
                    "support",
                    "INSERT INTO users(id, name, phone, created_at) SELECT g, 'Desk ' || g, '+1 415 555 0177', "
                            + "'2022-01-01Z' FROM generate_series(1000, 1025) g");
            p.awaitIdle();
            assertMoved(p, "aurum_resolver_hubs_found_total", base);
            sql(p, "support", "DELETE FROM users WHERE id >= 1000");
            p.awaitIdle();
            assertMoved(p, "aurum_resolver_hubs_cleared_total", base);
        }
    }

    static void assertMoved(LocalPipeline p, String series, Map<String, Double> base) throws Exception {
        assertThat(awaitTotal(p, series, v -> v > base.get(series))).as(series).isGreaterThan(base.get(series));
    }

    static String[] concat(Object... parts) {
        return java.util.Arrays.stream(parts)
                .flatMap(o -> o instanceof String[] a ? java.util.Arrays.stream(a) : java.util.stream.Stream.of(o))
                .map(Object::toString)
                .toArray(String[]::new);
    }
}
