package io.aurum.resolve;

import io.aurum.canonical.AssertionChange;
import io.aurum.canonical.ChildChange;
import io.aurum.canonical.Identifiers;
import io.aurum.canonical.RecordView;
import io.aurum.canonical.SnapshotSweep;
import io.aurum.canonical.SourceChange;
import io.aurum.canonical.SourceRecord;
import io.aurum.canonical.SourceRecord.ChildRecord;
import io.aurum.canonical.StoredRow;
import io.aurum.config.PipelineConfig;
import io.aurum.identity.Anchor;
import io.aurum.identity.GoldenIds;
import io.aurum.identity.IdNode;
import io.aurum.identity.Linking;
import io.aurum.identity.Membership;
import io.aurum.resolve.Message.Succession;
import io.aurum.resolve.Message.ToIdentifier;
import io.aurum.resolve.Message.ToIdentifier.Kind;
import io.aurum.resolve.Message.ToRecord;
import io.aurum.survivorship.Steward;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a record node does. Its record changes (a row, a child, an assertion or an override arrives); if what
 * identity sees of it changed, it takes part in label propagation with its identifiers: a record's label is the
 * smallest of its own anchor and what its identifiers offer, and its golden id is the hash of its label. A change
 * that can make its old label stale somewhere (an identifier dropped, its anchor getting later, its compared
 * attributes changing) starts a new generation. Its membership is published only when every identifier has answered
 * its latest label, so a record joining a settled cluster is never published on its own. Its content is held by the
 * cluster node of its published membership, and moves with it.
 */
final class RecordNodes {
    private final PipelineConfig config;
    private final Linking linking;

    RecordNodes(PipelineConfig config) {
        this.config = config;
        this.linking = new Linking(config);
    }

    // ---- The record changes.

    void row(String rid, RecordNode n, SourceChange change, Mailbox mail) {
        StoredRow next = StoredRow.apply(n.row(), change);
        if (next == n.row()) {
            return;
        }
        boolean sameVersion = next.sameVersion(n.row());
        n.row(next);
        if (!sameVersion) {
            changed(rid, n, mail);
        }
    }

    void child(String rid, RecordNode n, ChildChange change, Mailbox mail) {
        Map<String, ChildRecord> rows = n.children().computeIfAbsent(change.childSource(), s -> new TreeMap<>());
        ChildRecord before =
                change.child() == null ? rows.remove(change.childKey()) : rows.put(change.childKey(), change.child());
        if (rows.isEmpty()) {
            n.children().remove(change.childSource());
        }
        if (!Objects.equals(before, change.child())) {
            changed(rid, n, mail);
        }
    }

    void assertion(String rid, RecordNode n, AssertionChange change, Mailbox mail) {
        java.util.Set<String> set = change.cannotLink() ? n.cannotLinks : n.assertions;
        boolean changedSet = change.present() ? set.add(change.assertionId()) : set.remove(change.assertionId());
        if (changedSet) {
            changed(rid, n, mail);
        }
    }

    void override(String rid, RecordNode n, String id, Steward override, Mailbox mail) {
        Steward before = override == null ? n.overrides.remove(id) : n.overrides.put(id, override);
        if (!Objects.equals(before, override)) {
            content(rid, n, mail);
        }
    }

    /**
     * The hold on this partition ended: publishes what the record kept back, its membership (xref and own
     * redirect) if that changed, and its content to the cluster node of its membership.
     */
    void release(String rid, RecordNode n, Mailbox mail) {
        if (n.heldMembership && n.present() && n.goldenId != null) {
            publish(rid, n, mail);
        }
        n.held = false;
        n.heldMembership = false;
        syncMember(rid, n, view(rid, n), mail);
    }

    private SourceRecord view(String rid, RecordNode n) {
        return RecordView.of(config, rid, n.row(), n.children(), n.assertions, n.cannotLinks);
    }

    /**
     * As {@link #content(String, RecordNode, SourceRecord, Mailbox)}, working the record's view out only when it is
     * sent now: while a snapshot holds (most of an initial load), the record is only marked.
     */
    private void content(String rid, RecordNode n, Mailbox mail) {
        if (mail.holding()) {
            n.held = true;
        } else {
            syncMember(rid, n, view(rid, n), mail);
        }
    }

