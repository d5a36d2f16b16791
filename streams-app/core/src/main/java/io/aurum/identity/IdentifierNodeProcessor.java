package io.aurum.identity;

import io.aurum.canonical.Identifiers;
import io.aurum.config.PipelineConfig;
import io.aurum.identity.LpMessages.ToIdKind;
import io.aurum.identity.LpMessages.ToIdentifier;
import io.aurum.identity.LpMessages.ToRecord;
import io.aurum.identity.LpState.Holder;
import io.aurum.identity.LpState.IdentifierNode;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The identifier side of the partitioned resolver (keyed by identifier). It knows the records that hold its value
 * and their labels in its generation, and offers each holder the best label among the holders it links it to.
 * Anything that can make a label stale here (a holder leaving, a holder's compared attributes changing, the value
 * becoming a hub) starts a new generation, which resets every holder.
 */
public final class IdentifierNodeProcessor extends ContextualProcessor<String, ToIdentifier, String, LpOutput> {
    /** Its state store (the topology names every store: {@code io.aurum.topology.Stores}). */
    private final String store;

    private final Linking linking;
    private KeyValueStore<String, IdentifierNode> nodes;

    public IdentifierNodeProcessor(PipelineConfig config, String store) {
        this.store = store;
        this.linking = new Linking(config);
    }

    @Override
    public void init(ProcessorContext<String, LpOutput> context) {
        super.init(context);
        nodes = context.getStateStore(store);
    }

    @Override
    public void process(Record<String, ToIdentifier> record) {
        String id = record.key();
        ToIdentifier m = record.value();
        IdentifierNode stored = nodes.get(id);
        long gen = stored == null ? m.gen() : stored.gen();
        Map<String, Holder> holders = stored == null ? new TreeMap<>() : new TreeMap<>(stored.holders());
        boolean wasActive = stored == null || stored.active();
        QualityReport qualityBefore = quality(id, holders);

        if (m.kind() == ToIdKind.LEAVE
                || (m.kind() == ToIdKind.JOIN
                        && holders.containsKey(m.recordId())
                        && !Objects.equals(holders.get(m.recordId()).features(), m.features()))) {
            // A holder left, or changed what it is compared on: labels that crossed here may be stale.
            if (m.kind() == ToIdKind.LEAVE) {
                holders.remove(m.recordId());
            } else {
                holders.put(m.recordId(), new Holder(m.label(), m.features()));
            }
            gen = Math.max(gen + 1, m.gen());
            reset(record, id, gen, holders, m.kind() == ToIdKind.JOIN ? m.recordId() : null);
            if (m.kind() == ToIdKind.JOIN) {
                holders.put(m.recordId(), new Holder(m.gen() == gen ? m.label() : null, m.features()));
                if (m.gen() != gen) {
                    send(record, m.recordId(), new ToRecord(id, gen, true, false, null, null));
                }
            }
            finish(
                    record,
                    id,
                    gen,
                    holders,
                    qualityBefore,
                    m.kind() == ToIdKind.JOIN && m.gen() == gen ? m.recordId() : null);
            return;
        }
        if (m.gen() > gen) {
            gen = m.gen();
            reset(record, id, gen, holders, m.recordId());
        } else if (m.gen() < gen) {
            // The sender lags behind this identifier's generation: pull it in; its label is from an older one.
            Map<String, String> features = m.kind() == ToIdKind.JOIN
                    ? m.features()
                    : holders.containsKey(m.recordId())
                            ? holders.get(m.recordId()).features()
                            : null;
            if (features != null) {
                holders.put(m.recordId(), new Holder(null, features));
            }
            send(record, m.recordId(), new ToRecord(id, gen, true, false, null, null));
            finish(record, id, gen, holders, qualityBefore, null);
            return;
        }
        Holder previous = holders.get(m.recordId());
        if (m.kind() == ToIdKind.LABEL && previous == null) {
            return;
        }
        holders.put(
                m.recordId(),
                new Holder(
                        m.label(),
                        m.kind() == ToIdKind.JOIN ? m.features() : previous.features(),
                        previous == null ? null : previous.offered(),
                        previous == null ? null : previous.via()));
        boolean active = linking.active(id, holders.size());
        if (wasActive && !active) {
            // Just became a hub: whatever it linked must be recomputed without it.
            gen = gen + 1;
            reset(record, id, gen, holders, null);
        }
        finish(record, id, gen, holders, qualityBefore, m.recordId());
    }

