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

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private static final AtomicLong COUNT = new AtomicLong();

    private String topic;

    /** Dead letters written by this JVM since start, for metrics. */
    public static long count() {
        return COUNT.get();
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
