package io.aurum.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.slf4j.Marker;
import org.slf4j.helpers.MessageFormatter;

/**
 * Drops the warnings and errors that Kafka logs for conditions it handles itself, and nothing else, so that a
 * healthy run logs no ERROR and no stack trace and an operator can trust the ones that remain. Each entry says why
 * it is harmless; {@link #suppressed()} counts what was dropped (shown at DEBUG by {@code aurum local}).
 *
 * <ul>
 *   <li><b>Transactions v2 sequence retries</b> (KAFKA-18202). With {@code exactly_once_v2} on a 4.x broker every
 *       commit bumps the producer epoch. The first batches of the next transaction can reach a partition before the
 *       previous commit's marker has been written there: the broker answers {@code CONCURRENT_TRANSACTIONS} to the
 *       first and {@code OUT_OF_ORDER_SEQUENCE_NUMBER} to the batches pipelined behind it, and logs each of those
 *       at ERROR with a stack trace ({@code ReplicaManager}, on the in-process broker). The producer retries them in
 *       order and they succeed; a real sequence problem is not retried but fails the transaction, which Streams
 *       reports (and this filter never touches).
 *   <li><b>Internal topics at first start.</b> A new application's consumer asks for the metadata of its
 *       repartition and subscription topics before the group leader has created them ({@code UNKNOWN_TOPIC_OR_PARTITION}
 *       for names ending in {@code -repartition}, {@code -changelog} or {@code -topic}, and only those); the
 *       rebalance that follows creates them.
 *   <li><b>Streams' placeholder config.</b> A topology built before the job's own config is known gets Streams'
 *       default config, which warns that the global processing exception handler is off; the job's config turns it
 *       on ({@code StreamsProperties}), and that is the config the job runs with.
 *   <li><b>The in-process broker</b> warns that a brand-new metadata log is empty when it formats one, and that its
 *       controller channel was closed twice when it stops; restarted on its log, its broker half can ask to register
 *       before its controller half has become active, which is answered {@code NOT_CONTROLLER} and retried.
 * </ul>
 */
public final class KnownNoise extends TurboFilter {
    private static final Pattern INTERNAL_TOPIC_UNKNOWN = Pattern.compile(
            "[A-Za-z0-9._-]+-(repartition|changelog|topic)=(UNKNOWN_TOPIC_OR_PARTITION|LEADER_NOT_AVAILABLE)");
    private static final Map<String, LongAdder> SUPPRESSED = new ConcurrentHashMap<>();

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level == null || !level.isGreaterOrEqual(Level.WARN) || logger == null) {
            return FilterReply.NEUTRAL;
        }
        String reason = reason(logger.getName(), level, format, params, t);
        if (reason == null) {
            return FilterReply.NEUTRAL;
        }
        SUPPRESSED.computeIfAbsent(reason, r -> new LongAdder()).increment();
        return FilterReply.DENY;
    }

    /** Why an event is known noise, or null if it is not. */
    static String reason(String logger, Level level, String format, Object[] params, Throwable t) {
        switch (logger) {
            case "kafka.server.ReplicaManager" -> {
                if (t instanceof org.apache.kafka.common.errors.OutOfOrderSequenceException
                        || t instanceof org.apache.kafka.common.errors.ConcurrentTransactionsException) {
                    return "broker: transactions v2 sequence retry";
                }
            }
            case "org.apache.kafka.clients.producer.internals.Sender" -> {
                String m = message(format, params);
                if (level == Level.WARN
                        && m.contains("retrying")
                        && (m.contains("OUT_OF_ORDER_SEQUENCE_NUMBER") || m.contains("CONCURRENT_TRANSACTIONS"))) {
                    return "producer: transactions v2 sequence retry";
                }
            }
            case "org.apache.kafka.clients.NetworkClient" -> {
                String m = message(format, params);
                if (level == Level.WARN && m.contains("reported a recoverable issue") && onlyInternalTopics(m)) {
                    return "consumer: internal topic not created yet";
                }
                if (level == Level.WARN
                        && m.contains("Attempting to close NetworkClient that has already been closed")) {
                    return "broker: controller channel closed twice";
                }
            }
            case "kafka.server.ControllerApis" -> {
                if (causedBy(t, org.apache.kafka.common.errors.NotControllerException.class)) {
                    return "broker: registration before its own controller is active";
                }
            }
            case "org.apache.kafka.streams.StreamsConfig" -> {
                if (level == Level.WARN
                        && message(format, params)
                                .startsWith("Processing exception handler is not enabled for the " + "GlobalThread")) {
                    return "streams: placeholder config of the topology builder";
                }
            }
            case "org.apache.kafka.controller.QuorumController" -> {
                if (level == Level.WARN && message(format, params).contains("The metadata log appears to be empty")) {
                    return "broker: new metadata log";
                }
            }
            default -> {
                return null;
            }
        }
        return null;
    }

    private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** True if every topic in the message's {@code {topic=ERROR, ...}} map is an internal topic still being made. */
    private static boolean onlyInternalTopics(String m) {
        int open = m.lastIndexOf('{');
        int close = m.lastIndexOf('}');
        if (open < 0 || close < open) {
            return false;
        }
        String body = m.substring(open + 1, close).trim();
        if (body.isEmpty()) {
            return false;
        }
        for (String entry : body.split(",\\s*")) {
            if (!INTERNAL_TOPIC_UNKNOWN.matcher(entry.trim()).matches()) {
                return false;
            }
        }
        return true;
    }

    private static String message(String format, Object[] params) {
        if (format == null) {
            return "";
        }
        return params == null || params.length == 0
                ? format
                : MessageFormatter.arrayFormat(format, params).getMessage();
    }

    /** What was dropped since start, by reason. */
    public static Map<String, Long> suppressed() {
        Map<String, Long> out = new java.util.TreeMap<>();
        SUPPRESSED.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