    /** The record's content may have changed: its cluster node hears of it now, or when the hold ends. */
    private void content(String rid, RecordNode n, SourceRecord view, Mailbox mail) {
        if (mail.holding()) {
            n.held = true;
        } else {
            syncMember(rid, n, view, mail);
        }
    }

    /** A snapshot that did not see this record's row proves it deleted. */
    void sweep(String rid, RecordNode n, SnapshotSweep sweep, Mailbox mail) {
        if (sweep.removes(n.row())) {
            n.row(n.row().sweptBy(sweep));
            changed(rid, n, mail);
        }
    }

    private void changed(String rid, RecordNode n, Mailbox mail) {
        SourceRecord view = view(rid, n);
        identity(rid, n, view, mail);
        content(rid, n, view, mail);
    }

    /**
     * Keeps the cluster node of the published membership holding this record's current content: moves it when the
     * membership moves, removes it when the record is gone. A record that never settled is in no cluster.
     */
    private void syncMember(String rid, RecordNode n, SourceRecord view, Mailbox mail) {
        String target = view == null ? null : n.goldenId;
        if (n.memberOf != null && !n.memberOf.equals(target)) {
            mail.send(new Message.Leave(n.memberOf, rid));
            n.memberOf = null;
            n.sentDigest = 0;
        }
        if (target == null) {
            return;
        }
        Map<String, Steward> overrides = Map.copyOf(n.overrides);
        long digest = Digest.of(view, overrides);
        if (!target.equals(n.memberOf) || digest != n.sentDigest) {
            mail.send(new Message.Member(target, view, overrides));
            n.memberOf = target;
            n.sentDigest = digest;
        }
    }

    // ---- Label propagation.

    /** The record's identity inputs (identifiers, anchor, compared values) may have changed; null: it is gone. */
    private void identity(String rid, RecordNode n, SourceRecord view, Mailbox mail) {
        if (view == null) {
            if (!n.present()) {
                return;
            }
            for (String id : n.ids) {
                mail.send(new ToIdentifier(Kind.LEAVE, id, rid, n.gen + 1, null, null));
            }
            for (String block : n.blocks) {
                mail.send(new ToIdentifier(Kind.LEAVE, block, rid, 0, null, null));
            }
            n.blocks = List.of();
            n.partners.clear();
            n.features = Map.of();
            mail.xref(rid, null);
            n.live = false; // a deleted record's id is handed on (below), not merged
            // The deleted record's id is handed to its smallest linked neighbour, whose cluster it then follows.
            String heir = n.via.values().stream()
                    .filter(v -> v != null && !v.equals(rid))
                    .min(String::compareTo)
                    .orElse(null);
            n.ids = List.of();
            n.gen = n.gen + 1;
            n.label = n.anchor;
            forget(n);
            n.offers.clear();
            n.via.clear();
            n.pending.clear();
            n.goldenId = null;
            n.reason = null;
            n.ghost = true;
            n.heldMembership = false;
            n.heir = heir;
            n.target = null;
            n.targetOrigin = null;
            n.anchorOf = null;
            n.departed.clear();
            redirect(rid, n, null, mail);
            if (heir != null) {
                mail.send(new Succession(heir, true, rid, null, false, null));
            } else {
                for (String ancestor : n.ancestors) {
                    mail.send(new Succession(ancestor, false, rid, null, false, null));
                }
            }
            return;
        }
        // A deleted record that comes back speaks for its own id again, and keeps the ids handed to it.
        long ghostGen = n.ghost ? n.gen : -1;
        boolean fresh = !n.present();
        if (n.ghost) {
            n.ghost = false;
            n.heir = null;
            n.target = null;
            n.targetOrigin = null;
            n.goldenId = null;
            n.reason = null;
            n.anchorOf = null;
            n.departed.clear();
        }
        List<String> ids = new ArrayList<>();
        List<String> blocks = new ArrayList<>();
        for (String id : view.identifiers()) {
            (linking.isBlock(id) ? blocks : ids).add(id);
        }
        ids.add(Identifiers.LINK_PREFIX + rid);
        Anchor anchor = IdNode.of(config, linking, view).anchor();
        blocks(rid, n, blocks, blocks.isEmpty() ? Map.of() : linking.features(view), fresh, mail);
        relink(rid, n, withRuleLinks(rid, n, ids), anchor, fresh, ghostGen, mail);
    }

