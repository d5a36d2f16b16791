package io.aurum.local;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import io.aurum.config.AurumConfig;
import io.aurum.normalize.Normalizers;
import io.aurum.topology.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Personal data, end to end, on the demo data: no log line of a whole run (start, snapshot, changes, erasure,
 * stop) holds a demo e-mail address or phone number, a healthy run logs no ERROR and no stack trace, and deleting a
 * person's rows at the sources (a GDPR erasure) leaves nothing of them in the latest value of any compacted topic,
 * public or changelog (what a new instance would restore its stores from), nor in the lookups.
 */
class PrivacyTest {
    final AurumConfig config = AurumConfig.fromClasspath("config/demo.yaml");

    @TempDir
    Path dataDir;

    /** Every event that passes the configured levels, as it would be written: message and stack trace. */
    static final class Capture extends AppenderBase<ILoggingEvent> {
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        final List<String> errors = Collections.synchronizedList(new ArrayList<>());

        @Override
        protected void append(ILoggingEvent e) {
            String line = e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage();
            if (e.getThrowableProxy() != null) {
                line += "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy());
            }
            lines.add(line);
            if (e.getLevel().isGreaterOrEqual(Level.ERROR) || e.getThrowableProxy() != null) {
                errors.add(line);
            }
        }
    }

    @Test
    void logsHoldNoPersonalDataAndAnErasureLeavesNothingBehind() throws Exception {
        Capture capture = new Capture();
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        capture.setContext(context);
        capture.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(capture);
        Set<String> everyone;
        Set<String> person;
        List<String> leftovers = new ArrayList<>();
        String goldenId;
        List<String> records;
        try (LocalPipeline p = new LocalPipeline(
                        config, new LocalOptions(dataDir, false, true, null, 0, 0, 0, 0, Duration.ofMinutes(5)))
                .start()) {
            p.awaitIdle();
            everyone = personalValues(p, null);

            // Zara Whitaker (crm.contacts:1002) and every record of her golden customer.
            goldenId = p.runtime().streams().membership("crm.contacts:1002").goldenId();
            JsonNode golden = EndToEndTest.golden(p).get(goldenId);
            records = new ArrayList<>();
            golden.get("sources")
                    .forEach(s -> records.add(
                            s.get("source").asText() + ":" + s.get("key").asText()));
            person = personalValues(p, records);
            assertThat(person).as("the person's e-mails and phones").isNotEmpty();
            for (String record : records) {
                erase(p, record);
            }
            p.awaitIdle();

            assertThat(p.runtime().streams().golden(goldenId))
                    .as("lookup of the erased golden record")
                    .isNull();
            for (String record : records) {
                assertThat(p.runtime().streams().membership(record))
                        .as("lookup of erased record " + record)
                        .isNull();
            }
            for (String topic : compactedTopics(p)) {
                for (Map.Entry<String, byte[]> e : latest(p, topic).entrySet()) {
                    String text = (e.getKey() + " " + new String(e.getValue(), StandardCharsets.UTF_8))
                            .toLowerCase(Locale.ROOT);
                    for (String value : person) {
                        if (text.contains(value)) {
                            leftovers.add(topic + " key " + e.getKey() + " holds " + value);
                        }
                    }
                }
            }
            System.out.printf(
                    "erased %s (%d records, %d values); scanned %d compacted topics%n",
                    goldenId, records.size(), person.size(), compactedTopics(p).size());
        } finally {
            root.detachAppender(capture);
            capture.stop();
        }
        assertThat(leftovers)
                .as("the erased person's values in the latest value of a compacted topic")
                .isEmpty();

        List<String> leaks = new ArrayList<>();
        for (String line : capture.lines) {
            String lower = line.toLowerCase(Locale.ROOT);
            for (String value : everyone) {
                if (lower.contains(value)) {
                    leaks.add(value + " in: " + line.lines().findFirst().orElse(""));
                }
            }
        }
        System.out.printf(
                "scanned %d log lines for %d demo e-mails and phone numbers%n", capture.lines.size(), everyone.size());
        assertThat(leaks).as("demo e-mails and phone numbers in the log").isEmpty();
        assertThat(capture.errors)
                .as("ERRORs and stack traces in a healthy run's log")
                .isEmpty();
    }

    /**
     * E-mails and phone numbers of the demo's parent rows (of {@code only} records, if given), as written and in
     * their normal forms, lower-cased.
     */
    static Set<String> personalValues(LocalPipeline p, List<String> only) throws Exception {
        Set<String> out = new TreeSet<>();
        String[][] tables = {
            {"crm", "contacts", "crm.contacts", "NULL"},
            {"billing", "customers", "billing.customers", "country"},
            {"support", "users", "support.users", "NULL"}
        };
        for (String[] t : tables) {
            try (Connection c = p.postgres().connect(t[0]);
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT id, email, phone, " + t[3] + " FROM " + t[1])) {
                while (rs.next()) {
                    if (only != null && !only.contains(t[2] + ":" + rs.getLong(1))) {
                        continue;
                    }
                    String email = rs.getString(2);
                    String phone = rs.getString(3);
                    if (email != null && !email.isBlank()) {
                        out.add(email.trim().toLowerCase(Locale.ROOT));
                        String normal = Normalizers.email(email);
                        if (normal != null) {
                            out.add(normal);
                        }
                    }
                    if (phone != null && phone.replaceAll("[^0-9]", "").length() >= 7) {
                        out.add(phone.trim().toLowerCase(Locale.ROOT));
                        String normal = Normalizers.phone(phone, rs.getString(4), "US");
                        if (normal != null) {
                            out.add(normal);
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Deletes a parent record and its child rows at the source, as an erasure request would. */
    static void erase(LocalPipeline p, String record) throws Exception {
        String source = record.substring(0, record.indexOf(':'));
        String key = record.substring(record.indexOf(':') + 1);
        switch (source) {
            case "crm.contacts" -> EndToEndTest.sql(p, "crm", "DELETE FROM contacts WHERE id = " + key);
            case "billing.customers" ->
                EndToEndTest.sql(
                        p,
                        "billing",
                        "DELETE FROM subscriptions WHERE customer_id = " + key,
                        "DELETE FROM invoices WHERE customer_id = " + key,
                        "DELETE FROM customers WHERE id = " + key);
            case "support.users" ->
                EndToEndTest.sql(
                        p,
                        "support",
                        "DELETE FROM tickets WHERE user_id = " + key,
                        "DELETE FROM users WHERE id = " + key);
            default -> throw new AssertionError("unknown source of " + record);
        }
    }

    /** The public compacted topics and every changelog (what a new instance restores its stores from). */
    static List<String> compactedTopics(LocalPipeline p) throws Exception {
        Set<String> out = new LinkedHashSet<>(
                List.of(Topics.GOLDEN, Topics.XREF, Topics.REDIRECTS, Topics.QUALITY, Topics.CONFLICTS));
        try (Admin admin = Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, p.broker().bootstrapServers()))) {
            admin.listTopics().names().get().stream()
                    .filter(t -> t.endsWith("-changelog"))
                    .sorted()
                    .forEach(out::add);
        }
        return new ArrayList<>(out);
    }

    /** The latest value of every key of a topic (deleted keys left out), as compaction will leave it. */
    static Map<String, byte[]> latest(LocalPipeline p, String topic) {
        Map<String, byte[]> out = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : EndToEndTest.readAll(p, topic)) {
            if (r.value() == null) {
                out.remove(r.key());
            } else {
                out.put(r.key(), r.value());
            }
        }
        return out;
    }
}
