package io.aurum.identity;

import io.aurum.canonical.Identifiers;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The identity graph as connected components: records are nodes, and two records are adjacent when they share an
 * identifier that links them (see {@link Linking}) or one links to the other. Backed by whatever holds the nodes
 * and the identifier index (state stores in the stream, maps in the reference model), so both compute clusters,
 * anchors and reasons with the same code.
 */
public abstract class IdentityGraph {
    private final Linking linking;

    protected IdentityGraph(Linking linking) {
        this.linking = linking;
    }

    /** The node of a record, or null when the record does not exist (deleted, or never seen). */
    protected abstract IdNode node(String recordId);

    /** The records that hold an identifier. */
    protected abstract Collection<String> holders(String identifier);

    /** Every record reachable from {@code seed}, including itself, in sorted order. */
    public Set<String> component(String seed) {
        Set<String> seen = new TreeSet<>();
        Deque<String> queue = new ArrayDeque<>();
        seen.add(seed);
        queue.add(seed);
        while (!queue.isEmpty()) {
            String current = queue.poll();
            for (String next : neighbours(current)) {
                if (seen.add(next)) {
                    queue.add(next);
                }
            }
        }
        return seen;
    }

    /** The holders of {@code identifier} that it links {@code recordId} to (without the record itself). */
    private Collection<String> linkedBy(String identifier, String recordId, IdNode node) {
        Collection<String> holders = holders(identifier);
        if (!linking.active(identifier, holders.size())) {
            return List.of();
        }
        List<String> out = new java.util.ArrayList<>();
        for (String holder : holders) {
            if (!holder.equals(recordId) && linking.linksPair(identifier, node, node(holder))) {
                out.add(holder);
            }
        }
        return out;
    }

    private Set<String> neighbours(String recordId) {
        Set<String> out = new TreeSet<>();
        IdNode node = node(recordId);
        if (node != null) {
            for (String identifier : node.identifiers()) {
                out.addAll(linkedBy(identifier, recordId, node));
                if (Identifiers.isLink(identifier)) {
                    String target = Identifiers.linkTarget(identifier);
                    if (node(target) != null) {
                        out.add(target);
                    }
                }
            }
        }
        out.addAll(holders(Identifiers.LINK_PREFIX + recordId));
        out.remove(recordId);
        return out;
    }

    /**
     * The membership every record of one component should have: the golden id of its anchor, and for each member
     * the first of its identifiers (in sorted order) that links it to another member.
     */
    public Map<String, Membership> assign(Set<String> component, UnaryOperator<String> mask) {
        Anchor anchor = null;
        for (String recordId : component) {
            Anchor a = node(recordId).anchor();
            if (anchor == null || a.compareTo(anchor) < 0) {
                anchor = a;
            }
        }
        String goldenId = GoldenIds.of(anchor.recordId());
        Map<String, Membership> out = new LinkedHashMap<>();
        for (String recordId : component) {
            out.put(
                    recordId,
                    new Membership(goldenId, component.size() == 1 ? null : reason(recordId, component, mask)));
        }
        return out;
    }

    private String reason(String recordId, Set<String> component, UnaryOperator<String> mask) {
        IdNode node = node(recordId);
        for (String identifier : node.identifiers()) {
            boolean linked = !linkedBy(identifier, recordId, node).isEmpty();
            if (!linked && Identifiers.isLink(identifier)) {
                String target = Identifiers.linkTarget(identifier);
                linked = !target.equals(recordId) && node(target) != null;
            }
            if (linked) {
                return mask.apply(identifier);
            }
        }
        for (String holder : new TreeSet<>(holders(Identifiers.LINK_PREFIX + recordId))) {
            if (!holder.equals(recordId)) {
                return "linked from " + holder;
            }
        }
        return null;
    }

    /** The quality issue an identifier has with its current holders, or null when it links normally. */
    public QualityReport quality(String identifier) {
        String key = Identifiers.keyName(identifier);
        Collection<String> holders = holders(identifier);
        if (key == null || holders.isEmpty()) {
            return null;
        }
        String kind = linking.blocklisted(identifier)
                ? "BLOCKLISTED"
                : holders.size() > linking.limit(identifier) ? "HUB" : null;
        if (kind == null) {
            return null;
        }
        List<String> sample =
                new TreeSet<>(holders).stream().limit(QualityReport.SAMPLE).toList();
        return new QualityReport(
                kind, key, Identifiers.value(identifier), holders.size(), linking.limit(identifier), sample);
    }
}