    /**
     * The record's blocks: it leaves those it is no longer in (and drops their links), and joins those it is new to,
     * or all of them when the values they compare changed. Each answers a join with the links it gives the record
     * ({@link #ruleLinks}); until then the block counts as unanswered, so a record that joins an existing customer
     * through a rule never settles, and shows, on its own first.
     */
    private void blocks(
            String rid, RecordNode n, List<String> blocks, Map<String, String> features, boolean fresh, Mailbox mail) {
        boolean compared = fresh || !features.equals(n.features);
        for (String block : n.blocks) {
            if (!blocks.contains(block)) {
                mail.send(new ToIdentifier(Kind.LEAVE, block, rid, 0, null, null));
                n.partners.remove(block);
                n.pending.remove(block);
            }
        }
        for (String block : blocks) {
            if (compared || !n.blocks.contains(block)) {
                mail.send(new ToIdentifier(Kind.JOIN, block, rid, 0, null, features));
                n.pending.add(block);
            }
        }
        n.blocks = List.copyOf(blocks);
        n.features = features;
    }

    /** The identifiers {@code ids} (no rule links among them) with the rule links the record's blocks gave it. */
    private static List<String> withRuleLinks(String rid, RecordNode n, List<String> ids) {
        java.util.TreeSet<String> out = new java.util.TreeSet<>(ids);
        n.partners.values().forEach(records -> records.forEach(r -> out.add(Identifiers.ruleLink(rid, r))));
        return new ArrayList<>(out);
    }

    /**
     * The record's identifiers or anchor may have changed: label propagation takes them up. A change that can make
     * its old label stale somewhere (an identifier or rule link dropped, its anchor getting later) starts a new
     * generation.
     */
    private void relink(
            String rid, RecordNode n, List<String> ids, Anchor anchor, boolean fresh, long ghostGen, Mailbox mail) {
        if (!fresh && n.ids.equals(ids) && n.anchor.equals(anchor)) {
            return;
        }
        boolean stale = !fresh && (!ids.containsAll(n.ids) || anchor.compareTo(n.anchor) > 0);
        long gen;
        Anchor label;
        if (fresh || stale) {
            gen = fresh ? Math.max(0, ghostGen) : n.gen + 1;
            label = anchor;
            if (!fresh) {
                for (String id : n.ids) {
                    if (!ids.contains(id)) {
                        mail.send(new ToIdentifier(Kind.LEAVE, id, rid, gen, null, null));
                    }
                }
            }
            n.offers.clear();
            n.via.clear();
            forget(n);
        } else {
            gen = n.gen;
            label = min(anchor, n.offers);
        }
        n.ids = ids;
        n.anchor = anchor;
        n.gen = gen;
        n.label = label;
        n.more = more(n);
        for (String id : ids) {
            mail.send(new ToIdentifier(Kind.JOIN, id, rid, gen, label, null, n.more, n.dirty));
        }
        n.pending.removeIf(id -> !linking.isBlock(id)); // blocks that have not answered yet still count
        n.pending.addAll(ids);
    }

    /** A block's answer to the record's join, or news of links that came or went in it as other records changed. */
    void ruleLinks(String rid, RecordNode n, Message.RuleLinks m, Mailbox mail) {
        if (!n.present() || !n.blocks.contains(m.block())) {
            return; // news from a block the record has left since: its links went with it
        }
        java.util.Set<String> records = new java.util.TreeSet<>(
                m.full() ? java.util.Set.of() : n.partners.getOrDefault(m.block(), java.util.Set.of()));
        records.removeAll(m.unlinked());
        records.addAll(m.linked());
        if (records.isEmpty()) {
            n.partners.remove(m.block());
        } else {
            n.partners.put(m.block(), records);
        }
        boolean answered = m.full() && n.pending.remove(m.block());
        List<String> ids = new ArrayList<>();
        for (String id : n.ids) {
            if (!Identifiers.isRuleLink(id)) {
                ids.add(id);
            }
        }
        ids = withRuleLinks(rid, n, ids);
        if (!ids.equals(n.ids)) {
            relink(rid, n, ids, n.anchor, false, -1, mail);
        } else if (answered && n.pending.isEmpty()) {
            settle(rid, n, mail);
        }
    }

