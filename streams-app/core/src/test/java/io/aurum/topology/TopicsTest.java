package io.aurum.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.config.AurumConfig;
import io.aurum.testing.TestAvroSerde;
import io.aurum.topology.Topic.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class TopicsTest {
    static final AurumConfig CONFIG = AurumConfig.fromClasspath(AurumConfig.DEMO);
    static final Topics TOPICS = new Topics(
            new Topics.AvroSerdes() {
                @Override
                public <T extends SpecificRecord> Serde<T> serde(Class<T> type) {
                    return new TestAvroSerde<>(type);
                }
            },
            CONFIG);
    static final String DOCS_BEGIN = "<!-- topics: generated from io.aurum.topology.Topics by TopicsTest -->";
    static final String DOCS_END = "<!-- topics: end -->";

    @Test
    void provisioningCreatesEveryTopicAsItsSpecSays() {
        Map<String, String> compact = Map.of("cleanup.policy", "compact");
        Map<String, String> week = Map.of("retention.ms", "604800000");
        Map<String, String> month = Map.of("retention.ms", "2592000000");
        int p = CONFIG.streams().partitions();
        Map<String, String> expected = new java.util.TreeMap<>(Map.ofEntries(
                Map.entry("customers.golden", p + " " + compact),
                Map.entry("customers.golden.table", p + " " + compact),
                Map.entry("customers.xref", p + " " + compact),
                Map.entry("customers.quality", p + " " + compact),
                Map.entry("customers.redirects", p + " " + compact),
                Map.entry("customers.conflicts", p + " " + compact),
                Map.entry("customers.assertions", p + " " + compact),
                Map.entry("customers.overrides", p + " " + compact),
                Map.entry("aurum-records", p + " " + week),
                Map.entry("aurum-resolver", p + " " + week),
                Map.entry("aurum.dlq", "1 " + month)));
        CONFIG.pipeline()
                .sources()
                .values()
                .forEach(s -> expected.put(s.topic(), CONFIG.capture().topicPartitions() + " " + Map.of()));

        List<NewTopic> created = TOPICS.newTopics();

        assertThat(created.stream()
                        .collect(Collectors.toMap(
                                NewTopic::name,
                                t -> t.numPartitions() + " " + (t.configs() == null ? Map.of() : t.configs()))))
                .isEqualTo(expected);
        assertThat(created)
                .allMatch(t -> t.replicationFactor() == CONFIG.streams().replicationFactor());
        assertThat(created.stream().map(NewTopic::name)).doesNotHaveDuplicates();
    }

    @Test
    void theJobsInputsAreTheCdcStewardAndResolverTopics() {
        List<String> cdc = CONFIG.pipeline().sources().values().stream()
                .map(s -> s.topic())
                .distinct()
                .toList();
        assertThat(TOPICS.inputs())
                .containsExactlyInAnyOrderElementsOf(java.util.stream.Stream.concat(
                                cdc.stream(),
                                java.util.stream.Stream.of(
                                        "customers.assertions",
                                        "customers.overrides",
                                        "aurum-records",
                                        "aurum-resolver"))
                        .toList());
    }

    @Test
    void theOverviewNamesThePublicStewardAndDeadLetterTopics() {
        assertThat(TOPICS.overview())
                .containsExactly(
                        "customers.golden, .golden.table, .xref, .redirects, .quality, .conflicts (compacted)",
                        "steward input customers.assertions, customers.overrides",
                        "dead letters aurum.dlq");
    }

    /** docs/operations.md lists the topics as Topics declares them; -Daurum.updateDocs=true rewrites the table. */
    @Test
    void theOperationsDocsListEveryTopicAsDeclared() throws IOException {
        Path docs = docs();
        String text = Files.readString(docs, StandardCharsets.UTF_8);
        int begin = text.indexOf(DOCS_BEGIN);
        int end = text.indexOf(DOCS_END);
        assertThat(begin)
                .as("%s holds the markers %s ... %s", docs, DOCS_BEGIN, DOCS_END)
                .isNotNegative();
        assertThat(end).isGreaterThan(begin);
        String table = table();
        String current = text.substring(begin + DOCS_BEGIN.length(), end);
        if (Boolean.getBoolean("aurum.updateDocs")) {
            Files.writeString(
                    docs,
                    text.substring(0, begin + DOCS_BEGIN.length()) + table + text.substring(end),
                    StandardCharsets.UTF_8);
            current = table;
        }
        assertThat(current)
                .as(
                        "the topic table of %s; after changing Topics run TopicsTest with" + " -Daurum.updateDocs=true",
                        docs)
                .isEqualTo(table);
    }

    static String table() {
        StringBuilder out = new StringBuilder(
                "\n| topic | partitions | cleanup | key | value | written by |\n" + "|---|---|---|---|---|---|\n");
        boolean cdcDone = false;
        for (Topic<?, ?> t : TOPICS.all()) {
            String name = "`" + t.name() + "`";
            if (t.spec().kind() == Kind.CDC_INPUT) {
                if (cdcDone) {
                    continue;
                }
                cdcDone = true;
                name = "`<database>.<schema>.<table>`, one per source table";
            }
            out.append("| ")
                    .append(name)
                    .append(" | ")
                    .append(t.spec().partitions().doc())
                    .append(" | ")
                    .append(t.spec().cleanupDoc())
                    .append(" | ")
                    .append(t.spec().key())
                    .append(" | ")
                    .append(t.spec().value())
                    .append(" | ")
                    .append(t.spec().kind().writer())
                    .append(" |\n");
        }
        return out.toString();
    }

    static Path docs() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("docs/operations.md"))) {
            dir = dir.getParent();
        }
        return dir.resolve("docs/operations.md");
    }
}
