package io.aurum.identity;

import io.aurum.canonical.Identifiers;
import io.aurum.canonical.SourceRecord;
import io.aurum.config.PipelineConfig;
import io.aurum.identity.LpMessages.RecordInput;
import io.aurum.identity.LpMessages.Succession;
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
    /** Its state store (the topology names every store: {@code io.aurum.topology.Stores}). */
    private final String store;

    private final PipelineConfig config;
    private final Linking linking;
    private KeyValueStore<String, RecordNode> nodes;

    public RecordNodeProcessor(PipelineConfig config, String store) {
        this.store = store;
        this.config = config;
        this.linking = new Linking(config);
    }

    @Override
    public void init(ProcessorContext<String, LpOutput> context) {
        super.init(context);
        nodes = context.getStateStore(store);
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
            if (old == null || old.ghost()) {
                return;
            }
            for (String id : old.ids()) {
                send(record, id, new ToIdentifier(ToIdKind.LEAVE, rid, old.gen() + 1, null, null));
            }
            emit(record, LpOutput.event(IdentityEvent.membership(null)));
            // The deleted record's id is handed to its smallest linked neighbour, whose cluster it then follows.
            String heir = old.via().values().stream()
                    .filter(v -> v != null && !v.equals(rid))
                    .min(String::compareTo)
                    .orElse(null);
            nodes.put(
                    rid,
                    new RecordNode(
                            List.of(),
                            old.anchor(),
                            Map.of(),
                            old.gen() + 1,
                            old.anchor(),
                            Map.of(),
                            Map.of(),
                            Set.of(),
                            null,
                            null,
                            true,
                            heir,
                            null,
                            old.ancestors(),
                            null,
                            Map.of()));
            emit(record.withKey(GoldenIds.of(rid)), LpOutput.redirect(null));
            if (heir != null) {
                forwardTo(record, heir, new Succession(true, rid, null));
            } else {
                for (String ancestor : old.ancestors()) {
                    forwardTo(record, ancestor, new Succession(false, rid, null));
                }
            }
            return;
        }
        // A deleted record that comes back speaks for its own id again, and keeps the ids handed to it.
        Set<String> ancestors = old == null ? Set.of() : old.ancestors();
        long ghostGen = old != null && old.ghost() ? old.gen() : -1;
        if (old != null && old.ghost()) {
            old = null;
        }
        List<String> ids = new ArrayList<>(source.identifiers());
        ids.add(Identifiers.LINK_PREFIX + rid);
        ids.sort(null);
        Anchor anchor = IdNode.of(config, linking, source).anchor();
        Map<String, String> features = linking.features(source);
        if (old != null
                && old.ids().equals(ids)
                && old.anchor().equals(anchor)
                && old.features().equals(features)) {
            return;
        }
        long gen;
        Map<String, Anchor> offers = new TreeMap<>();
        Map<String, String> via = new TreeMap<>();
        Anchor label;
        boolean stale = old != null
                && (!ids.containsAll(old.ids())
                        || anchor.compareTo(old.anchor()) > 0
                        || !features.equals(old.features()));
        if (old == null || stale) {
            gen = old == null ? Math.max(0, ghostGen) : old.gen() + 1;
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
        nodes.put(
                rid,
                new RecordNode(
                        ids,
                        anchor,
                        features,
                        gen,
                        label,
                        offers,
                        via,
                        new TreeSet<>(ids),
                        old == null ? null : old.goldenId(),
                        old == null ? null : old.reason(),
                        false,
                        null,
                        null,
                        ancestors,
                        old == null ? null : old.anchorOf(),
                        old == null ? Map.of() : old.departed()));
    }

    private void message(Record<String, RecordInput> record, ToRecord m) {
        if (m.succession() != null) {
            succession(record, m.succession());
            return;
        }
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
            Set<String> ancestors = node.ancestors();
            if (!Objects.equals(g, goldenId) || !Objects.equals(r, reason)) {
                String leftAnchor = node.anchorOf();
                if (goldenId != null
                        && !g.equals(goldenId)
                        && leftAnchor != null
                        && !leftAnchor.equals(rid)
                        && !leftAnchor.equals(label.recordId())) {
                    // This record left the cluster anchored by leftAnchor: that anchor follows it from now on, so
                    // its id can say which clusters split off from it.
                    ancestors = new TreeSet<>(ancestors);
                    ancestors.add(leftAnchor);
                    forwardTo(record, leftAnchor, new Succession(false, rid, g, true));
                }
                goldenId = g;
                reason = r;
                emit(record, LpOutput.event(IdentityEvent.membership(new Membership(g, r))));
                emit(record.withKey(GoldenIds.of(rid)), LpOutput.redirect(ownRedirect(rid, g, r, node.departed())));
                for (String ancestor : node.ancestors()) {
                    forwardTo(record, ancestor, new Succession(false, rid, g));
                }
            }
            node = node.with(ancestors, node.departed());
        }
        nodes.put(
                rid,
                new RecordNode(
                        node.ids(),
                        node.anchor(),
                        node.features(),
                        gen,
                        label,
                        offers,
                        via,
                        pending,
                        goldenId,
                        reason,
                        false,
                        null,
                        null,
                        node.ancestors(),
                        pending.isEmpty() ? label.recordId() : node.anchorOf(),
                        node.departed()));
    }

    /**
     * The ids of deleted records. A deleted record's node stays as a ghost that names an heir; the heir tells its
     * ancestors its golden id whenever it changes, and a ghost passes that on to its own ancestors, so a chain of
     * deletions always leads to the current id.
     */
    private void succession(Record<String, RecordInput> record, Succession s) {
        String rid = record.key();
        RecordNode node = nodes.get(rid);
        if (s.adopt()) {
            if (node == null) {
                return;
            }
            Set<String> ancestors = new TreeSet<>(node.ancestors());
            ancestors.add(s.from());
            nodes.put(rid, node.with(ancestors, node.departed()));
            String current = node.ghost() ? node.target() : node.goldenId();
            if (current != null) {
                forwardTo(record, s.from(), new Succession(false, rid, current));
            }
            return;
        }
        if (node != null && !node.ghost() && (s.departure() || node.departed().containsKey(s.from()))) {
            // A record that left this anchor's cluster moved: it split off (or moved on), came back, or is gone.
            Map<String, String> departed = new TreeMap<>(node.departed());
            if (s.target() == null || s.target().equals(GoldenIds.of(rid))) {
                departed.remove(s.from());
            } else {
                departed.put(s.from(), s.target());
            }
            if (!departed.equals(node.departed())) {
                nodes.put(rid, node.with(node.ancestors(), departed));
                if (node.goldenId() != null) {
                    emit(
                            record.withKey(GoldenIds.of(rid)),
                            LpOutput.redirect(ownRedirect(rid, node.goldenId(), node.reason(), departed)));
                }
            }
            return;
        }
        if (node == null || !node.ghost() || !Objects.equals(s.from(), node.heir())) {
            return;
        }
        nodes.put(
                rid,
                new RecordNode(
                        node.ids(),
                        node.anchor(),
                        node.features(),
                        node.gen(),
                        node.label(),
                        node.offers(),
                        node.via(),
                        node.pending(),
                        null,
                        null,
                        true,
                        node.heir(),
                        s.target(),
                        node.ancestors(),
                        null,
                        Map.of()));
        emit(
                record.withKey(GoldenIds.of(rid)),
                LpOutput.redirect(
                        s.target() == null
                                ? null
                                : new LpOutput.RedirectTo(
                                        s.target(), rid, "deleted; continued by " + node.heir(), List.of())));
        for (String ancestor : node.ancestors()) {
            forwardTo(record, ancestor, new Succession(false, rid, s.target()));
        }
    }

    /**
     * Where a record's own id leads: to the cluster it is in when that has another id; when the record anchors its
     * cluster, to itself with the clusters that split off from it, or nowhere (a tombstone) when none did.
     */
    private static LpOutput.RedirectTo ownRedirect(
            String rid, String goldenId, String reason, Map<String, String> departed) {
        String own = GoldenIds.of(rid);
        if (!goldenId.equals(own)) {
            return new LpOutput.RedirectTo(goldenId, rid, reason, List.of());
        }
        List<String> splitInto = departed.values().stream()
                .filter(v -> !v.equals(own))
                .distinct()
                .sorted()
                .toList();
        return splitInto.isEmpty() ? null : new LpOutput.RedirectTo(own, rid, "split", splitInto);
    }

    /** Stamped with the task's stream time, so each key's outputs arrive in time order downstream. */
    private void emit(Record<String, RecordInput> record, LpOutput out) {
        context()
                .forward(record.withTimestamp(
                                Math.max(record.timestamp(), context().currentStreamTimeMs()))
                        .withValue(out));
    }

    private void forwardTo(Record<String, RecordInput> record, String recordId, Succession s) {
        context()
                .forward(record.withKey(recordId)
                        .withValue(LpOutput.toRecord(new ToRecord(null, 0, false, false, null, null, s))));
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