    /** An identifier's reset, offer or acknowledgement. */
    void offer(String rid, RecordNode n, ToRecord m, Mailbox mail) {
        if (!n.present() || !n.ids.contains(m.identifier()) || m.gen() < n.gen) {
            return;
        }
        boolean announce = false;
        if (m.gen() > n.gen) {
            // A newer generation reached this record: forget everything learnt before and start from its anchor.
            n.gen = m.gen();
            n.offers.clear();
            n.via.clear();
            n.label = n.anchor;
            forget(n);
            announce = true;
        } else if (m.reset()) {
            return;
        }
        if (!m.reset()) {
            if (m.ack()) {
                n.pending.remove(m.identifier());
            }
            if (m.label() != null) {
                Anchor before = n.offers.get(m.identifier());
                if (before == null || m.label().compareTo(before) < 0) {
                    n.offers.put(m.identifier(), m.label());
                }
                n.via.put(m.identifier(), m.via());
            }
            // Cannot-links: the best label offered at each level beyond 1, and the dirty flags.
            for (int i = 0; i < m.more().size() && i < n.heard.length; i++) {
                Anchor a = m.more().get(i);
                if (n.heard[i] == null || a.compareTo(n.heard[i]) < 0) {
                    n.heard[i] = a;
                }
            }
            int dirty = n.dirty | (m.dirty() & DIRTY);
            Anchor best = min(n.anchor, n.offers);
            if (best.compareTo(n.label) < 0) {
                n.label = best;
                announce = true;
            }
            if (dirty != n.dirty) {
                n.dirty = dirty;
                announce = true;
            }
            List<Anchor> more = more(n);
            if (!more.equals(n.more)) {
                n.more = more;
                announce = true;
            }
        }
        if (announce) {
            n.pending.addAll(n.ids);
            for (String id : n.ids) {
                mail.send(new ToIdentifier(Kind.LABEL, id, rid, n.gen, n.label, null, n.more, n.dirty));
            }
        }
        if (n.pending.isEmpty()) {
            settle(rid, n, mail);
        }
    }

    /** Every identifier answered the latest label: publish the membership if it changed. */
    private void settle(String rid, RecordNode n, Mailbox mail) {
        Anchor cluster = published(n);
        String g = GoldenIds.of(cluster.recordId());
        String r = reason(rid, n);
        if (!Objects.equals(g, n.goldenId) || !Objects.equals(r, n.reason)) {
            String leftAnchor = n.anchorOf;
            List<String> tell = new ArrayList<>(n.ancestors);
            if (n.goldenId != null
                    && !g.equals(n.goldenId)
                    && leftAnchor != null
                    && !leftAnchor.equals(rid)
                    && !leftAnchor.equals(cluster.recordId())) {
                // This record left the cluster anchored by leftAnchor: that anchor follows it from now on, so its
                // id can say which clusters split off from it.
                n.ancestors.add(leftAnchor);
                mail.send(new Succession(leftAnchor, false, rid, g, true, rid));
            }
            n.goldenId = g;
            n.reason = r;
            if (mail.holding()) {
                n.heldMembership = true;
                n.held = true;
            } else {
                publish(rid, n, mail);
            }
            for (String ancestor : tell) {
                mail.send(new Succession(ancestor, false, rid, g, false, rid));
            }
            content(rid, n, mail);
        }
        n.anchorOf = cluster.recordId();
    }

    // ---- Cannot-links (docs/identity-resolution.md, *Cannot-link*).

    /** The dirty flags a record keeps: D_1..D_3 (D_4 would change nothing: must-links are never cut). */
    static final int DIRTY = 0b111;

