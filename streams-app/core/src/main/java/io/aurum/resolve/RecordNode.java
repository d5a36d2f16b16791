package io.aurum.resolve;

import io.aurum.canonical.SourceRecord.ChildRecord;
import io.aurum.canonical.StoredRow;
import io.aurum.identity.Anchor;
import io.aurum.survivorship.Steward;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything the resolver knows about one source record (keyed by its record id): the record as the sources have
 * it (parent row, children, steward assertions and overrides), its place in label propagation, and which cluster
 * holds it. Mutable: the resolver loads it, changes it while it handles one input, and writes it back once.
 */
final class RecordNode {
    // The record.
    /** The parent row; null until it arrives (children and assertions may come first), deleted when gone. */
    private StoredRow row;
    /** Child rows by child source, then child key. */
    private final Map<String, Map<String, ChildRecord>> children = new TreeMap<>();
    /**
     * The row and the child rows as stored ({@link Codecs#source}), until something uses them; null once decoded.
     * They are most of a record node's bytes, and most inputs that touch a record do not look at them (the labels
     * its identifiers offer, a release's flags): kept encoded, they are not decoded on read nor encoded on write.
     */
    private byte[] source;
    /** {@link #source} of a record with neither row nor child rows. */
    private static final byte[] NO_SOURCE = Codecs.source(null, Map.of());
    /** Steward must-link assertions that name this record. */
    final Set<String> assertions = new TreeSet<>();
    /** Steward cannot-link assertions that name this record. */
    final Set<String> cannotLinks = new TreeSet<>();
    /** Steward overrides aimed at this record, by override id; they go wherever the record goes. */
    final Map<String, Steward> overrides = new TreeMap<>();

    // Label propagation (see docs/identity-resolution.md). Absent (anchor null) until the row first arrives.
    /**
     * Identifiers that take part in label propagation, sorted: match keys, links, assertions, the record's own link
     * identifier {@code @<record id>}, and the rule links its blocks gave it ({@link #partners}).
     */
    List<String> ids = List.of();

    Anchor anchor;
    /** Attribute values compound rules compare, as last sent to its {@link #blocks}. */
    Map<String, String> features = Map.of();
    /** The compound rules' blocks the record is in, sorted: they compare, they take no part in labels. */
    List<String> blocks = List.of();
    /** Per block, the records it links this one to, as the block last said ({@code Message.RuleLinks}). */
    final Map<String, Set<String>> partners = new TreeMap<>();

    long gen;
    Anchor label;
    /** Per identifier, the best linked co-holder label offered in the current generation. */
    final Map<String, Anchor> offers = new TreeMap<>();
    /** Per identifier, the smallest linked co-holder (for the explanation). */
    final Map<String, String> via = new TreeMap<>();
    /**
     * Once a cannot-link applies (see docs/identity-resolution.md, *Cannot-link*): the labels L_2..L_k over the
     * stronger tiers of evidence, k being 1 + the highest level marked {@link #dirty} (at most 4), as last sent;
     * empty otherwise.
     */
    List<Anchor> more = List.of();
    /** Per level 2..4, the best label identifiers offered at that level in the current generation, or null. */
    final Anchor[] heard = new Anchor[3];
    /** The dirty flags D_1..D_3 (bit j-1): the record's component over tiers j and up holds a cannot-link. */
    int dirty;
    /** Identifiers whose reply to the last JOIN or LABEL has not arrived. */
    final Set<String> pending = new TreeSet<>();
    /** The membership last published (null before the first). */
    String goldenId;
    /**
     * Whether customers.redirects holds a value for this record's own id (written and not tombstoned since): a
     * tombstone is only written over a value, not for every record that anchors its own cluster.
     */
    boolean redirected;

    String reason;
    /**
     * Whether the membership last published for this record (xref) had the record's own id, that is, its own id is
     * a customer's id. When the record next publishes another id while present, its id merged away (metric
     * {@code merges}); a record published for the first time, or after being deleted, merges nothing.
     */
    boolean live;
    /**
     * The golden ids that the last redirect published for the record's own id names as split off from it
     * ({@code splitInto}; empty when it names none or leads elsewhere): an id not among them is a new split.
     */
    List<String> announced = List.of();
    /** The record was deleted: the node only remains to hand its id on. */
    boolean ghost;
    /** For a ghost: the neighbour its id was handed to, and the golden id that id leads to now. */
    String heir;

    String target;
    /**
     * For a ghost: the live record whose golden id {@link #target} is (null: unknown, from before it was kept). A
     * ghost that is handed back a golden id of its own making knows it is stale: it was made while the ghost was
     * alive and came back around a cycle of deleted records.
     */
    String targetOrigin;
    /** Records to tell when this record's golden id changes: deleted records that named it heir, anchors it left. */
    final Set<String> ancestors = new TreeSet<>();
    /** The anchor of the cluster in the membership last published. */
    String anchorOf;
    /** For an anchor: records that left its cluster, with the golden id each is in now. */
    final Map<String, String> departed = new TreeMap<>();

    // Membership of a cluster node.
    /** The cluster node that holds this record's content, or null. */
    String memberOf;
    /** A digest of the content last sent to it, so an unchanged record sends nothing. */
    long sentDigest;
    /**
     * While its partition holds publishing back (a snapshot runs), what the record would have published waits:
     * its content for its cluster node ({@code held}) and its membership, xref and own redirect
     * ({@code heldMembership}). It goes out when the hold ends.
     */
    boolean held;

    boolean heldMembership;

    // The record's own link identifier.
    /**
     * The node of identifier {@code @<this record id>}, held by the record and by the records that link to it. It
     * lives on the record's partition anyway; keeping it inside the record node saves a store read and write for
     * every message between them (most records have no other holder).
     */
    final IdentifierNode self = new IdentifierNode();

    /**
     * The nodes of the rule links ({@code Identifiers.ruleLink}) whose first record this is, by pair id. A rule link
     * lives on its first record's partition anyway (its messages stay in the task); kept here, the messages between
     * the link and that record read and write one node instead of two, and a link costs no store entry of its own.
     * A node leaves the map when it has no holder left.
     */
    final Map<String, IdentifierNode> ruleLinks = new TreeMap<>();

    /** A node read from the store, with its row and child rows still encoded as {@link Codecs#source} wrote them. */
    void source(byte[] encoded) {
        source = encoded;
    }

    /** The row and child rows as {@link Codecs#source} writes them: as stored, if nothing used them since. */
    byte[] source() {
        return source != null ? source : Codecs.source(row, children);
    }

    StoredRow row() {
        decode();
        return row;
    }

    void row(StoredRow row) {
        decode();
        this.row = row;
    }

    /** Child rows by child source, then child key (mutable). */
    Map<String, Map<String, ChildRecord>> children() {
        decode();
        return children;
    }

    private void decode() {
        if (source != null) {
            byte[] encoded = source;
            source = null;
            Codecs.source(encoded, this::row, children);
        }
    }

    /** Whether the record takes part in label propagation (its row is present). */
    boolean present() {
        return anchor != null && !ghost;
    }

    /** Nothing worth keeping: no row version to guard, nothing waiting, no history to hand on. */
    boolean isEmpty() {
        return (source != null ? Arrays.equals(source, NO_SOURCE) : row == null && children.isEmpty())
                && assertions.isEmpty()
                && cannotLinks.isEmpty()
                && overrides.isEmpty()
                && anchor == null
                && ancestors.isEmpty()
                && memberOf == null
                && !held
                && self.holders.isEmpty()
                && ruleLinks.isEmpty();
    }
}
