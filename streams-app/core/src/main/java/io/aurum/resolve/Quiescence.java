package io.aurum.resolve;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the resolver's nodes have come to rest after a snapshot: no resolver message on its way between
 * partitions. Until then clusters hold back their golden records, which would otherwise show every intermediate
 * clustering of a label propagation still under way (ids that appear and vanish, records shown alone).
 *
 * <p>Detection is Mattern's four-counter method. Every partition counts the resolver messages it sent through the
 * resolver topic and those it received from it (messages between nodes of one task are handled at once and need no
 * counting). The coordinator (partition 0) runs waves: it asks every partition for its counts ({@link
 * Message.Probe}) and starts the next wave only once all answered ({@link Message.Status}), so waves never
 * overlap. When two consecutive waves find the same totals and as many messages received as sent, none was in
 * flight at the end of the first: the coordinator tells every partition ({@link Message.Quiet}). Probes and answers
 * travel through the same topic and are not counted. Holding back is about churn, never about correctness, so the
 * coordinator gives up and releases anyway when the messages in flight (sent minus received) have not reached a new
 * low in {@link #STALL_WAVES} waves in a row that took at least {@link #LIMIT} (changes keep streaming in, say), or
 * after {@link #CAP} in all. Both, because neither alone tells a stall from a backlog: while a large load drains
 * (at 1M rows, minutes of backlog after a snapshot) a wave's probes queue behind that backlog, so a wave can take
 * longer than {@code LIMIT} and no new low can show in that time; and without a backlog waves complete in
 * milliseconds, so a few of them without progress say nothing either. (A fixed 30 s published 3.3% of the golden ids
 * of a 1M-row load before their clusters settled; 30 s without a new low, 6%.)
 *
 * <p>A wave asks the partitions known to exist: those that ever held back. Every partition holds back while a
 * snapshot runs (the snapshot's start and end reach every partition), so by the end of a snapshot the coordinator
 * has heard of them all; it never needs to be told the partition count, which a test driver with one task would
 * contradict.
 *
 * <p>The counts, the flag, the round and the known partitions live in the resolver's state store, so they survive
 * restarts exactly as the messages they count do.
 */
final class Quiescence {
    private static final Logger LOG = LoggerFactory.getLogger(Quiescence.class);

    static final int COORDINATOR = 0;
    static final Duration LIMIT = Duration.ofSeconds(30);

    static final int STALL_WAVES = 3;

    static final Duration CAP = Duration.ofMinutes(10);

    private static final String SENT = "#sent";
    private static final String RECEIVED = "#received";
    private static final String QUIET = "#quiet";
    private static final String ROUND = "#round";
    private static final String ANSWERED = "#answered";
    private static final String DISTURBED_AT = "#disturbed-at";
    private static final String KNOWN = "known/";
    private static final String[] KEYS = {SENT, RECEIVED, QUIET, ROUND, ANSWERED, DISTURBED_AT};

    private final int partition;
    private KeyValueStore<String, Long> store;
    /** Partitions that said they hold back at some time: the ones a wave asks. */
    private final java.util.Set<Integer> known = new java.util.TreeSet<>();

    private long sent;
    private long received;
    /** No partition held back since the last rest was found (true on a fresh start). */
    private boolean quiet = true;

    private long round;
    /** The latest wave this partition answered, and the latest it had answered when a hold last began. */
    private long answered;

    private long disturbedAt;
    /** The values as the store has them, in the order of {@link #KEYS}: save() writes only those that changed. */
    private final long[] saved = new long[KEYS.length];

    // The coordinator's wave, in memory only: after a restart the next tick starts a new one.
    private boolean waving;
    private long waveStartMs;
    private final Map<Integer, Message.Status> answers = new HashMap<>();
    private long previousSent = -1;
    private long previousReceived = -1;
    /** The fewest messages in flight a wave of this search found, and when it found that few. */
    private long fewestInFlight;

    private long progressMs;
    /** Waves completed since the last new low. */
    private int wavesWithoutProgress;

    Quiescence(int partition) {
        this.partition = partition;
    }

    void load(KeyValueStore<String, Long> state) {
        this.store = state;
        sent = value(SENT, 0);
        received = value(RECEIVED, 0);
        quiet = value(QUIET, 1) == 1;
        round = value(ROUND, 0);
        answered = value(ANSWERED, 0);
        disturbedAt = value(DISTURBED_AT, 0);
        long[] loaded = {sent, received, quiet ? 1L : 0L, round, answered, disturbedAt};
        System.arraycopy(loaded, 0, saved, 0, saved.length);
        known.clear();
        known.add(partition);
        try (var it = store.prefixScan(KNOWN, new org.apache.kafka.common.serialization.StringSerializer())) {
            it.forEachRemaining(kv -> known.add(Integer.parseInt(kv.key.substring(KNOWN.length()))));
        }
        waving = false;
        answers.clear();
    }

    private long value(String key, long absent) {
        Long v = store.get(key);
        return v == null ? absent : v;
    }

    /**
     * Writes what changed back to the store (once per input, through the record cache): as a rule one or two
     * counters. Writing all six on every input was 4% of a stream thread's time.
     */
    void save() {
        save(0, sent);
        save(1, received);
        save(2, quiet ? 1L : 0L);
        save(3, round);
        save(4, answered);
        save(5, disturbedAt);
    }

    private void save(int key, long value) {
        if (saved[key] != value) {
            store.put(KEYS[key], value);
            saved[key] = value;
        }
    }

    boolean quiet() {
        return quiet;
    }

    /** Messages that travel between nodes and are counted: not the inputs from the records topic, not control. */
    static boolean counted(Message m) {
        return m instanceof Message.ToIdentifier
                || m instanceof Message.ToRecord
                || m instanceof Message.RuleLinks
                || m instanceof Message.Succession
                || m instanceof Message.Member
                || m instanceof Message.Leave;
    }

    void sent() {
        sent++;
    }

    void received() {
        received++;
    }

    /** Partition {@code other} holds back: it exists, and waves ask it from now on. */
    void met(int other) {
        if (known.add(other)) {
            store.put(KNOWN + other, 1L);
        }
    }

    /** A partition started holding back: clusters wait for the next rest, and a running wave is void. */
    void disturbed() {
        if (quiet) {
            quiet = false;
        }
        // A Quiet of a wave this partition answered before it heard of the hold may still be on its way: that wave
        // did not see the hold, so its rest says nothing about what follows (see quiet()).
        disturbedAt = answered;
        waving = false;
    }

    /** Nothing holds back any more: the coordinator starts looking for rest, unless it already does. */
    void start(long nowMs, Mailbox mail) {
        if (partition != COORDINATOR || quiet || waving) {
            return;
        }
        waving = true;
        waveStartMs = nowMs;
        fewestInFlight = Long.MAX_VALUE;
        progressMs = nowMs;
        wavesWithoutProgress = 0;
        previousSent = -1;
        previousReceived = -1;
        nextWave(mail);
    }

    private void nextWave(Mailbox mail) {
        round++;
        answers.clear();
        mail.send(new Message.Probe(round));
    }

    void probe(Message.Probe p, boolean holding, Mailbox mail) {
        answered = Math.max(answered, p.round());
        mail.send(new Message.Status(p.round(), partition, sent, received, holding));
    }

    /** The coordinator collects one wave's answers; two equal waves with nothing in flight mean rest. */
    void status(Message.Status s, Mailbox mail, long nowMs) {
        if (!waving || s.round() != round) {
            return; // an answer to a wave that was given up or replaced
        }
        answers.put(s.partition(), s);
        if (!answers.keySet().containsAll(known)) {
            return;
        }
        if (answers.values().stream().anyMatch(Message.Status::holding)) {
            // Some partition still sees a hold (its release, or a new hold, is on its way): no rest yet.
            previousSent = -1;
            previousReceived = -1;
            nextWave(mail);
            return;
        }
        long totalSent = 0;
        long totalReceived = 0;
        for (Message.Status a : answers.values()) {
            totalSent += a.sent();
            totalReceived += a.received();
        }
        if (totalSent - totalReceived < fewestInFlight) {
            fewestInFlight = totalSent - totalReceived;
            progressMs = nowMs;
            wavesWithoutProgress = 0;
        } else {
            wavesWithoutProgress++;
        }
        if (totalSent == totalReceived && totalSent == previousSent && totalReceived == previousReceived) {
            waving = false;
            LOG.info("Resolver at rest after round {} ({} messages exchanged): clusters publish", round, totalSent);
            mail.send(new Message.Quiet(round));
            return;
        }
        previousSent = totalSent;
        previousReceived = totalReceived;
        nextWave(mail);
    }

    /** Returns whether this partition just learnt of rest. */
    boolean quiet(Message.Quiet q) {
        if (quiet || q.round() <= disturbedAt) {
            return false; // already quiet, or the rest of a wave that ran before the latest hold began
        }
        quiet = true;
        return true;
    }

    /** The coordinator gives up on a search for rest that no longer gets closer, or has taken too long. */
    void tick(long nowMs, Mailbox mail) {
        if (!waving) {
            return;
        }
        boolean stalled = wavesWithoutProgress >= STALL_WAVES && nowMs - progressMs > LIMIT.toMillis();
        if (stalled || nowMs - waveStartMs > CAP.toMillis()) {
            waving = false;
            if (stalled) {
                LOG.warn(
                        "The resolver found no rest after a snapshot: the messages in flight have not fallen for {} "
                                + "waves and over {} s (changes keep arriving?); clusters publish now",
                        wavesWithoutProgress,
                        LIMIT.toSeconds());
            } else {
                LOG.warn(
                        "The resolver found no rest within {} s after a snapshot: clusters publish now",
                        CAP.toSeconds());
            }
            mail.send(new Message.Quiet(round));
        }
    }
}