    /**
     * How many levels of labels a record uses: 1 + the highest level whose component holds a cannot-link, at most
     * 4 (k* in the docs). Its cluster is its component over the identifiers of that tier and up.
     */
    static int levels(int dirty) {
        return Math.min(Linking.MUST_LINK, 33 - Integer.numberOfLeadingZeros(dirty & DIRTY));
    }

    /** L_2..L_k: at each level, the smallest of the record's anchor and the best label offered at that level. */
    private static List<Anchor> more(RecordNode n) {
        int k = levels(n.dirty);
        if (k == 1) {
            return List.of();
        }
        List<Anchor> out = new ArrayList<>(k - 1);
        for (int j = 2; j <= k; j++) {
            Anchor h = n.heard[j - 2];
            out.add(h != null && h.compareTo(n.anchor) < 0 ? h : n.anchor);
        }
        return List.copyOf(out);
    }

    /** The label the record's golden id is the hash of: L_k, k = {@link #levels}. */
    private static Anchor published(RecordNode n) {
        return n.more.isEmpty() ? n.label : n.more.get(n.more.size() - 1);
    }

    /** A new generation: the labels beyond L_1 and the dirty flags start over, like L_1. */
    private static void forget(RecordNode n) {
        n.more = List.of();
        java.util.Arrays.fill(n.heard, null);
        n.dirty = 0;
    }

    /**
     * The ids of deleted records. A deleted record's node stays as a ghost that names an heir; the heir tells its
     * ancestors its golden id whenever it changes, and a ghost passes that on to its own ancestors, so a chain of
     * deletions always leads to the current id.
     */
    void succession(String rid, RecordNode n, Succession s, Mailbox mail) {
        if (s.adopt()) {
            if (n.anchor == null) {
                return;
            }
            n.ancestors.add(s.from());
            String current = n.ghost ? n.target : n.goldenId;
            if (current != null) {
                mail.send(new Succession(s.from(), false, rid, current, false, n.ghost ? n.targetOrigin : rid));
            }
            return;
        }
        if (n.present() && (s.departure() || n.departed.containsKey(s.from()))) {
            // A record that left this anchor's cluster moved: it split off (or moved on), came back, or is gone.
            Map<String, String> departed = new TreeMap<>(n.departed);
            if (s.goldenId() == null || s.goldenId().equals(GoldenIds.of(rid))) {
                departed.remove(s.from());
            } else {
                departed.put(s.from(), s.goldenId());
            }
            if (!departed.equals(n.departed)) {
                n.departed.clear();
                n.departed.putAll(departed);
                if (n.goldenId != null && !n.heldMembership) { // a held membership publishes it on release
                    redirect(rid, n, ownRedirect(rid, n.goldenId, n.reason, n.departed), mail);
                }
            }
            return;
        }
        if (n.anchor == null || !n.ghost || !Objects.equals(s.from(), n.heir)) {
            return;
        }
        // A golden id this record made itself while it was alive, handed back around a cycle of deleted records
        // (two records deleted while each saw the other alive name each other heir): no live record continues it.
        boolean echo = rid.equals(s.origin());
        String goldenId = echo ? null : s.goldenId();
        String origin = goldenId == null ? null : s.origin();
        if (echo && Objects.equals(n.target, goldenId)) {
            // Nothing changes here, but whoever passed the echo on still holds it: the ancestors drop it too.
            for (String ancestor : n.ancestors) {
                mail.send(new Succession(ancestor, false, rid, null, false, null));
            }
            return;
        }
        if (Objects.equals(n.target, goldenId)) {
            // Nothing new to pass on. This also ends a cycle of heirs (two records deleted while each still saw
            // the other alive name each other): without it the two passed the same id back and forth for good,
            // writing a redirect each time, in one input's work (seen as a task that never committed in time).
            return;
        }
        if (n.target == null) {
            // The id starts leading somewhere: handed on (once per deletion, or again after the chain ran out).
            mail.event(Mailbox.Event.ID_HANDOVER);
        }
        n.target = goldenId;
        n.targetOrigin = origin;
        redirect(
                rid,
                n,
                goldenId == null
                        ? null
                        : new Mailbox.RedirectTo(goldenId, rid, "deleted; continued by " + n.heir, List.of()),
                mail);
        for (String ancestor : n.ancestors) {
            mail.send(new Succession(ancestor, false, rid, goldenId, false, origin));
        }
    }

