package io.aurum.errors;

import io.aurum.canonical.MappingException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams' own dead-letter mechanism (KIP-1034) with Aurum's policy: an input that cannot be parsed or
 * mapped is written to the DLQ with its original key, value and headers, plus headers that say where it came
 * from and why, and processing continues. The records are produced inside the task's transaction, so under
 * exactly-once a dead letter is written exactly when the input's offset is committed.
 *
 * <p>Any other exception is a bug or an outage, not bad input: the task fails rather than skipping data.
 *
 * <p>Headers (Kafka's names, as Kafka Connect's {@code __connect.errors.*} do for Connect):
 * {@code __streams.errors.topic|partition|offset|exception|message|stacktrace}, and
 * {@code aurum.errors.stage} (the processor that failed) and {@code aurum.errors.task}.
 */
public final class DeadLetters implements ProcessingExceptionHandler, DeserializationExceptionHandler {
    public static final String HEADER_TOPIC = "__streams.errors.topic";
    public static final String HEADER_PARTITION = "__streams.errors.partition";
    public static final String HEADER_OFFSET = "__streams.errors.offset";
    public static final String HEADER_EXCEPTION = "__streams.errors.exception";
    public static final String HEADER_MESSAGE = "__streams.errors.message";
    public static final String HEADER_STACKTRACE = "__streams.errors.stacktrace";
    public static final String HEADER_STAGE = "aurum.errors.stage";
    public static final String HEADER_TASK = "aurum.errors.task";
    /** What went wrong with the variable parts (values, numbers, details) left out, for grouping letters. */
    public static final String HEADER_REASON = "aurum.errors.reason";
    /**
     * Set by {@code aurum dlq replay} on the record it produces back to the original topic: the dead letter it
     * replays ({@code <dlq topic>-<partition>@<offset>}). A replayed record that fails again carries it into its
     * new dead letter.
     */
    public static final String HEADER_REPLAY_OF = "aurum.replay.of";

    private static final java.util.regex.Pattern PARENS = java.util.regex.Pattern.compile("\\s*\\([^()]*\\)");
    private static final java.util.regex.Pattern QUOTED = java.util.regex.Pattern.compile("'[^']*'|\"[^\"]*\"");
    private static final java.util.regex.Pattern BRACKETS = java.util.regex.Pattern.compile("\\[[^\\]]*\\]");
    // A token with a digit in it (a number, a golden id such as gc_3f9a…, an offset) is a variable part as a whole:
    // replacing only its digits would still make one group per customer.
    private static final java.util.regex.Pattern DIGITS = java.util.regex.Pattern.compile("[\\w.-]*\\d[\\w.-]*");

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private static final AtomicLong COUNT = new AtomicLong();
    private static final java.util.concurrent.ConcurrentHashMap<Kind, AtomicLong> BY_KIND =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** A stage and a reason: what dead letters are grouped and counted by. */
    public record Kind(String stage, String reason) {}

    private String topic;

    /** Dead letters written by this JVM since start, for metrics. */
    public static long count() {
        return COUNT.get();
    }

    /** Dead letters written by this JVM since start, by stage and reason, for metrics. */
    public static java.util.Map<Kind, Long> counts() {
        java.util.Map<Kind, Long> out = new java.util.TreeMap<>(
                java.util.Comparator.comparing(Kind::stage).thenComparing(Kind::reason));
        BY_KIND.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /**
     * The reason of a failure, for grouping: the message without its details (parenthesized parts, anything after
     * the first colon), with quoted values, lists and numbers blanked, e.g. {@code column '…' is not in the change
     * event of crm.contacts}. Falls back to the exception's simple class name.
     */
    public static String reason(String exceptionClass, String message) {
        String m = message == null ? "" : message.strip();
        int nl = m.indexOf('\n');
        if (nl >= 0) {
            m = m.substring(0, nl);
        }
        for (String before = null; !m.equals(before); ) {
            before = m;
            m = PARENS.matcher(m).replaceAll("");
        }
        int colon = m.indexOf(": ");
        if (colon >= 0) {
            m = m.substring(0, colon);
        }
        m = QUOTED.matcher(m).replaceAll("'…'");
        m = BRACKETS.matcher(m).replaceAll("[…]");
        m = DIGITS.matcher(m).replaceAll("#").strip();
        if (m.isEmpty()) {
            String c = exceptionClass == null ? "unknown" : exceptionClass;
            return c.substring(c.lastIndexOf('.') + 1);
        }
        return m.length() > 120 ? m.substring(0, 119) + "…" : m;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        Object name = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        if (name == null) {
            throw new IllegalStateException(
                    StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG + " must name the dead-letter topic");
        }
        topic = name.toString();
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(
            ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (!(exception instanceof MappingException)) {
            LOG.error(
                    "Processing failed in {} at {}-{}@{}: not bad input, so the task stops",
                    context.processorNodeId(),
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    exception);
            return ProcessingExceptionHandler.Response.fail();
        }
        return ProcessingExceptionHandler.Response.resume(List.of(deadLetter(context, exception)));
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(
            ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        return DeserializationExceptionHandler.Response.resume(List.of(deadLetter(context, exception)));
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ErrorHandlerContext context, Exception exception) {
        COUNT.incrementAndGet();
        String reason = reason(exception.getClass().getName(), exception.getMessage());
        BY_KIND.computeIfAbsent(new Kind(context.processorNodeId(), reason), k -> new AtomicLong())
                .incrementAndGet();
        LOG.warn(
                "Dead letter from {}-{}@{} at stage {}: {}",
                context.topic(),
                context.partition(),
                context.offset(),
                context.processorNodeId(),
                exception.getMessage());
        Headers headers = new RecordHeaders();
        if (context.headers() != null) {
            for (Header h : context.headers()) {
                headers.add(h);
            }
        }
        put(headers, HEADER_TOPIC, context.topic());
        put(headers, HEADER_PARTITION, Integer.toString(context.partition()));
        put(headers, HEADER_OFFSET, Long.toString(context.offset()));
        put(headers, HEADER_EXCEPTION, exception.getClass().getName());
        put(headers, HEADER_MESSAGE, String.valueOf(exception.getMessage()));
        put(headers, HEADER_STACKTRACE, stackTrace(exception));
        put(headers, HEADER_STAGE, context.processorNodeId());
        put(headers, HEADER_TASK, String.valueOf(context.taskId()));
        put(headers, HEADER_REASON, reason);
        return new ProducerRecord<>(
                topic, null, context.timestamp(), context.sourceRawKey(), context.sourceRawValue(), headers);
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private static String stackTrace(Throwable t) {
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        return sw.toString();
    }
}
