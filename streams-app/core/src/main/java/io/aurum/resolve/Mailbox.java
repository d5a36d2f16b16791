package io.aurum.resolve;

import io.aurum.identity.Membership;
import io.aurum.identity.QualityReport;
import io.aurum.schemas.Conflict;
import io.aurum.schemas.GoldenCustomer;
import java.util.List;

/** What a node can do besides changing its own state: tell another node something, or publish. */
interface Mailbox {
    /** To another node, in this task or another; each pair of nodes hears from each other in order. */
    void send(Message message);

    /**
     * Whether this partition holds back what record nodes publish (a snapshot runs): they keep it and publish
     * when {@link RecordNodes#release} is called.
     */
    boolean holding();

    /** customers.xref: a record's membership; null when the record is gone. */
    void xref(String recordId, Membership membership);

    /** customers.redirects: where a golden id leads; null withdraws the entry. */
    void redirect(String goldenId, RedirectTo redirect);

    /** customers.quality: an identifier that does not link; null when the issue cleared. */
    void quality(String identifier, QualityReport report);

    /** customers.golden: a cluster's golden record; null when the cluster is gone. */
    void golden(String goldenId, GoldenCustomer golden);

    /** customers.conflicts: an open conflict; null when it closed. */
    void conflict(String key, Conflict conflict);

    /**
     * A resolution event, told by the node that publishes it right where it publishes it, once per change of what
     * it publishes (so a redelivered input that changes nothing tells nothing); counted by the resolver's metrics.
     */
    void event(Event event);

    /**
     * What the resolver counts, each as metric {@code <name>-total} (and {@code -rate}) of group
     * {@code stream-aurum-resolver-metrics}; docs/operations.md, Metrics, says exactly when each is counted.
     */
    enum Event {
        /** A record's own id was a customer's id and its record now publishes another one: the id merged away. */
        MERGE("merges"),
        /** An anchor's own id announces a golden id in {@code splitInto} that its last redirect did not name. */
        SPLIT("splits"),
        /** A deleted record's id starts leading somewhere: its ghost publishes its heir's golden id. */
        ID_HANDOVER("id-handovers"),
        /** An identifier's quality issue becomes a {@code HUB} (more holders than its limit). */
        HUB_FOUND("hubs-found"),
        /** An identifier's {@code HUB} issue is tombstoned (it fell to its limit, or its holders left). */
        HUB_CLEARED("hubs-cleared");

        /** The metric's operation name: {@code merges} gives {@code merges-total} and {@code merges-rate}. */
        final String metric;

        Event(String metric) {
            this.metric = metric;
        }
    }

    /**
     * Where a golden id leads: the current golden id, the record whose own id it is, why, and, when the id is live,
     * the clusters that split off from it.
     */
    record RedirectTo(String goldenId, String recordId, String reason, List<String> splitInto) {}
}
