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
     * Where a golden id leads: the current golden id, the record whose own id it is, why, and, when the id is live,
     * the clusters that split off from it.
     */
    record RedirectTo(String goldenId, String recordId, String reason, List<String> splitInto) {}
}
