package io.aurum.resolve;

import io.aurum.canonical.Identifiers;
import io.aurum.config.PipelineConfig;
import io.aurum.identity.Anchor;
import io.aurum.identity.Linking;
import io.aurum.identity.QualityReport;
import io.aurum.resolve.IdentifierNode.Holder;
import io.aurum.resolve.Message.ToIdentifier;
import io.aurum.resolve.Message.ToIdentifier.Kind;
import io.aurum.resolve.Message.ToRecord;
import java.util.Map;
import java.util.Objects;

/**
 * What an identifier node does: it holds its holders' labels in its generation and offers each holder the best
 * label among the holders it links it to (none when the value is a hub or blocklisted; only the pairs that pass a
 * compound rule's comparisons inside its block). Anything that can make a label stale here (a holder leaving, a
 * holder's compared attributes changing, the value becoming a hub) starts a new generation, which resets every
 * holder. The comparisons of a rule's block happen here, where the block lives: only their results travel.
 */
final class IdentifierNodes {
    private final Linking linking;

    IdentifierNodes(PipelineConfig config) {
        this.linking = new Linking(config);
    }

    void handle(String id, IdentifierNode node, ToIdentifier m, Mailbox mail) {
        Map<String, Holder> holders = node.holders;
        boolean wasActive = holders.isEmpty() || node.active;
        if (holders.isEmpty()) {
            node.gen = m.gen();
        }
        QualityReport qualityBefore = quality(id, holders);
        if (m.kind() == Kind.LEAVE
                || (m.kind() == Kind.JOIN
                        && holders.containsKey(m.recordId())
                        && !Objects.equals(holders.get(m.recordId()).features(), m.features()))) {
            // A holder left, or changed what it is compared on: labels that crossed here may be stale.
            if (m.kind() == Kind.LEAVE) {
                holders.remove(m.recordId());
            } else {
                holders.put(m.recordId(), new Holder(m.label(), m.features()));
            }
            node.gen = Math.max(node.gen + 1, m.gen());
            reset(id, node, m.kind() == Kind.JOIN ? m.recordId() : null, mail);
            String sender = null;
            if (m.kind() == Kind.JOIN) {
                holders.put(m.recordId(), new Holder(m.gen() == node.gen ? m.label() : null, m.features()));
                if (m.gen() != node.gen) {
                    mail.send(new ToRecord(m.recordId(), id, node.gen, true, false, null, null));
                } else {
                    sender = m.recordId();
                }
            }
            finish(id, node, qualityBefore, sender, mail);
            return;
        }
        if (m.gen() > node.gen) {
            node.gen = m.gen();
            reset(id, node, m.recordId(), mail);
        } else if (m.gen() < node.gen) {
            // The sender lags behind this identifier's generation: pull it in; its label is from an older one.
            Map<String, String> features = m.kind() == Kind.JOIN
                    ? m.features()
                    : holders.containsKey(m.recordId())
                            ? holders.get(m.recordId()).features()
                            : null;
            if (features != null) {
                holders.put(m.recordId(), new Holder(null, features));
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
                        m.kind() == Kind.JOIN ? m.features() : previous.features(),
                        previous == null ? null : previous.offered(),
                        previous == null ? null : previous.via()));
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
            if (!active) {
                mail.send(new ToRecord(sender, id, node.gen, false, true, null, null));
            } else {
                ToRecord ack = offer(id, node.gen, sender, holders, true);
                mail.send(ack);
                holders.put(sender, s.offered(ack.label(), ack.via()));
                // Within a generation labels only fall and holders only join, so the sender's label is the only
                // news for the others: tell those it links to when it improves their best offer or explanation.
                for (Map.Entry<String, Holder> e : holders.entrySet()) {
                    Holder h = e.getValue();
                    if (e.getKey().equals(sender)
                            || h.label() == null
                            || s.label() == null
                            || !linking.linksPair(id, h.features(), s.features())) {
                        continue;
                    }
                    ToRecord news;
                    if (h.offered() == null) {
                        news = offer(id, node.gen, e.getKey(), holders, false);
                    } else {
                        Anchor best = s.label().compareTo(h.offered()) < 0 ? s.label() : h.offered();
                        String via = h.via() == null || sender.compareTo(h.via()) < 0 ? sender : h.via();
                        if (best.equals(h.offered()) && via.equals(h.via())) {
                            continue;
                        }
                        news = new ToRecord(e.getKey(), id, node.gen, false, false, best, via);
                    }
                    mail.send(news);
                    e.setValue(h.offered(news.label(), news.via()));
                }
            }
        }
        node.active = active;
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

    /** The best label among the holders {@code target} is linked to here, and the smallest of them. */
    private ToRecord offer(String id, long gen, String target, Map<String, Holder> holders, boolean ack) {
        Holder t = holders.get(target);
        Anchor best = null;
        String via = null;
        for (Map.Entry<String, Holder> e : holders.entrySet()) {
            Holder h = e.getValue();
            if (e.getKey().equals(target) || !linking.linksPair(id, t.features(), h.features())) {
                continue;
            }
            if (via == null) {
                via = e.getKey();
            }
            if (h.label() != null && (best == null || h.label().compareTo(best) < 0)) {
                best = h.label();
            }
        }
        return new ToRecord(target, id, gen, false, ack, best, via);
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
