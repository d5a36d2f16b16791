package io.aurum.identity;

import io.aurum.canonical.Identifiers;
import io.aurum.canonical.SourceRecord;
import io.aurum.config.PipelineConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The batch reference model: the same rules as the streaming identity stage, as a plain function from the
 * current set of source records to memberships. Tests compare the stream against it, and an audit of a running
 * deployment can too.
 */
public final class ReferenceResolver {
    private final PipelineConfig config;
    private final Linking linking;

    public ReferenceResolver(PipelineConfig config) {
        this.config = config;
        this.linking = new Linking(config);
    }

    /** Membership of every record, by record id, in record id order. */
    public Map<String, Membership> resolve(Collection<SourceRecord> records) {
        return resolve(records, new TreeMap<>());
    }

    /**
     * As {@link #resolve(Collection)}, and puts in {@code conflicts} the cannot-links that must-links overrule
     * (keyed by the cannot-link identifier, as on customers.quality).
     */
    public Map<String, Membership> resolve(Collection<SourceRecord> records, Map<String, QualityReport> conflicts) {
        Map<String, IdNode> nodes = new HashMap<>();
        Map<String, List<String>> index = new HashMap<>();
        for (SourceRecord r : records) {
            nodes.put(r.recordId(), IdNode.of(config, linking, r));
            for (String identifier : r.identifiers()) {
                index.computeIfAbsent(identifier, k -> new ArrayList<>()).add(r.recordId());
            }
        }
        index.values().forEach(java.util.Collections::sort);
        IdentityGraph graph = new IdentityGraph(linking) {
            @Override
            protected IdNode node(String recordId) {
                return nodes.get(recordId);
            }

            @Override
            protected Collection<String> holders(String identifier) {
                return index.getOrDefault(identifier, List.of());
            }
        };
        Map<String, Membership> out = new TreeMap<>();
        Set<String> done = new TreeSet<>();
        for (String recordId : new TreeSet<>(nodes.keySet())) {
            if (done.contains(recordId)) {
                continue;
            }
            Set<String> component = graph.component(recordId);
            done.addAll(component);
            graph.clusters(component, Linking.RULE, (cluster, tier) -> {
                out.putAll(graph.assign(cluster, tier, id -> Identifiers.masked(config, id)));
                if (tier == Linking.MUST_LINK) {
                    for (String cannot : graph.violated(cluster)) {
                        conflicts.put(cannot, IdentityGraph.conflict(cannot, index.get(cannot)));
                    }
                }
            });
        }
        return out;
    }
}
