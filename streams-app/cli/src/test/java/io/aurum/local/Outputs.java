package io.aurum.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aurum.app.GoldenJson;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.Redirect;
import io.aurum.schemas.XrefEntry;
import io.aurum.serde.AurumSerdes;
import io.aurum.topology.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The public result of a run, read from its broker as a downstream consumer reads it (read_committed, no group):
 * the latest golden record, xref entry and redirect per key, plus what the golden topic's history says about
 * delivery (versions, and versions that repeat the one before them for the same key).
 */
record Outputs(
        Map<String, JsonNode> golden,
        Map<String, String> xref,
        Map<String, JsonNode> redirects,
        long goldenVersions,
        long repeatedVersions) {
    static final ObjectMapper JSON = new ObjectMapper();

    static Outputs read(String bootstrap, String registryUrl) {
        return read(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), Map.of("schema.registry.url", registryUrl));
    }

    /**
     * @param client the consumer's settings: bootstrap servers and any security
     * @param conf the serdes' settings: the registry URL and any credentials and TLS
     */
    static Outputs read(Map<String, ?> client, Map<String, ?> conf) {
        Deserializer<GoldenCustomer> goldenSerde =
                AurumSerdes.valueSerde(GoldenCustomer.class, conf).deserializer();
        Deserializer<XrefEntry> xrefSerde =
                AurumSerdes.valueSerde(XrefEntry.class, conf).deserializer();
        Deserializer<Redirect> redirectSerde =
                AurumSerdes.valueSerde(Redirect.class, conf).deserializer();

        Map<String, JsonNode> golden = new TreeMap<>();
        Map<String, byte[]> lastBytes = new HashMap<>();
        long versions = 0;
        long repeated = 0;
        for (ConsumerRecord<String, byte[]> r : readAll(client, Topics.GOLDEN)) {
            versions++;
            byte[] previous = lastBytes.put(r.key(), r.value());
            if (previous != null && r.value() != null && Arrays.equals(previous, r.value())) {
                repeated++;
            }
            if (r.value() == null) {
                golden.remove(r.key());
            } else {
                try {
                    golden.put(
                            r.key(), JSON.readTree(GoldenJson.line(goldenSerde.deserialize(Topics.GOLDEN, r.value()))));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        Map<String, String> xref = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> r : readAll(client, Topics.XREF)) {
            if (r.value() == null) {
                xref.remove(r.key());
            } else {
                xref.put(r.key(), xrefSerde.deserialize(Topics.XREF, r.value()).toString());
            }
        }
        Map<String, JsonNode> redirects = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> r : readAll(client, Topics.REDIRECTS)) {
            if (r.value() == null) {
                redirects.remove(r.key());
            } else {
                try {
                    redirects.put(
                            r.key(),
                            JSON.readTree(redirectSerde
                                    .deserialize(Topics.REDIRECTS, r.value())
                                    .toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return new Outputs(golden, xref, redirects, versions, repeated);
    }

    /** Every record of a topic from the beginning to its current end, read_committed, in partition order. */
    static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
        return readAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), topic);
    }

    static List<ConsumerRecord<String, byte[]>> readAll(Map<String, ?> client, String topic) {
        Properties props = new Properties();
        props.putAll(client);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** Golden records without source commit times (two runs commit the same changes at different times). */
    Map<String, JsonNode> goldenWithoutTimes() {
        return CrashRecoveryTest.withoutTimes(golden);
    }

    /** The keys whose values differ, each with both values (at most 20, then how many more). */
    static <V> List<String> diff(Map<String, V> actual, Map<String, V> expected) {
        Set<String> keys = new TreeSet<>(actual.keySet());
        keys.addAll(expected.keySet());
        List<String> out = new ArrayList<>();
        int more = 0;
        for (String k : keys) {
            V a = actual.get(k);
            V e = expected.get(k);
            if (a == null ? e != null : !a.equals(e)) {
                if (out.size() < 20) {
                    out.add(k + ": " + a + " (expected " + e + ")");
                } else {
                    more++;
                }
            }
        }
        if (more > 0) {
            out.add("... and " + more + " more");
        }
        return out;
    }

    /**
     * The redirects that are a function of the sources (docs/identity-resolution.md, Redirects): for each current
     * source record's own id, the golden id it leads to. Entries of deleted records (their heir) and the splits
     * announced on a live id record history, which depends on the order in which changes met.
     */
    Map<String, String> redirectsOfCurrentRecords(Set<String> currentRecords) {
        Map<String, String> out = new TreeMap<>();
        redirects.forEach((id, r) -> {
            String record = r.path("record").path("source").asText() + ":"
                    + r.path("record").path("key").asText();
            // A split announcement (a live id naming the clusters its records left for) is history: it depends on
            // which records were ever together, so runs with other timing may differ; redirectsOfHistory and
            // deadEndRedirects check it (docs/identity-resolution.md, Redirects).
            if (currentRecords.contains(record) && r.path("splitInto").size() == 0) {
                out.put(id, record + " -> " + r.path("goldenId").asText());
            }
        });
        return out;
    }

    /** The other redirects: of deleted records, and split announcements (history; compared for the record only). */
    Map<String, String> redirectsOfHistory(Set<String> currentRecords) {
        Map<String, String> out = new TreeMap<>();
        redirects.forEach((id, r) -> {
            String record = r.path("record").path("source").asText() + ":"
                    + r.path("record").path("key").asText();
            if (!currentRecords.contains(record) || r.path("splitInto").size() > 0) {
                out.put(id, r.toString());
            }
        });
        return out;
    }

    /** Redirects (of any kind) that lead to no live golden id, or announce a split into one that is not live. */
    List<String> deadEndRedirects() {
        List<String> out = new ArrayList<>();
        redirects.forEach((id, r) -> {
            if (!golden.containsKey(r.path("goldenId").asText())) {
                out.add(id + " -> " + r);
            }
            r.path("splitInto").forEach(split -> {
                if (!golden.containsKey(split.asText())) {
                    out.add(id + " split into " + split.asText() + ", which is not live");
                }
            });
        });
        return out;
    }

    /** Source records by how many golden records hold them. */
    Map<String, Integer> membershipCounts() {
        Map<String, Integer> seen = new TreeMap<>();
        golden.values().forEach(g -> g.get("sources")
                .forEach(s ->
                        seen.merge(s.get("source").asText() + ":" + s.get("key").asText(), 1, Integer::sum)));
        return seen;
    }

    /**
     * Where the three topics disagree with each other: an xref entry naming a golden id that is not live, or a
     * golden record whose member's xref entry names another id. A transaction seen in part would show up here.
     */
    Set<String> inconsistencies() {
        Set<String> out = new TreeSet<>();
        Map<String, String> xrefGolden = new HashMap<>();
        xref.forEach((record, entry) -> {
            String id = entry.replaceAll(".*\"goldenId\": \"([^\"]+)\".*", "$1");
            xrefGolden.put(record, id);
            if (!golden.containsKey(id)) {
                out.add("xref " + record + " -> " + id + " (no such golden record)");
            }
        });
        golden.forEach((id, g) -> g.get("sources").forEach(s -> {
            String record = s.get("source").asText() + ":" + s.get("key").asText();
            if (!id.equals(xrefGolden.get(record))) {
                out.add("golden " + id + " holds " + record + " whose xref says " + xrefGolden.get(record));
            }
        }));
        return out;
    }
}
