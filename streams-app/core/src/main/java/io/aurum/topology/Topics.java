package io.aurum.topology;

import io.aurum.schemas.Conflict;
import io.aurum.schemas.FieldOverride;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.QualityIssue;
import io.aurum.schemas.Redirect;
import io.aurum.schemas.XrefEntry;
import org.apache.avro.specific.SpecificRecord;
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
    /** Compacted; key = identifier ({@code email=info@acme.com}); value = QualityIssue, a tombstone when it clears. */
    public static final String QUALITY = "customers.quality";
    /** Compacted; key = a golden id that names no cluster now; value = Redirect to the current one. */
    public static final String REDIRECTS = "customers.redirects";
    /**
     * Compacted; key = {@code <golden id>/<field or anomaly name>}; value = Conflict, a tombstone when the conflict
     * is gone.
     */
    public static final String CONFLICTS = "customers.conflicts";
    /**
     * Input, compacted; key = assertion id; value = JSON must-link assertion (see {@code steward.Assertion}); a
     * tombstone retracts it. Replayable like any source.
     */
    public static final String ASSERTIONS = "customers.assertions";
    /** Input, compacted, written by data stewards; any unique key; value = FieldOverride, a tombstone withdraws it. */
    public static final String OVERRIDES = "customers.overrides";
    /** Change events that could not be parsed or mapped, with the raw bytes and {@code __streams.errors.*} headers. */
    public static final String DLQ = "aurum.dlq";

    /** Names of the internal repartition topics (prefixed by the application id at run time). */
    public static final String RECORD_CHANGES = "record-changes";
    public static final String CHILD_CHANGES = "child-changes";
    public static final String ASSERTION_CHANGES = "assertion-changes";
    public static final String CLUSTER_MEMBERS = "cluster-members";
    public static final String OVERRIDE_TARGETS = "override-targets";
    public static final String OVERRIDES_BY_GOLDEN = "overrides-by-golden";

    /** Makes the value serde of a public topic from its Avro class. */
    @FunctionalInterface
    public interface AvroSerdes {
        <T extends SpecificRecord> Serde<T> serde(Class<T> type);
    }

    private final String applicationId;
    private final Topic<String, GoldenCustomer> golden;
    private final Topic<String, XrefEntry> xref;
    private final Topic<String, QualityIssue> quality;
    private final Topic<String, Redirect> redirects;
    private final Topic<String, Conflict> conflicts;
    private final Topic<String, FieldOverride> overrides;

    public Topics(AvroSerdes serdes, String applicationId) {
        this.applicationId = applicationId;
        this.golden = new Topic<>(GOLDEN, Serdes.String(), serdes.serde(GoldenCustomer.class));
        this.xref = new Topic<>(XREF, Serdes.String(), serdes.serde(XrefEntry.class));
        this.quality = new Topic<>(QUALITY, Serdes.String(), serdes.serde(QualityIssue.class));
        this.redirects = new Topic<>(REDIRECTS, Serdes.String(), serdes.serde(Redirect.class));
        this.conflicts = new Topic<>(CONFLICTS, Serdes.String(), serdes.serde(Conflict.class));
        this.overrides = new Topic<>(OVERRIDES, Serdes.String(), serdes.serde(FieldOverride.class));
    }

    /**
     * The identity resolver's two message topics. They form a cycle (records → identifiers → records), which the
     * DSL's repartition topics cannot, so Aurum creates them itself, with the application id as prefix.
     */
    public String identityToIdentifiers() { return applicationId + "-identity-to-identifiers"; }

    public String identityToRecords() { return applicationId + "-identity-to-records"; }

    public Topic<String, GoldenCustomer> golden() { return golden; }

    public Topic<String, XrefEntry> xref() { return xref; }

    public Topic<String, QualityIssue> quality() { return quality; }

    public Topic<String, Redirect> redirects() { return redirects; }

    public Topic<String, Conflict> conflicts() { return conflicts; }

    public Topic<String, FieldOverride> overrides() { return overrides; }
}
