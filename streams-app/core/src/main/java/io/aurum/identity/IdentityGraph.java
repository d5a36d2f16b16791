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
import java.util.function.BiConsumer;
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
        return component(seed, Linking.RULE);
    }

    /**
     * Every record reachable from {@code seed} over identifiers of tier {@code minTier} or more (see
     * {@link Linking#tier}), including itself, in sorted order.
     */
    public Set<String> component(String seed, int minTier) {
        Set<String> seen = new TreeSet<>();
        Deque<String> queue = new ArrayDeque<>();
        seen.add(seed);
        queue.add(seed);
        while (!queue.isEmpty()) {
            String current = queue.poll();
            for (String next : neighbours(current, minTier)) {
                if (seen.add(next)) {
                    queue.add(next);
                }
            }
        }
        return seen;
    }

    /** The holders of {@code identifier} that it links {@code recordId} to (without the record itself). */
    private Collection<String> linkedBy(String identifier, String recordId, IdNode node, int minTier) {
        if (linking.tier(identifier) < minTier) {
            return List.of();
        }
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

    private Set<String> neighbours(String recordId, int minTier) {
        Set<String> out = new TreeSet<>();
        IdNode node = node(recordId);
        if (node != null) {
            for (String identifier : node.identifiers()) {
                out.addAll(linkedBy(identifier, recordId, node, minTier));
                if (Identifiers.isLink(identifier) && minTier <= Linking.LINK) {
                    String target = Identifiers.linkTarget(identifier);
                    if (node(target) != null) {
                        out.add(target);
                    }
                }
            }
        }
        if (minTier <= Linking.LINK) {
            out.addAll(holders(Identifiers.LINK_PREFIX + recordId));
        }
        out.remove(recordId);
        return out;
    }

    /**
     * The membership every record of one component should have: the golden id of its anchor, and for each member
     * the first of its identifiers (in sorted order) that links it to another member.
     */
    public Map<String, Membership> assign(Set<String> component, UnaryOperator<String> mask) {
        return assign(component, Linking.RULE, mask);
    }

    /**
     * As {@link #assign(Set, UnaryOperator)} for a cluster cut at tier {@code minTier}: {@code component} is a
     * component over identifiers of tier {@code minTier} or more, and a reason is one of those.
     */
    public Map<String, Membership> assign(Set<String> component, int minTier, UnaryOperator<String> mask) {
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
            out.put(recordId, new Membership(goldenId, component.size() == 1 ? null : reason(recordId, minTier, mask)));
        }
        return out;
    }

    private String reason(String recordId, int minTier, UnaryOperator<String> mask) {
        IdNode node = node(recordId);
        for (String identifier : node.identifiers()) {
            boolean linked = !linkedBy(identifier, recordId, node, minTier).isEmpty();
            if (!linked && Identifiers.isLink(identifier) && minTier <= Linking.LINK) {
                String target = Identifiers.linkTarget(identifier);
                linked = !target.equals(recordId) && node(target) != null;
            }
            if (linked) {
                return mask.apply(identifier);
            }
        }
        for (String holder : new TreeSet<>(holders(Identifiers.LINK_PREFIX + recordId))) {
            if (!holder.equals(recordId) && minTier <= Linking.LINK) {
                return "linked from " + holder;
            }
        }
        return null;
    }

    /**
     * The clusters of one component (over every tier): the component itself unless it holds both records of a
     * cannot-link; then the components over the next tier up, each cut the same way, up to must-links, which are
     * never cut. Cluster by cluster, with the tier each was cut at.
     */
    public void clusters(Set<String> component, int minTier, BiConsumer<Set<String>, Integer> out) {
        if (minTier >= Linking.MUST_LINK || violated(component).isEmpty()) {
            out.accept(component, minTier);
            return;
        }
        Set<String> done = new TreeSet<>();
        for (String recordId : component) {
            if (done.add(recordId)) {
                Set<String> part = component(recordId, minTier + 1);
                done.addAll(part);
                clusters(part, minTier + 1, out);
            }
        }
    }

    /** The cannot-link identifiers both of whose records are in {@code records}, sorted. */
    public Set<String> violated(Set<String> records) {
        Set<String> out = new TreeSet<>();
        for (String recordId : records) {
            IdNode node = node(recordId);
            for (String identifier : node.identifiers()) {
                if (Identifiers.isCannotLink(identifier)) {
                    Collection<String> holders = holders(identifier);
                    if (holders.size() > 1 && records.containsAll(holders)) {
                        out.add(identifier);
                    }
                }
            }
        }
        return out;
    }

    /**
     * The report for a cannot-link that must-links overrule: both its records are held together by steward
     * must-link assertions (with explicit links and match keys), which no cannot-link cuts.
     */
    public static QualityReport conflict(String identifier, Collection<String> records) {
        return new QualityReport(
                CANNOT_LINK_CONFLICT,
                CANNOT_LINK,
                identifier.substring(Identifiers.CANNOT_LINK_PREFIX.length()),
                records.size(),
                0,
                new TreeSet<>(records).stream().limit(QualityReport.SAMPLE).toList());
    }

    /** The quality kind of a cannot-link that must-links overrule, and the match key it is reported under. */
    public static final String CANNOT_LINK_CONFLICT = "CANNOT_LINK_CONFLICT";

    public static final String CANNOT_LINK = "cannot_link";

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
