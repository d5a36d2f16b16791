package io.aurum.runtime;

import io.aurum.app.DeadLetter;
import io.aurum.app.DeadLetterLog;
import io.aurum.errors.DeadLetters;
import io.aurum.topology.Topics;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code aurum dlq}: list, show and replay dead letters. */
@Command(
        name = "dlq",
        mixinStandardHelpOptions = true,
        description = "Dead letters: list them by stage and reason, show one, replay a selection after a fix.",
        subcommands = {DlqCommand.ListLetters.class, DlqCommand.Show.class, DlqCommand.Replay.class})
public final class DlqCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("aurum dlq: give a subcommand: list, show or replay (aurum dlq --help)");
        return 1;
    }

    static DeadLetterLog read(Deployment d) {
        return DeadLetterLog.read(d.bootstrapServers(), d.config().kafka().properties());
    }

    /** Which letters a command is about: by id, stage, reason or source topic. */
    static final class Selection {
        @Option(names = "--stage", description = "Only letters of this stage (e.g. map, override).")
        String stage;

        @Option(names = "--reason", description = "Only letters whose reason contains this text.")
        String reason;

        @Option(names = "--topic", description = "Only letters whose input came from this topic.")
        String topic;

        @Option(names = "--id", split = ",", paramLabel = "PARTITION@OFFSET", description = "Only these letters.")
        List<String> ids;

        boolean matches(DeadLetter d) {
            return (stage == null || stage.equals(d.stage()))
                    && (reason == null || d.reason().contains(reason))
                    && (topic == null || topic.equals(d.sourceTopic()))
                    && (ids == null || ids.contains(d.id()));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Dead letters grouped by stage and reason.")
    static final class ListLetters implements Callable<Integer> {
        @Mixin
        Deployment deployment;

        @Option(names = "--letters", description = "Also list each letter (id, time, input, replayed).")
        boolean letters;

        PrintStream out = System.out;

        @Override
        public Integer call() {
            DeadLetterLog log = read(deployment);
            out.printf("%d dead letters on %s%n", log.letters().size(), Topics.DLQ);
            if (log.letters().isEmpty()) {
                return 0;
            }
            out.printf("%7s %9s  %-18s %s%n", "count", "replayed", "stage", "reason");
            for (Map.Entry<DeadLetters.Kind, int[]> e : log.groups().entrySet()) {
                out.printf(
                        "%7d %9d  %-18s %s%n",
                        e.getValue()[0],
                        e.getValue()[1],
                        e.getKey().stage(),
                        e.getKey().reason());
            }
            if (letters) {
                out.println();
                out.printf("%-10s %-24s %-40s %-10s %s%n", "id", "written", "input", "stage", "replayed");
                for (DeadLetter d : log.letters()) {
                    DeadLetter r = log.replayOf(d);
                    out.printf(
                            "%-10s %-24s %-40s %-10s %s%n",
                            d.id(),
                            Instant.ofEpochMilli(d.timestamp()),
                            d.sourcePosition(),
                            d.stage(),
                            r == null
                                    ? ""
                                    : "to " + r.headers().get(DeadLetter.REPLAYED_TO) + " at "
                                            + r.headers().get(DeadLetter.REPLAYED_AT));
                }
            }
            out.println("Show one: aurum dlq show PARTITION@OFFSET; replay: aurum dlq replay --stage S --dry-run");
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One dead letter in full.")
    static final class Show implements Callable<Integer> {
        @Mixin
        Deployment deployment;

        @Parameters(
                paramLabel = "PARTITION@OFFSET",
                description = "The letter, as `aurum dlq list --letters` names it.")
        String id;

        PrintStream out = System.out;

        @Override
        public Integer call() {
            DeadLetterLog log = read(deployment);
            String wanted = id.contains("@") ? id : "0@" + id;
            DeadLetter d = log.find(wanted);
            if (d == null) {
                throw new IllegalArgumentException("no dead letter " + wanted + " on " + Topics.DLQ);
            }
            out.printf("Dead letter %s (%s), written %s%n", d.id(), Topics.DLQ, Instant.ofEpochMilli(d.timestamp()));
            out.printf("  stage   %s%n  reason  %s%n  input   %s%n", d.stage(), d.reason(), d.sourcePosition());
            DeadLetter r = log.replayOf(d);
            out.printf(
                    "  replay  %s%n",
                    r == null
                            ? "never replayed"
                            : "replayed to " + r.headers().get(DeadLetter.REPLAYED_TO) + " at "
                                    + r.headers().get(DeadLetter.REPLAYED_AT) + " by "
                                    + r.headers().get(DeadLetter.REPLAYED_BY));
            out.println("Headers:");
            d.headers().forEach((k, v) -> {
                if (k.equals(DeadLetters.HEADER_STACKTRACE)) {
                    out.printf(
                            "  %s:%n    %s%n", k, v == null ? null : v.strip().replace("\n", "\n    "));
                } else {
                    out.printf("  %s: %s%n", k, v);
                }
            });
            out.printf("Key:%n  %s%n", DeadLetter.text(d.key()));
            out.printf("Value:%n  %s%n", DeadLetter.text(d.value()));
            return 0;
        }
    }

    @Command(
            name = "replay",
            mixinStandardHelpOptions = true,
            description = {
                "Produce the selected letters back to the topics they came from, each with header "
                        + DeadLetters.HEADER_REPLAY_OF + ", and record the replay on the dead-letter topic (same"
                        + " transaction).",
                "A letter already replayed is skipped unless --again is given."
            })
    static final class Replay implements Callable<Integer> {
        @Mixin
        Deployment deployment;

        @Mixin
        Selection selection;

        @Option(names = "--dry-run", description = "Say what would be replayed, and change nothing.")
        boolean dryRun;

        @Option(names = "--again", description = "Also replay letters that were replayed before.")
        boolean again;

        @Option(names = "--all", description = "Replay every letter (required when nothing else selects).")
        boolean all;

        @Option(
                names = "--who",
                defaultValue = "${sys:user.name}",
                description = "Recorded as who replayed (default: ${DEFAULT-VALUE}).")
        String who;

        PrintStream out = System.out;

        @Override
        public Integer call() throws Exception {
            if (!all
                    && selection.stage == null
                    && selection.reason == null
                    && selection.topic == null
                    && selection.ids == null) {
                throw new IllegalArgumentException(
                        "select the letters to replay (--stage, --reason, --topic, --id) or pass --all");
            }
            DeadLetterLog log = read(deployment);
            List<DeadLetter> chosen = new ArrayList<>();
            int skipped = 0;
            for (DeadLetter d : log.letters()) {
                if (!selection.matches(d)) {
                    continue;
                }
                // A letter replayed before, or the letter of a replay that failed again: the same input a second time.
                if ((log.replayOf(d) != null || d.headers().containsKey(DeadLetters.HEADER_REPLAY_OF)) && !again) {
                    skipped++;
                    continue;
                }
                if (d.sourceTopic() == null) {
                    out.printf("skip %s: it names no original topic%n", d.id());
                    skipped++;
                    continue;
                }
                chosen.add(d);
            }
            for (DeadLetter d : chosen) {
                out.printf(
                        "%s %s -> %s  [%s] %s%n",
                        dryRun ? "would replay" : "replaying", d.id(), d.sourceTopic(), d.stage(), d.reason());
            }
            if (skipped > 0) {
                out.printf(
                        "%d selected letters were replayed before (or are replays that failed again) and are skipped"
                                + " (--again replays them)%n",
                        skipped);
            }
            if (dryRun || chosen.isEmpty()) {
                out.printf(
                        "%s: %d letters%s%n",
                        dryRun ? "Dry run" : "Nothing to replay", chosen.size(), dryRun ? ", nothing written" : "");
                return 0;
            }
            Properties p = new Properties();
            p.putAll(deployment.config().kafka().properties());
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, deployment.bootstrapServers());
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "aurum-dlq-replay-" + UUID.randomUUID());
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                try {
                    String at = Instant.now().toString();
                    for (DeadLetter d : chosen) {
                        RecordHeaders headers = new RecordHeaders();
                        headers.add(DeadLetters.HEADER_REPLAY_OF, bytes(Topics.DLQ + "-" + d.id()));
                        // The original input's own headers (Debezium's, Aurum capture's) travel with it again.
                        d.headers().forEach((k, v) -> {
                            if (!k.startsWith("__streams.errors.")
                                    && !k.startsWith("aurum.errors.")
                                    && !k.equals(DeadLetters.HEADER_REPLAY_OF)) {
                                headers.add(k, v == null ? null : bytes(v));
                            }
                        });
                        RecordMetadata m = producer.send(
                                        new ProducerRecord<>(d.sourceTopic(), null, d.key(), d.value(), headers))
                                .get();
                        RecordHeaders marker = new RecordHeaders();
                        marker.add(DeadLetter.REPLAYED, bytes(d.id()));
                        marker.add(DeadLetter.REPLAYED_TO, bytes(m.topic() + "-" + m.partition() + "@" + m.offset()));
                        marker.add(DeadLetter.REPLAYED_AT, bytes(at));
                        marker.add(DeadLetter.REPLAYED_BY, bytes(who));
                        producer.send(new ProducerRecord<>(Topics.DLQ, d.partition(), null, null, null, marker))
                                .get();
                    }
                    producer.commitTransaction();
                } catch (Exception e) {
                    producer.abortTransaction();
                    throw e;
                }
            }
            out.printf(
                    "Replayed %d letters; each is marked on %s and will not be replayed again by accident%n",
                    chosen.size(), Topics.DLQ);
            return 0;
        }

        private static byte[] bytes(String s) {
            return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
