package io.aurum.app;

import io.aurum.errors.DeadLetters;
import io.aurum.topology.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The dead-letter topic as it stands: every letter, and which of them have been replayed. Read with
 * read_committed and no consumer group, from the beginning to the current end.
 */
public final class DeadLetterLog {
    private final List<DeadLetter> letters;
    private final Map<String, DeadLetter> replays;

    private DeadLetterLog(List<DeadLetter> letters, Map<String, DeadLetter> replays) {
        this.letters = letters;
        this.replays = replays;
    }

    /** Reads the whole topic. */
    public static DeadLetterLog read(String bootstrapServers, Map<String, String> clientProperties) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<DeadLetter> all = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var infos = c.partitionsFor(Topics.DLQ, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalArgumentException("topic " + Topics.DLQ + " does not exist at " + bootstrapServers);
            }
            List<TopicPartition> parts = infos.stream()
                    .map(i -> new TopicPartition(Topics.DLQ, i.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    all.add(DeadLetter.of(r));
                }
            }
        }
        return of(all);
    }

    /** The log of these records (letters and markers, in any order). */
    public static DeadLetterLog of(List<DeadLetter> records) {
        List<DeadLetter> letters = new ArrayList<>();
        Map<String, DeadLetter> replays = new LinkedHashMap<>();
        for (DeadLetter d : records) {
            if (d.isReplayMarker()) {
                replays.putIfAbsent(d.replayed(), d);
            } else {
                letters.add(d);
            }
        }
        letters.sort(Comparator.comparingInt(DeadLetter::partition).thenComparingLong(DeadLetter::offset));
        return new DeadLetterLog(letters, replays);
    }

    public List<DeadLetter> letters() {
        return letters;
    }

    /** The replay marker of a letter, or null when it has not been replayed. */
    public DeadLetter replayOf(DeadLetter letter) {
        return replays.get(letter.id());
    }

    public DeadLetter find(String id) {
        return letters.stream().filter(d -> d.id().equals(id)).findFirst().orElse(null);
    }

    /** Letters by stage and reason, with how many of them were replayed. */
    public Map<DeadLetters.Kind, int[]> groups() {
        Map<DeadLetters.Kind, int[]> out =
                new TreeMap<>(Comparator.comparing(DeadLetters.Kind::stage).thenComparing(DeadLetters.Kind::reason));
        for (DeadLetter d : letters) {
            int[] counts = out.computeIfAbsent(d.kind(), k -> new int[2]);
            counts[0]++;
            if (replayOf(d) != null) {
                counts[1]++;
            }
        }
        return out;
    }
}
