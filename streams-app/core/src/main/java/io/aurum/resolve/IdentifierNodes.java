package io.aurum.resolve;

import io.aurum.canonical.Identifiers;
import io.aurum.config.PipelineConfig;
import io.aurum.identity.Anchor;
import io.aurum.identity.IdentityGraph;
import io.aurum.identity.Linking;
import io.aurum.identity.QualityReport;
import io.aurum.resolve.IdentifierNode.Holder;
import io.aurum.resolve.Message.ToIdentifier;
import io.aurum.resolve.Message.ToIdentifier.Kind;
import io.aurum.resolve.Message.ToRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an identifier node does. A match key, link, assertion or rule link holds its holders' labels in its
 * generation and offers each holder the best label among the others (none when the value is a hub or blocklisted).
 * Anything that can make a label stale here (a holder leaving, the value becoming a hub) starts a new generation,
 * which resets every holder. A compound rule's block takes no part in labels: it compares its holders where they
 * all are, and hands out rule links, only the links that result ({@link #block}).
 */
final class IdentifierNodes {
    private final Linking linking;

    IdentifierNodes(PipelineConfig config) {
        this.linking = new Linking(config);
    }

    void handle(String id, IdentifierNode node, ToIdentifier m, Mailbox mail) {
        if (linking.isBlock(id)) {
            block(id, node, m, mail);
            return;
        }
        Map<String, Holder> holders = node.holders;
        boolean wasActive = holders.isEmpty() || node.active;
        if (holders.isEmpty()) {
            node.gen = m.gen();
        }
        QualityReport qualityBefore = quality(id, holders);
        if (m.kind() == Kind.LEAVE) {
            // A holder left: labels that crossed here may be stale.
            holders.remove(m.recordId());
            node.gen = Math.max(node.gen + 1, m.gen());
            reset(id, node, null, mail);
            finish(id, node, qualityBefore, null, mail);
            return;
        }
        if (m.gen() > node.gen) {
            node.gen = m.gen();
            reset(id, node, m.recordId(), mail);
        } else if (m.gen() < node.gen) {
            // The sender lags behind this identifier's generation: pull it in; its label is from an older one.
            if (m.kind() == Kind.JOIN || holders.containsKey(m.recordId())) {
                holders.put(m.recordId(), new Holder(null, Map.of()));
            }
            mail.send(new ToRecord(m.recordId(), id, node.gen, true, false, null, null));
            finish(id, node, qualityBefore, null, mail);
            return;
        }
        Holder previous = holders.get(m.recordId());
        if (m.kind() == Kind.LABEL && previous == null) {
            return;
        }
        holders.put(
                m.recordId(),
                new Holder(
                        m.label(),
                        Map.of(),
                        previous == null ? null : previous.offered(),
                        previous == null ? null : previous.via(),
                        m.more(),
                        m.dirty(),
                        previous == null ? List.of() : previous.offeredMore(),
                        previous == null ? 0 : previous.offeredDirty()));
        boolean active = linking.active(id, holders.size());
        if (wasActive && !active) {
            // Just became a hub: whatever it linked must be recomputed without it.
            node.gen = node.gen + 1;
            reset(id, node, null, mail);
        }
        finish(id, node, qualityBefore, m.recordId(), mail);
    }

    /** Starts the node's generation: forget every label and tell every holder (but {@code except}) to resend. */
    private static void reset(String id, IdentifierNode node, String except, Mailbox mail) {
        for (Map.Entry<String, Holder> e : node.holders.entrySet()) {
            e.setValue(e.getValue().reset());
            if (!e.getKey().equals(except)) {
                mail.send(new ToRecord(e.getKey(), id, node.gen, true, false, null, null));
            }
        }
    }

    /** Answers the sender, offers improvements to the others, and reports quality changes. */
    private void finish(String id, IdentifierNode node, QualityReport qualityBefore, String sender, Mailbox mail) {
        Map<String, Holder> holders = node.holders;
        boolean active = linking.active(id, holders.size());
        if (sender != null) {
            Holder s = holders.get(sender);
            if (Identifiers.isCannotLink(id)) {
                cannotLink(id, node, sender, mail);
            } else if (!active) {
                mail.send(new ToRecord(sender, id, node.gen, false, true, null, null));
            } else {
                int tier = linking.tier(id);
                ToRecord ack = offer(id, node.gen, sender, holders, true);
                mail.send(ack);
                holders.put(sender, s.offered(ack));
                // Within a generation labels only fall and holders only join, so the sender's label is the only
                // news for the others: tell those it links to when it improves their best offer or explanation.
                for (Map.Entry<String, Holder> e : holders.entrySet()) {
                    Holder h = e.getValue();
                    if (e.getKey().equals(sender) || h.label() == null || s.label() == null) {
                        continue;
                    }
                    ToRecord news;
                    if (h.offered() == null) {
                        news = offer(id, node.gen, e.getKey(), holders, false);
                    } else {
                        Anchor best = s.label().compareTo(h.offered()) < 0 ? s.label() : h.offered();
                        String via = h.via() == null || sender.compareTo(h.via()) < 0 ? sender : h.via();
                        List<Anchor> more = lower(h.offeredMore(), s.more(), tier - 1);
                        int dirty = h.offeredDirty() | (s.dirty() & mask(tier));
                        if (best.equals(h.offered())
                                && via.equals(h.via())
                                && more.equals(h.offeredMore())
                                && dirty == h.offeredDirty()) {
                            continue;
                        }
                        news = new ToRecord(e.getKey(), id, node.gen, false, false, best, via, more, dirty);
                    }
                    mail.send(news);
                    e.setValue(h.offered(news));
                }
            }
        }
        node.active = active;
        report(id, qualityBefore, holders, mail);
    }

    /**
     * A compound rule's block: its holders and the values the rule compares, nothing of labels. A record joins
     * (or rejoins with other values) or leaves; the block compares it with the other holders, here, where they all
     * are, and sends the records whose links changed only that: the joining record its whole list, each other
     * record what changed for it. Label propagation then runs over the rule links ({@link Identifiers#ruleLink}),
     * so relabelling a record costs its block nothing, and a change resets only the records it linked. When the
     * block grows past its limit (a hub) or falls back under it, every link in it goes or comes back, once.
     */
    private void block(String id, IdentifierNode node, ToIdentifier m, Mailbox mail) {
        if (m.kind() == Kind.LABEL) {
            return; // blocks take no part in labels
        }
        Map<String, Holder> holders = node.holders;
        String rid = m.recordId();
        QualityReport qualityBefore = quality(id, holders);
        boolean wasActive = !holders.isEmpty() && linking.active(id, holders.size());
        Holder old = holders.get(rid);
        Map<String, String> before = old == null ? null : old.features();
        Map<String, String> after = m.kind() == Kind.JOIN ? m.features() : null;
        if (after == null) {
            holders.remove(rid);
        } else {
            holders.put(rid, new Holder(null, after));
        }
        boolean active = !holders.isEmpty() && linking.active(id, holders.size());
        List<String> linked = new ArrayList<>();
        Map<String, Delta> deltas = new java.util.TreeMap<>();
        List<String> others = new ArrayList<>(holders.size());
        for (Map.Entry<String, Holder> e : holders.entrySet()) {
            if (e.getKey().equals(rid)) {
                continue;
            }
            others.add(e.getKey());
            Map<String, String> f = e.getValue().features();
            boolean was = wasActive && before != null && linking.linksPair(id, before, f);
            boolean is = active && after != null && linking.linksPair(id, after, f);
            if (is) {
                linked.add(e.getKey());
            }
            if (was != is) {
                deltas.computeIfAbsent(e.getKey(), k -> new Delta()).add(is, rid);
            }
        }
        if (wasActive != active) {
            // Became a hub, or stopped being one: every other link of the block goes, or comes back.
            for (int i = 0; i < others.size(); i++) {
                Map<String, String> fi = holders.get(others.get(i)).features();
                for (int j = i + 1; j < others.size(); j++) {
                    if (linking.linksPair(id, fi, holders.get(others.get(j)).features())) {
                        deltas.computeIfAbsent(others.get(i), k -> new Delta()).add(active, others.get(j));
                        deltas.computeIfAbsent(others.get(j), k -> new Delta()).add(active, others.get(i));
                    }
                }
            }
        }
        if (after != null) {
            // Always, even unchanged: it replaces whatever the record had from this block, stale news included.
            mail.send(new Message.RuleLinks(rid, id, true, linked, List.of()));
        }
        deltas.forEach((r, d) -> mail.send(new Message.RuleLinks(r, id, false, d.linked, d.unlinked)));
        node.active = active;
        report(id, qualityBefore, holders, mail);
    }

    /** What changed for one record of a block: links that came and links that went. */
    private static final class Delta {
        final List<String> linked = new ArrayList<>();
        final List<String> unlinked = new ArrayList<>();

        void add(boolean link, String other) {
            (link ? linked : unlinked).add(other);
        }
    }

    /** Reports a change of the identifier's quality (a hub found or cleared, a blocklisted value). */
    private void report(String id, QualityReport qualityBefore, Map<String, Holder> holders, Mailbox mail) {
        QualityReport after = quality(id, holders);
        if (!Objects.equals(after, qualityBefore)) {
            // Hubs only: a blocklisted value is reported from its first holder on, by configuration, not found.
            boolean hubBefore = isHub(qualityBefore);
            boolean hub = isHub(after);
            if (hub && !hubBefore) {
                mail.event(Mailbox.Event.HUB_FOUND);
            } else if (hubBefore && !hub) {
                mail.event(Mailbox.Event.HUB_CLEARED);
            }
            mail.quality(id, after);
        }
    }

    private static boolean isHub(QualityReport report) {
        return report != null && report.kind().equals("HUB");
    }

    /**
     * The best label among the holders {@code target} is linked to here, and the smallest of them; once a
     * cannot-link applies, also their best labels at the levels up to this identifier's tier, and their dirty flags.
     */
    private ToRecord offer(String id, long gen, String target, Map<String, Holder> holders, boolean ack) {
        Anchor best = null;
        String via = null;
        List<Anchor> more = List.of();
        int dirty = 0;
        int tier = -1;
        for (Map.Entry<String, Holder> e : holders.entrySet()) {
            Holder h = e.getValue();
            if (e.getKey().equals(target)) {
                continue;
            }
            if (via == null) {
                via = e.getKey();
            }
            if (h.label() != null && (best == null || h.label().compareTo(best) < 0)) {
                best = h.label();
            }
            if (h.label() != null && (!h.more().isEmpty() || h.dirty() != 0)) {
                tier = tier < 0 ? linking.tier(id) : tier;
                more = lower(more, h.more(), tier - 1);
                dirty |= h.dirty() & mask(tier);
            }
        }
        return new ToRecord(target, id, gen, false, ack, best, via, more, dirty);
    }

    /** The dirty flags an identifier of this tier passes on: D_j for the levels j up to its tier. */
    private static int mask(int tier) {
        return (1 << Math.min(tier, 3)) - 1 & RecordNodes.DIRTY;
    }

    /** Level by level, the smaller of two label vectors (one may be longer), at most {@code max} levels. */
    private static List<Anchor> lower(List<Anchor> a, List<Anchor> b, int max) {
        int n = Math.min(Math.max(a.size(), b.size()), Math.max(0, max));
        if (n == a.size() && b.isEmpty()) {
            return a;
        }
        List<Anchor> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Anchor x = i < a.size() ? a.get(i) : null;
            Anchor y = i < b.size() ? b.get(i) : null;
            out.add(x == null ? y : y == null || x.compareTo(y) <= 0 ? x : y);
        }
        return List.copyOf(out);
    }

    /**
     * A cannot-link's node links nothing: it compares its holders' labels level by level. Two holders with the
     * same label L_j in one generation are in one component over the tiers j and up (a label only ever falls to the
     * anchor of a record linked to it at those tiers), so both are told D_j, and pass it on to that whole
     * component; equal L_4 is a conflict with must-links, reported on customers.quality.
     */
    private void cannotLink(String id, IdentifierNode node, String sender, Mailbox mail) {
        Map<String, Holder> holders = node.holders;
        ToRecord ack = new ToRecord(sender, id, node.gen, false, true, null, null, List.of(), clash(sender, holders));
        mail.send(ack);
        holders.put(sender, holders.get(sender).offered(ack));
        for (Map.Entry<String, Holder> e : holders.entrySet()) {
            Holder h = e.getValue();
            if (e.getKey().equals(sender) || h.label() == null) {
                continue;
            }
            int dirty = clash(e.getKey(), holders) | h.offeredDirty();
            if (dirty != h.offeredDirty()) {
                ToRecord news = new ToRecord(e.getKey(), id, node.gen, false, false, null, null, List.of(), dirty);
                mail.send(news);
                e.setValue(h.offered(news));
            }
        }
    }

    /** The levels at which {@code holder} has the same label as another holder of a cannot-link (bit j-1: L_j). */
    private static int clash(String holder, Map<String, Holder> holders) {
        Holder a = holders.get(holder);
        int out = 0;
        for (Map.Entry<String, Holder> e : holders.entrySet()) {
            Holder b = e.getValue();
            if (e.getKey().equals(holder) || a.label() == null || b.label() == null) {
                continue;
            }
            out |= a.label().equals(b.label()) ? 1 : 0;
            for (int i = 0; i < a.more().size() && i < b.more().size(); i++) {
                out |= a.more().get(i).equals(b.more().get(i)) ? 1 << (i + 1) : 0;
            }
        }
        return out;
    }

    private QualityReport quality(String id, Map<String, Holder> holders) {
        if (Identifiers.isCannotLink(id)) {
            // Its records are together at level 4: held by must-links, which no cannot-link cuts.
            return (clash4(holders)) ? IdentityGraph.conflict(id, holders.keySet()) : null;
        }
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

    /** Whether two holders of a cannot-link have the same label L_4 (their component over must-links alone). */
    private static boolean clash4(Map<String, Holder> holders) {
        for (String holder : holders.keySet()) {
            if ((clash(holder, holders) & 0b1000) != 0) {
                return true;
            }
        }
        return false;
    }
}