    /** Starts generation {@code gen}: forget every label and tell every holder (but {@code except}) to resend. */
    private void reset(
            Record<String, ToIdentifier> record, String id, long gen, Map<String, Holder> holders, String except) {
        for (Map.Entry<String, Holder> e : holders.entrySet()) {
            e.setValue(new Holder(null, e.getValue().features()));
            if (!e.getKey().equals(except)) {
                send(record, e.getKey(), new ToRecord(id, gen, true, false, null, null));
            }
        }
    }

    /** Answers the sender, offers improvements to the others, stores, and reports quality changes. */
    private void finish(
            Record<String, ToIdentifier> record,
            String id,
            long gen,
            Map<String, Holder> holders,
            QualityReport qualityBefore,
            String sender) {
        boolean active = linking.active(id, holders.size());
        if (sender != null) {
            Holder s = holders.get(sender);
            if (!active) {
                send(record, sender, new ToRecord(id, gen, false, true, null, null));
            } else {
                ToRecord ack = offer(id, gen, sender, holders, true);
                send(record, sender, ack);
                holders.put(sender, s.offered(ack.label(), ack.via()));
                // Within a generation labels only fall and holders only join, so the sender's label is the only
                // news for the others: tell those it linked to when it improves their best offer or explanation.
                for (Map.Entry<String, Holder> e : holders.entrySet()) {
                    Holder h = e.getValue();
                    if (e.getKey().equals(sender) || h.label() == null || s.label() == null || !linked(id, h, s)) {
                        continue;
                    }
                    ToRecord news;
                    if (h.offered() == null) {
                        news = offer(id, gen, e.getKey(), holders, false);
                    } else {
                        Anchor best = s.label().compareTo(h.offered()) < 0 ? s.label() : h.offered();
                        String via = h.via() == null || sender.compareTo(h.via()) < 0 ? sender : h.via();
                        if (best.equals(h.offered()) && via.equals(h.via())) {
                            continue;
                        }
                        news = new ToRecord(id, gen, false, false, best, via);
                    }
                    send(record, e.getKey(), news);
                    e.setValue(h.offered(news.label(), news.via()));
                }
            }
        }
        if (holders.isEmpty()) {
            nodes.delete(id);
        } else {
            nodes.put(id, new IdentifierNode(gen, holders, active));
        }
        QualityReport after = quality(id, holders);
        if (!Objects.equals(after, qualityBefore)) {
            context().forward(record.withValue(LpOutput.event(IdentityEvent.quality(after))));
        }
    }

    private boolean linked(String id, Holder a, Holder b) {
        return linking.linksPair(id, a.features(), b.features());
    }

    /** The best label among the holders {@code target} is linked to here, and the smallest of them. */
    private ToRecord offer(String id, long gen, String target, Map<String, Holder> holders, boolean ack) {
        Holder t = holders.get(target);
        Anchor best = null;
        String via = null;
        for (Map.Entry<String, Holder> e : holders.entrySet()) {
            Holder h = e.getValue();
            if (e.getKey().equals(target) || !linked(id, t, h)) {
                continue;
            }
            if (via == null) {
                via = e.getKey();
            }
            if (h.label() != null && (best == null || h.label().compareTo(best) < 0)) {
                best = h.label();
            }
        }
        return new ToRecord(id, gen, false, ack, best, via);
    }

    private void send(Record<String, ToIdentifier> record, String recordId, ToRecord message) {
        context().forward(record.withKey(recordId).withValue(LpOutput.toRecord(message)));
    }

    private QualityReport quality(String id, Map<String, Holder> holders) {
        String key = Identifiers.keyName(id);
        if (key == null || holders.isEmpty()) {
            return null;
        }
        String kind = linking.blocklisted(id) ? "BLOCKLISTED" : holders.size() > linking.limit(id) ? "HUB" : null;
        if (kind == null) {
            return null;
        }
        return new QualityReport(
                kind,
                key,
                Identifiers.value(id),
                holders.size(),
                linking.limit(id),
                holders.keySet().stream().limit(QualityReport.SAMPLE).toList());
    }
}
