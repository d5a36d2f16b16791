package io.aurum.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.identity.Membership;
import io.aurum.identity.QualityReport;
import io.aurum.schemas.Conflict;
import io.aurum.schemas.GoldenCustomer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When the coordinator gives up waiting for rest after a snapshot: only once the messages in flight have reached no
 * new low both for {@link Quiescence#STALL_WAVES} waves and for {@link Quiescence#LIMIT}. A backlog makes waves slow
 * (one may take longer than the limit while the count still falls from wave to wave); without one, waves are quick.
 */
class QuiescenceTest {
    private static final long S = 1000;

    private final List<Message> sent = new ArrayList<>();
    private Quiescence coordinator;

    @BeforeEach
    void setUp() {
        coordinator = new Quiescence(Quiescence.COORDINATOR);
        coordinator.load(newStore());
        coordinator.met(1);
        coordinator.disturbed(); // a snapshot held every partition back
        coordinator.start(0, mail);
        assertThat(lastProbe()).isEqualTo(1);
    }

    @Test
    void aSlowWaveDuringABacklogDoesNotCountAsAStall() {
        wave(0, 50); // the first low: 50 in flight
        // One wave takes 40 s (its probes queued behind a backlog) and finds more in flight: not yet a stall.
        wave(40 * S, 60);
        coordinator.tick(41 * S, mail);
        assertThat(quiets()).isZero();
        // The next finds fewer than ever: progress, the count starts again.
        wave(80 * S, 20);
        wave(120 * S, 25);
        wave(160 * S, 30);
        coordinator.tick(161 * S, mail);
        assertThat(quiets()).as("two waves without a new low").isZero();
        wave(200 * S, 30);
        coordinator.tick(201 * S, mail);
        assertThat(quiets()).as("three waves and 120 s without a new low").isEqualTo(1);
    }

    @Test
    void quickWavesWithoutProgressWaitForTheTimeLimitToo() {
        wave(0, 50);
        for (int i = 1; i <= 10; i++) {
            wave(i * 100L, 50 + i); // changes keep arriving: never a new low
        }
        coordinator.tick(2 * S, mail);
        assertThat(quiets()).as("ten waves, but within 2 s").isZero();
        coordinator.tick(Quiescence.LIMIT.toMillis() + 1, mail);
        assertThat(quiets()).isEqualTo(1);
    }

    @Test
    void restIsFoundWhenTwoWavesAgreeAndNothingIsInFlight() {
        wave(0, 50);
        wave(S, 0);
        assertThat(quiets()).isZero();
        wave(2 * S, 0);
        assertThat(quiets()).isEqualTo(1);
    }

    /** What a partition counted and heard survives a restart: it saves only what changed, and that is enough. */
    @Test
    void aRestartedPartitionReadsBackItsCountsAndFlags() {
        KeyValueStore<String, Long> own = newStore();
        Quiescence p = new Quiescence(1);
        p.load(own);
        p.sent();
        p.sent();
        p.received();
        p.disturbed(); // a snapshot began: not quiet until the next rest
        p.save();
        p.received();
        p.save(); // only the received count changed
        Quiescence restarted = new Quiescence(1);
        restarted.load(own);
        assertThat(restarted.quiet()).isFalse();
        restarted.probe(new Message.Probe(8), false, mail);
        assertThat(sent.get(sent.size() - 1)).isEqualTo(new Message.Status(8, 1, 2, 2, false));
        // Rest found: the flag goes back, and so does that write.
        assertThat(restarted.quiet(new Message.Quiet(8))).isTrue();
        restarted.save();
        Quiescence again = new Quiescence(1);
        again.load(own);
        assertThat(again.quiet()).isTrue();
    }

    /** Both partitions answer the current wave; {@code inFlight} more messages were sent than received in all. */
    private void wave(long nowMs, long inFlight) {
        long round = lastProbe();
        coordinator.status(new Message.Status(round, 0, 1000, 1000, false), mail, nowMs);
        coordinator.status(new Message.Status(round, 1, 1000 + inFlight, 1000, false), mail, nowMs);
    }

    private static KeyValueStore<String, Long> newStore() {
        KeyValueStore<String, Long> s = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore("resolver-state"), Serdes.String(), Serdes.Long())
                .withLoggingDisabled()
                .withCachingDisabled()
                .build();
        s.init(new MockProcessorContext<>().getStateStoreContext(), s);
        return s;
    }

    private long lastProbe() {
        for (int i = sent.size() - 1; i >= 0; i--) {
            if (sent.get(i) instanceof Message.Probe p) {
                return p.round();
            }
        }
        return -1;
    }

    private long quiets() {
        return sent.stream().filter(m -> m instanceof Message.Quiet).count();
    }

    private final Mailbox mail = new Mailbox() {
        @Override
        public void send(Message message) {
            sent.add(message);
        }

        @Override
        public boolean holding() {
            return false;
        }

        @Override
        public void xref(String recordId, Membership membership) {}

        @Override
        public void redirect(String goldenId, RedirectTo redirect) {}

        @Override
        public void quality(String identifier, QualityReport report) {}

        @Override
        public void golden(String goldenId, GoldenCustomer golden) {}

        @Override
        public void conflict(String key, Conflict conflict) {}

        @Override
        public void event(Event event) {}
    };
}
