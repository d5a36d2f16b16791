package io.aurum.app;

import io.aurum.errors.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One record of the dead-letter topic: a dead letter (the input that failed, with Aurum's error headers) or a
 * replay marker ({@code aurum dlq replay} writes one per replayed letter, in the same transaction as the replay).
 */
public record DeadLetter(
        String topic,
        int partition,
        long offset,
        long timestamp,
        byte[] key,
        byte[] value,
        Map<String, String> headers) {

    /** Replay marker headers: the letter replayed ({@code <partition>@<offset>}), where to, when and by whom. */
    public static final String REPLAYED = "aurum.dlq.replayed";

    public static final String REPLAYED_TO = "aurum.dlq.replayed.to";
    public static final String REPLAYED_AT = "aurum.dlq.replayed.at";
    public static final String REPLAYED_BY = "aurum.dlq.replayed.by";

    public static DeadLetter of(ConsumerRecord<byte[], byte[]> r) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header h : r.headers()) {
            headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        return new DeadLetter(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value(), headers);
    }

    /** How the letter is named on the command line: {@code <partition>@<offset>}. */
    public String id() {
        return partition + "@" + offset;
    }

    public boolean isReplayMarker() {
        return headers.containsKey(REPLAYED);
    }

    /** For a marker: the id of the letter it says was replayed. */
    public String replayed() {
        return headers.get(REPLAYED);
    }

    public String stage() {
        return headers.getOrDefault(DeadLetters.HEADER_STAGE, "unknown");
    }

    /** The grouping reason: the header Aurum writes, or (for older letters) derived the same way. */
    public String reason() {
        String r = headers.get(DeadLetters.HEADER_REASON);
        return r != null ? r : DeadLetters.reason(exception(), message());
    }

    public String exception() {
        return headers.get(DeadLetters.HEADER_EXCEPTION);
    }

    public String message() {
        return headers.get(DeadLetters.HEADER_MESSAGE);
    }

    /** The topic the failed input came from: where a replay writes it back. */
    public String sourceTopic() {
        return headers.get(DeadLetters.HEADER_TOPIC);
    }

    public String sourcePosition() {
        return sourceTopic() + "-" + headers.get(DeadLetters.HEADER_PARTITION) + "@"
                + headers.get(DeadLetters.HEADER_OFFSET);
    }

    public DeadLetters.Kind kind() {
        return new DeadLetters.Kind(stage(), reason());
    }

    /** Key or value as text (UTF-8), for people; null stays null. */
    public static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