    /**
     * Publishes the record's membership (xref) and its own id's redirect. A record whose own id was a customer's id
     * and now publishes another one merged that id away: counted here, where it is published, so a membership
     * held back by a snapshot counts when it is released, and one settled again unchanged counts nothing.
     */
    private static void publish(String rid, RecordNode n, Mailbox mail) {
        mail.xref(rid, new Membership(n.goldenId, n.reason));
        boolean live = n.goldenId.equals(GoldenIds.of(rid));
        if (n.live && !live) {
            mail.event(Mailbox.Event.MERGE);
        }
        n.live = live;
        redirect(rid, n, ownRedirect(rid, n.goldenId, n.reason, n.departed), mail);
    }

    /**
     * Publishes the redirect of the record's own id, or its tombstone if a redirect is out there. Each golden id it
     * names in {@code splitInto} that the last one published did not name is a split announced.
     */
    private static void redirect(String rid, RecordNode n, Mailbox.RedirectTo to, Mailbox mail) {
        if (to == null && !n.redirected) {
            return;
        }
        List<String> announced = to == null ? List.of() : to.splitInto();
        for (String g : announced) {
            if (!n.announced.contains(g)) {
                mail.event(Mailbox.Event.SPLIT);
            }
        }
        n.announced = announced;
        mail.redirect(GoldenIds.of(rid), to);
        n.redirected = to != null;
    }

    /**
     * Where a record's own id leads: to the cluster it is in when that has another id; when the record anchors its
     * cluster, to itself with the clusters that split off from it, or nowhere (a tombstone) when none did.
     */
    private static Mailbox.RedirectTo ownRedirect(
            String rid, String goldenId, String reason, Map<String, String> departed) {
        String own = GoldenIds.of(rid);
        if (!goldenId.equals(own)) {
            return new Mailbox.RedirectTo(goldenId, rid, reason, List.of());
        }
        List<String> splitInto = departed.values().stream()
                .filter(v -> !v.equals(own))
                .distinct()
                .sorted()
                .toList();
        return splitInto.isEmpty() ? null : new Mailbox.RedirectTo(own, rid, "split", splitInto);
    }

    /**
     * The explicit links to this record while it does not exist: the holders of its link identifier
     * {@code @<record id>} (kept in its node) while its row is absent or deleted. A function of the node's state.
     */
    static int danglingLinks(String rid, RecordNode n) {
        if (n.present() || n.self.holders.isEmpty()) {
            return 0;
        }
        int links = n.self.holders.size();
        return n.self.holders.containsKey(rid) ? links - 1 : links;
    }

    /** The first identifier (in sorted order) that links the record to someone, as the reference model has it. */
    private String reason(String rid, RecordNode n) {
        String self = Identifiers.LINK_PREFIX + rid;
        // Cut at tier k by a cannot-link: only identifiers of tier k and up link the record to its cluster.
        int k = n.more.size() + 1;
        String first = null;
        for (String id : n.ids) {
            if (!id.equals(self) && n.offers.containsKey(id) && (k == 1 || linking.tier(id) >= k)) {
                // A rule link stands for the block that made it (the smallest, if several did).
                String named = Identifiers.isRuleLink(id) ? blockOf(n, Identifiers.ruleLinkOther(id, rid)) : id;
                if (named != null && (first == null || named.compareTo(first) < 0)) {
                    first = named;
                }
            }
        }
        if (first != null) {
            return Identifiers.masked(config, first);
        }
        return n.offers.containsKey(self) && k <= Linking.LINK ? "linked from " + n.via.get(self) : null;
    }

    /** The smallest of the record's blocks that links it to {@code other}. */
    private static String blockOf(RecordNode n, String other) {
        for (Map.Entry<String, java.util.Set<String>> e : n.partners.entrySet()) {
            if (e.getValue().contains(other)) {
                return e.getKey();
            }
        }
        return null;
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
}
