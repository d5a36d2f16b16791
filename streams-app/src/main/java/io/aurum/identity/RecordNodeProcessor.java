package io.aurum.identity;

import io.aurum.canonical.Identifiers;
import io.aurum.canonical.SourceRecord;
import io.aurum.config.PipelineConfig;
import io.aurum.identity.LpMessages.RecordInput;
import io.aurum.identity.LpMessages.ToIdKind;
import io.aurum.identity.LpMessages.ToIdentifier;
import io.aurum.identity.LpMessages.ToRecord;
import io.aurum.identity.LpState.RecordNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The record side of the partitioned resolver (keyed by record id). A record's label is the smallest of its own
 * anchor and what its identifiers offer; its golden id is the hash of its label. A change that can make its old
 * label stale somewhere (an identifier dropped, its anchor getting later, its compared attributes changing) starts
 * a new generation. Memberships are emitted only when every identifier has answered the record's latest label, so
 * a record joining a settled cluster is never published on its own.
 */
public final class RecordNodeProcessor extends ContextualProcessor<String, RecordInput, String, LpOutput> {
    public static final String STORE = "identity-records";

    private final PipelineConfig config;
    private final Linking linking;
    private KeyValueStore<String, RecordNode> nodes;

    public RecordNodeProcessor(PipelineConfig config) {
        this.config = config;
        this.linking = new Linking(config);
    }

    @Override
    public void init(ProcessorContext<String, LpOutput> context) {
        super.init(context);
        nodes = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, RecordInput> record) {
        if (record.value().change()) {
            change(record, record.value().record());
        } else {
            message(record, record.value().message());
        }
    }

    private void change(Record<String, RecordInput> record, SourceRecord source) {
        String rid = record.key();
        RecordNode old = nodes.get(rid);
        if (source == null) {
            if (old == null) {
                return;
            }
            for (String id : old.ids()) {
                send(record, id, new ToIdentifier(ToIdKind.LEAVE, rid, old.gen() + 1, null, null));
            }
            nodes.delete(rid);
            context().forward(record.withTimestamp(Math.max(record.timestamp(), context().currentStreamTimeMs()))
                    .withValue(LpOutput.event(IdentityEvent.membership(null))));
            return;
        }
        List<String> ids = new ArrayList<>(source.identifiers());
        ids.add(Identifiers.LINK_PREFIX + rid);
        ids.sort(null);
        Anchor anchor = IdNode.of(config, linking, source).anchor();
        Map<String, String> features = linking.features(source);
        if (old != null && old.ids().equals(ids) && old.anchor().equals(anchor) && old.features().equals(features)) {
            return;
        }
        long gen;
        Map<String, Anchor> offers = new TreeMap<>();
        Map<String, String> via = new TreeMap<>();
        Anchor label;
        boolean stale = old != null && (!ids.containsAll(old.ids()) || anchor.compareTo(old.anchor()) > 0
                || !features.equals(old.features()));
        if (old == null || stale) {
            gen = old == null ? 0 : old.gen() + 1;
            label = anchor;
            if (old != null) {
                for (String id : old.ids()) {
                    if (!ids.contains(id)) {
                        send(record, id, new ToIdentifier(ToIdKind.LEAVE, rid, gen, null, null));
                    }
                }
            }
        } else {
            gen = old.gen();
            offers.putAll(old.offers());
            via.putAll(old.via());
            label = min(anchor, offers);
        }
        for (String id : ids) {
            send(record, id, new ToIdentifier(ToIdKind.JOIN, rid, gen, label, features));
        }
        nodes.put(rid, new RecordNode(ids, anchor, features, gen, label, offers, via, new TreeSet<>(ids),
                old == null ? null : old.goldenId(), old == null ? null : old.reason()));
    }

    private void message(Record<String, RecordInput> record, ToRecord m) {
        String rid = record.key();
        RecordNode node = nodes.get(rid);
        if (node == null || !node.ids().contains(m.identifier()) || m.gen() < node.gen()) {
            return;
        }
        long gen = node.gen();
        Anchor label = node.label();
        Map<String, Anchor> offers = new TreeMap<>(node.offers());
        Map<String, String> via = new TreeMap<>(node.via());
        Set<String> pending = new TreeSet<>(node.pending());
        boolean announce = false;
        if (m.gen() > gen) {
            // A newer generation reached this record: forget everything learnt before and start from its anchor.
            gen = m.gen();
            offers.clear();
            via.clear();
            label = node.anchor();
            announce = true;
        } else if (m.reset()) {
            return;
        }
        if (!m.reset()) {
            if (m.ack()) {
                pending.remove(m.identifier());
            }
            if (m.label() != null) {
                Anchor before = offers.get(m.identifier());
                if (before == null || m.label().compareTo(before) < 0) {
                    offers.put(m.identifier(), m.label());
                }
                via.put(m.identifier(), m.via());
            }
            Anchor best = min(node.anchor(), offers);
            if (best.compareTo(label) < 0) {
                label = best;
                announce = true;
            }
        }
        if (announce) {
            pending.addAll(node.ids());
            for (String id : node.ids()) {
                send(record, id, new ToIdentifier(ToIdKind.LABEL, rid, gen, label, null));
            }
        }
        String goldenId = node.goldenId();
        String reason = node.reason();
        if (pending.isEmpty()) {
            String g = GoldenIds.of(label.recordId());
            String r = reason(rid, node.ids(), offers, via);
            if (!Objects.equals(g, goldenId) || !Objects.equals(r, reason)) {
                goldenId = g;
                reason = r;
                // Stamped with the task's stream time, so each record's memberships arrive in time order downstream.
                context().forward(record.withTimestamp(Math.max(record.timestamp(), context().currentStreamTimeMs()))
                        .withValue(LpOutput.event(IdentityEvent.membership(new Membership(g, r)))));
            }
        }
        nodes.put(rid, new RecordNode(node.ids(), node.anchor(), node.features(), gen, label, offers, via, pending,
                goldenId, reason));
    }

    /** The first identifier (in sorted order) that links the record to someone, as the reference model has it. */
    private String reason(String rid, List<String> ids, Map<String, Anchor> offers, Map<String, String> via) {
        String self = Identifiers.LINK_PREFIX + rid;
        for (String id : ids) {
            if (!id.equals(self) && offers.containsKey(id)) {
                return Identifiers.masked(config, id);
            }
        }
        return offers.containsKey(self) ? "linked from " + via.get(self) : null;
    }

    private static Anchor min(Anchor anchor, Map<String, Anchor> offers) {
        Anchor best = anchor;
        for (Anchor a : offers.values()) {
            if (a.compareTo(best) < 0) {
                best = a;
            }
        }
        return best;
    }

    private void send(Record<String, RecordInput> record, String identifier, ToIdentifier message) {
        context().forward(record.withKey(identifier).withValue(LpOutput.toIdentifier(message)));
    }

    @SuppressWarnings("unused")
    private static Map<String, Anchor> copy(Map<String, Anchor> m) {
        return new HashMap<>(m);
    }
}
