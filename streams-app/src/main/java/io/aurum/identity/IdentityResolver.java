package io.aurum.identity;

import io.aurum.canonical.Identifiers;
import io.aurum.canonical.SourceRecord;
import io.aurum.config.PipelineConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * First identity stage: incremental connected components over the whole identity graph, held in two state
 * stores (records and an identifier index). When a record's identifiers change, every component it touched
 * before or touches now is recomputed, as is every component joined through an identifier whose linking changed
 * (a value that just became, or stopped being, a hub), and only memberships that changed are forwarded. A whole
 * component is settled in one step, so an insert that joins a cluster never shows up as a customer of its own.
 *
 * <p>It sees every record, so the topology feeds it through a single-partition topic. That is correct and order
 * independent, but it is the one place that does not scale out; a partitioned resolver replaces it behind the
 * same contract (record changes in, memberships keyed by record id and quality reports out).
 */
public final class IdentityResolver extends ContextualProcessor<String, SourceRecord, String, IdentityEvent> {
    public static final String NODES = "identity-nodes";
    public static final String INDEX = "identity-index";

    private final PipelineConfig config;
    private final Linking linking;
    private KeyValueStore<String, IdNode> nodes;
    private KeyValueStore<String, List<String>> index;
    private IdentityGraph graph;

    public IdentityResolver(PipelineConfig config) {
        this.config = config;
        this.linking = new Linking(config);
    }

    static IdNode nodeOf(PipelineConfig config, Linking linking, SourceRecord r) {
        Anchor anchor = new Anchor(r.createdAt(), config.priorityOf(r.system()), r.source(), r.key());
        return new IdNode(r.identifiers(), anchor, linking.features(r), null, null);
    }

    @Override
    public void init(ProcessorContext<String, IdentityEvent> context) {
        super.init(context);
        nodes = context.getStateStore(NODES);
        index = context.getStateStore(INDEX);
        graph = new IdentityGraph(linking) {
            @Override
            protected IdNode node(String recordId) {
                return nodes.get(recordId);
            }

            @Override
            protected Collection<String> holders(String identifier) {
                List<String> holders = index.get(identifier);
                return holders == null ? List.of() : holders;
            }
        };
    }

    @Override
    public void process(Record<String, SourceRecord> record) {
        String recordId = record.key();
        IdNode old = nodes.get(recordId);
        SourceRecord source = record.value();
        IdNode fresh = source == null ? null : nodeOf(config, linking, source);
        if (old == null && fresh == null) {
            return;
        }
        if (fresh != null && fresh.sameShape(old)) {
            return;
        }
        // Memberships of other records change because of this one; stamping them with the task's stream time keeps
        // every key's timestamps increasing, as the downstream KTable expects.
        Record<String, ?> trigger = record.withTimestamp(Math.max(record.timestamp(), context().currentStreamTimeMs()));
        List<String> oldIds = old == null ? List.of() : old.identifiers();
        List<String> newIds = fresh == null ? List.of() : fresh.identifiers();
        Set<String> changed = new TreeSet<>(oldIds);
        changed.addAll(newIds);
        changed.removeIf(id -> oldIds.contains(id) && newIds.contains(id) && fresh.features().equals(old.features()));

        // Everyone the record was connected to before: after a removal they may form separate clusters.
        Set<String> seeds = new TreeSet<>();
        if (old != null) {
            seeds.addAll(graph.component(recordId));
            seeds.remove(recordId);
        }
        Map<String, QualityReport> qualityBefore = new HashMap<>();
        for (String identifier : changed) {
            qualityBefore.put(identifier, graph.quality(identifier));
            Collection<String> holders = graph.holders(identifier);
            // Holders joined through this identifier before the change: if it stops linking, they may split.
            if (linking.active(identifier, holders.size())) {
                seeds.addAll(holders);
            }
        }

        for (String identifier : changed) {
            updateIndex(identifier, recordId, newIds.contains(identifier));
        }
        if (fresh == null) {
            nodes.delete(recordId);
            seeds.remove(recordId);
            context().forward(trigger.withKey(recordId).withValue(IdentityEvent.membership(null)));
        } else {
            nodes.put(recordId, old == null ? fresh : fresh.withMembership(old.goldenId(), old.reason()));
            seeds.add(recordId);
        }
        for (String identifier : changed) {
            QualityReport after = graph.quality(identifier);
            if (!Objects.equals(after, qualityBefore.get(identifier))) {
                context().forward(trigger.withKey(identifier).withValue(IdentityEvent.quality(after)));
            }
            Collection<String> holders = graph.holders(identifier);
            // Holders joined through it now: a value that stopped being a hub merges them.
            if (linking.active(identifier, holders.size())) {
                seeds.addAll(holders);
            }
        }

        Set<String> done = new HashSet<>();
        for (String seed : seeds) {
            if (done.contains(seed) || nodes.get(seed) == null) {
                continue;
            }
            Set<String> component = graph.component(seed);
            done.addAll(component);
            for (Map.Entry<String, Membership> e : graph.assign(component, id -> Identifiers.masked(config, id)).entrySet()) {
                IdNode node = nodes.get(e.getKey());
                Membership m = e.getValue();
                if (!Objects.equals(node.goldenId(), m.goldenId()) || !Objects.equals(node.reason(), m.reason())) {
                    nodes.put(e.getKey(), node.withMembership(m.goldenId(), m.reason()));
                    context().forward(trigger.withKey(e.getKey()).withValue(IdentityEvent.membership(m)));
                }
            }
        }
    }

    /** Keeps each identifier's holder list sorted by record id. */
    private void updateIndex(String identifier, String recordId, boolean present) {
        List<String> holders = index.get(identifier);
        List<String> next = holders == null ? new ArrayList<>() : new ArrayList<>(holders);
        if (present) {
            // Sorted, so that every walk over holders (reasons, samples) is independent of arrival order.
            int at = java.util.Collections.binarySearch(next, recordId);
            if (at < 0) {
                next.add(-at - 1, recordId);
            }
        } else {
            next.remove(recordId);
        }
        if (next.isEmpty()) {
            index.delete(identifier);
        } else {
            index.put(identifier, next);
        }
    }
}
