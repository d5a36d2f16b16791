package io.aurum.topology;

import io.aurum.schemas.Conflict;
import io.aurum.schemas.FieldOverride;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.XrefEntry;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic Aurum writes or owns. The public ones have fixed names that consumers rely on; their values are
 * Avro (schemas/) in whatever serde the deployment configures, Confluent wire format by default.
 */
public final class Topics {
    /** Compacted; key = golden id; value = GoldenCustomer, a tombstone when the customer is merged away or gone. */
    public static final String GOLDEN = "customers.golden";
    /** Compacted; key = {@code <database>.<table>:<key>}; value = XrefEntry, a tombstone when the record is deleted. */
    public static final String XREF = "customers.xref";
    /**
     * Compacted; key = {@code <golden id>/<field or anomaly name>}; value = Conflict, a tombstone when the conflict
     * is gone.
     */
    public static final String CONFLICTS = "customers.conflicts";
    /** Compacted input written by data stewards; any unique key; value = FieldOverride, a tombstone withdraws it. */
    public static final String OVERRIDES = "customers.overrides";
    /** Change events that could not be parsed or mapped, with the raw bytes and {@code __streams.errors.*} headers. */
    public static final String DLQ = "aurum.dlq";

    /** Names of the internal repartition topics (prefixed by the application id at run time). */
    public static final String RECORD_CHANGES = "record-changes";
    public static final String CHILD_CHANGES = "child-changes";
    public static final String IDENTITY_INPUT = "identity-input";
    public static final String MEMBERSHIPS = "memberships";
    public static final String CLUSTER_MEMBERS = "cluster-members";
    public static final String OVERRIDE_TARGETS = "override-targets";
    public static final String OVERRIDES_BY_GOLDEN = "overrides-by-golden";

    private final Topic<String, GoldenCustomer> golden;
    private final Topic<String, XrefEntry> xref;
    private final Topic<String, Conflict> conflicts;
    private final Topic<String, FieldOverride> overrides;

    public Topics(Serde<GoldenCustomer> goldenSerde, Serde<XrefEntry> xrefSerde, Serde<Conflict> conflictSerde,
                  Serde<FieldOverride> overrideSerde) {
        this.golden = new Topic<>(GOLDEN, Serdes.String(), goldenSerde);
        this.xref = new Topic<>(XREF, Serdes.String(), xrefSerde);
        this.conflicts = new Topic<>(CONFLICTS, Serdes.String(), conflictSerde);
        this.overrides = new Topic<>(OVERRIDES, Serdes.String(), overrideSerde);
    }

    public Topic<String, GoldenCustomer> golden() { return golden; }

    public Topic<String, XrefEntry> xref() { return xref; }

    public Topic<String, Conflict> conflicts() { return conflicts; }

    public Topic<String, FieldOverride> overrides() { return overrides; }
}
