package io.aurum.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aurum.canonical.ChildChange;
import io.aurum.canonical.Position;
import io.aurum.canonical.SnapshotSweep;
import io.aurum.canonical.SourceChange;
import io.aurum.canonical.SourceRecord;
import io.aurum.canonical.SourceRecord.ChildRecord;
import io.aurum.canonical.StoredRow;
import io.aurum.codec.Binary;
import io.aurum.identity.Anchor;
import io.aurum.resolve.ClusterNode.MemberState;
import io.aurum.survivorship.Steward;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Every internal message and node state reads back equal to what was written; values keep their exact type. */
class CodecsTest {

    @Provide
    Arbitrary<Object> values() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(20).injectNull(0.1).map(s -> (Object) s),
                Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.doubles().map(d -> (Object) d),
                Arbitraries.of(true, false).map(b -> (Object) b),
                Arbitraries.bigIntegers()
                        .between(
                                java.math.BigInteger.valueOf(-1_000_000_000_000L),
                                java.math.BigInteger.valueOf(1_000_000_000_000L))
                        .map(i -> (Object) new BigDecimal(i, 2)),
                Arbitraries.integers().between(-100_000, 100_000).map(d -> (Object) LocalDate.ofEpochDay(d)),
                Arbitraries.longs().between(0, 86_399_999_999_999L).map(n -> (Object) LocalTime.ofNanoOfDay(n)),
                Arbitraries.longs().between(-10_000_000_000L, 10_000_000_000L).map(s ->
                        (Object) Instant.ofEpochSecond(s, 123_456_789)));
    }

    @Property(tries = 300)
    void canonicalValuesKeepTheirTypeAndValue(@ForAll("values") Object value) {
        Binary.Writer out = new Binary.Writer(8);
        out.value(value).zlong(-42).str("end");
        Binary.Reader in = new Binary.Reader(out.toByteArray());
        assertThat(in.value()).isEqualTo(value);
        assertThat(in.zlong()).isEqualTo(-42);
        assertThat(in.str()).isEqualTo("end");
        assertThat(in.atEnd()).isTrue();
    }

    @Property(tries = 200)
    void varintsRoundTrip(@ForAll long v) {
        Binary.Writer out = new Binary.Writer(1);
        out.zlong(v).varlong(v);
        Binary.Reader in = new Binary.Reader(out.toByteArray());
        assertThat(in.zlong()).isEqualTo(v);
        assertThat(in.varlong()).isEqualTo(v);
    }

    static SourceRecord record() {
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("email", "jane@x.com");
        attrs.put("mrr", new BigDecimal("49.90"));
        attrs.put("born", LocalDate.of(1990, 5, 17));
        return new SourceRecord(
                "crm.contacts",
                "7",
                "crm",
                attrs,
                Map.of("email", 5L, "mrr", 6L),
                List.of("@crm.contacts:7", "email=jane@x.com"),
                1000L,
                2000L,
                Map.of("billing.subscriptions", List.of(new ChildRecord("3", Map.of("status", "active"), 7L))));
    }

    static Steward steward() {
        return new Steward("o-1", null, "crm.contacts", "7", "name", "Jane", "ana", "phone call", 99L);
    }

    @Test
    void everyMessageReadsBackEqual() {
        Anchor anchor = new Anchor(1000, 1, "crm.contacts", "7");
        SourceChange change = new SourceChange(
                "crm.contacts",
                "7",
                false,
                Map.of("email", "a@b.c"),
                Set.of("phone"),
                Map.of("crm.contacts", "crm.contacts:1"),
                null,
                5L,
                new Position(77, true, 0),
                SourceChange.Origin.SNAPSHOT_LAST,
                2);
        List<Message> messages = List.of(
                new Message.Row(change),
                new Message.Child(
                        "billing.customers:2",
                        new ChildChange(
                                "billing.subscriptions", "9", new ChildRecord("9", Map.of("mrr_cents", 4900L), 3L))),
                new Message.Child("billing.customers:2", new ChildChange("billing.subscriptions", "9", null)),
                new Message.Assertion("crm.contacts:7", new io.aurum.canonical.AssertionChange("a-1", true)),
                new Message.Override("o-1", steward(), null),
                new Message.Override("o-1", null, steward()),
                new Message.Sweep(new SnapshotSweep("crm.contacts", 0, 123)),
                new Message.Snapshot("crm/0", true),
                new Message.ToIdentifier(
                        Message.ToIdentifier.Kind.JOIN,
                        "email=jane@x.com",
                        "crm.contacts:7",
                        3,
                        anchor,
                        Map.of("organization", "acme")),
                new Message.ToIdentifier(
                        Message.ToIdentifier.Kind.LEAVE, "email=jane@x.com", "crm.contacts:7", 4, null, null),
                new Message.ToRecord("crm.contacts:7", "email=jane@x.com", 3, false, true, anchor, "crm.contacts:1"),
                new Message.ToRecord("crm.contacts:7", "email=jane@x.com", 3, true, false, null, null),
                new Message.Succession("crm.contacts:1", true, "crm.contacts:7", null, false, null),
                new Message.Succession("crm.contacts:1", false, "crm.contacts:7", "gc_1", false, "crm.contacts:9"),
                // Cannot-links: labels beyond L_1 and dirty flags, a cannot-link assertion.
                new Message.ToIdentifier(
                        Message.ToIdentifier.Kind.LABEL,
                        "~cl-1",
                        "crm.contacts:7",
                        3,
                        anchor,
                        null,
                        List.of(anchor, new Anchor(2000, 1, "crm.contacts", "9")),
                        0b11),
                new Message.ToRecord("crm.contacts:7", "~cl-1", 3, false, true, null, null, List.of(), 0b1),
                new Message.ToRecord(
                        "crm.contacts:7",
                        "@crm.contacts:1",
                        3,
                        false,
                        false,
                        anchor,
                        "crm.contacts:1",
                        List.of(anchor),
                        0b101),
                new Message.Assertion("crm.contacts:7", new io.aurum.canonical.AssertionChange("cl-1", false, true)),
                new Message.Member("gc_1", record(), Map.of("o-1", steward())),
                new Message.Leave("gc_1", "crm.contacts:7"),
                new Message.Batch(
                        2,
                        List.of(
                                new Message.ToRecord(
                                        "crm.contacts:7", "email=jane@x.com", 3, false, true, anchor, "crm.contacts:1"),
                                new Message.Leave("gc_1", "crm.contacts:7"))),
                new Message.RuleLinks(
                        "crm.contacts:7",
                        "company_domain=acme.com",
                        true,
                        List.of("billing.customers:2", "support.users:4"),
                        List.of()),
                new Message.RuleLinks(
                        "crm.contacts:7", "company_domain=acme.com", false, List.of(), List.of("support.users:4")),
                new Message.Hold(3, true),
                new Message.Probe(7),
                new Message.Status(7, 2, 100, 99, true),
                new Message.Quiet(7));
        for (Message m : messages) {
            assertThat(Codecs.MESSAGE.decode(Codecs.MESSAGE.encode(m)))
                    .as(m.toString())
                    .isEqualTo(m);
        }
    }

    @Test
    void nodeStateReadsBackEqual() {
        RecordNode n = new RecordNode();
        withRows(n, Map.of("email", "a@b.c"));
        n.assertions.add("a-1");
        n.overrides.put("o-1", steward());
        n.ids = List.of("@crm.contacts:7", "email=a@b.c");
        n.anchor = new Anchor(5, 1, "crm.contacts", "7");
        n.label = new Anchor(1, 1, "crm.contacts", "1");
        n.gen = 3;
        n.offers.put("email=a@b.c", n.label);
        n.via.put("email=a@b.c", "crm.contacts:1");
        n.pending.add("@crm.contacts:7");
        n.goldenId = "gc_1";
        n.reason = "email=a***@b.c";
        n.ancestors.add("crm.contacts:9");
        n.anchorOf = "crm.contacts:1";
        n.departed.put("crm.contacts:8", "gc_2");
        n.memberOf = "gc_1";
        n.sentDigest = -5L;
        n.held = true;
        n.heldMembership = true;
        n.self.gen = 4;
        n.self.active = false;
        n.self.holders.put("billing.customers:2", new IdentifierNode.Holder(n.label, Map.of("organization", "x")));
        n.redirected = true;
        n.live = true;
        n.announced = List.of("gc_2", "gc_3");
        RecordNode back = used(Codecs.RECORD_NODE.decode(Codecs.RECORD_NODE.encode(n)));
        assertThat(back).usingRecursiveComparison().isEqualTo(n);
        // Stored by the previous release (format 2, its own link identifier's node in format 1): reads the same.
        // (what format 3 added about its published id, live and announced, format 2 nodes work out from state)
        assertThat(used(Codecs.RECORD_NODE.decode(recordNodeFormat2(n))))
                .usingRecursiveComparison()
                .ignoringFields("live", "announced")
                .isEqualTo(n);
        // Cannot-links.
        n.cannotLinks.add("cl-1");
        n.more = List.of(n.anchor, n.anchor);
        n.heard[1] = n.label;
        n.dirty = 0b11;
        // Compound rules' blocks and the rule links they gave (format 4).
        n.blocks = List.of("company_domain=acme.com");
        n.features = Map.of("organization", "acme corp");
        n.partners.put("company_domain=acme.com", new java.util.TreeSet<>(Set.of("billing.customers:2")));
        n.self.holders.put(
                "crm.contacts:3",
                new IdentifierNode.Holder(
                        n.label, Map.of(), n.anchor, "crm.contacts:1", List.of(n.anchor), 1, List.of(n.label), 3));
        assertThat(used(Codecs.RECORD_NODE.decode(Codecs.RECORD_NODE.encode(n))))
                .usingRecursiveComparison()
                .isEqualTo(n);
        // The nodes of the rule links whose first record it is (format 5).
        IdentifierNode link = new IdentifierNode();
        link.gen = 2;
        link.holders.put("crm.contacts:7", new IdentifierNode.Holder(n.label, Map.of(), n.anchor, "crm.contacts:1"));
        link.holders.put(
                "billing.customers:2",
                new IdentifierNode.Holder(n.label, Map.of(), null, null, List.of(n.anchor), 1, List.of(), 0));
        n.ruleLinks.put(io.aurum.canonical.Identifiers.ruleLink("crm.contacts:7", "billing.customers:2"), link);
        assertThat(used(Codecs.RECORD_NODE.decode(Codecs.RECORD_NODE.encode(n))))
                .usingRecursiveComparison()
                .isEqualTo(n);

        IdentifierNode i = new IdentifierNode();
        i.gen = 7;
        i.active = false;
        i.holders.put(
                "crm.contacts:7",
                new IdentifierNode.Holder(n.label, Map.of("organization", "acme"), n.anchor, "crm.contacts:1"));
        i.holders.put("crm.contacts:8", new IdentifierNode.Holder(null, Map.of()));
        assertThat(Codecs.IDENTIFIER_NODE.decode(Codecs.IDENTIFIER_NODE.encode(i)))
                .usingRecursiveComparison()
                .isEqualTo(i);
        Binary.Writer old = new Binary.Writer();
        old.u8(1);
        identifierNodeFormat1(old, i);
        assertThat(Codecs.IDENTIFIER_NODE.decode(old.toByteArray()))
                .usingRecursiveComparison()
                .isEqualTo(i);
        i.holders.put(
                "crm.contacts:9",
                new IdentifierNode.Holder(
                        n.label, Map.of(), null, null, List.of(n.anchor, n.label), 0b10, List.of(), 0));
        assertThat(Codecs.IDENTIFIER_NODE.decode(Codecs.IDENTIFIER_NODE.encode(i)))
                .usingRecursiveComparison()
                .isEqualTo(i);

        ClusterNode c = new ClusterNode();
        c.members.put("crm.contacts:7", new MemberState(record(), Map.of("o-1", steward())));
        c.overrides.put("o-2", steward());
        c.goldenDigest = 12345L;
        c.conflicts.put("email", 99L);
        c.dirty = true;
        assertThat(Codecs.CLUSTER_NODE.decode(Codecs.CLUSTER_NODE.encode(c)))
                .usingRecursiveComparison()
                .isEqualTo(c);
    }

    /**
     * A record node written before format 3 has no word on what its own id published: an anchor's node says it
     * from its state (its own id live, the splits its departed records make), so the event counters go on from it.
     */
    @Test
    void aRecordNodeOfFormat2TellsWhetherItsOwnIdIsLiveFromItsState() {
        RecordNode anchor = new RecordNode();
        anchor.anchor = new Anchor(5, 1, "crm.contacts", "7");
        anchor.label = anchor.anchor;
        anchor.goldenId = io.aurum.identity.GoldenIds.of("crm.contacts:7");
        anchor.redirected = true;
        anchor.departed.put("crm.contacts:8", "gc_b");
        anchor.departed.put("crm.contacts:9", "gc_a");
        anchor.departed.put("crm.contacts:10", "gc_a");
        RecordNode back = Codecs.RECORD_NODE.decode(recordNodeFormat2(anchor));
        assertThat(back.live).isTrue();
        assertThat(back.announced).containsExactly("gc_a", "gc_b");

        RecordNode member = new RecordNode();
        member.anchor = new Anchor(5, 1, "crm.contacts", "7");
        member.label = new Anchor(1, 1, "crm.contacts", "1");
        member.goldenId = io.aurum.identity.GoldenIds.of("crm.contacts:1");
        member.redirected = true;
        back = Codecs.RECORD_NODE.decode(recordNodeFormat2(member));
        assertThat(back.live).isFalse();
        assertThat(back.announced).isEmpty();
    }

    /** A record node as the previous release wrote it (format 2), without the fields cannot-links added. */
    /** Gives the node a row with these values (version 1 each) and one child row. */
    private static void withRows(RecordNode n, Map<String, Object> values) {
        Map<String, Long> versions = new java.util.HashMap<>();
        values.keySet().forEach(k -> versions.put(k, 1L));
        n.row(new StoredRow(values, versions, Map.of(), null, 5L, new Position(10, false, 20), false, 10, 0));
        n.children()
                .put(
                        "billing.subscriptions",
                        new java.util.TreeMap<>(Map.of("3", new ChildRecord("3", Map.of("status", "active"), 7L))));
    }

    /** The node with its row and child rows decoded, as the resolver sees them when it uses them. */
    private static RecordNode used(RecordNode n) {
        n.row();
        return n;
    }

    @Test
    void aRecordsRowsStayAsStoredUntilUsed() {
        RecordNode n = new RecordNode();
        withRows(n, Map.of("email", "a@b.c", "name", "Zoë"));
        n.gen = 2;
        byte[] stored = Codecs.RECORD_NODE.encode(n);

        // Read, changed elsewhere (its labels), written: the rows go back byte for byte, never decoded.
        RecordNode read = Codecs.RECORD_NODE.decode(stored);
        assertThat(read.isEmpty()).isFalse();
        assertThat(read.source()).isSameAs(read.source()); // still the stored bytes: not decoded to tell
        assertThat(Codecs.RECORD_NODE
                        .decode(Codecs.RECORD_NODE.encode(new RecordNode()))
                        .isEmpty())
                .isTrue();
        read.gen = 3;
        RecordNode again = Codecs.RECORD_NODE.decode(Codecs.RECORD_NODE.encode(read));
        assertThat(again.gen).isEqualTo(3);
        assertThat(used(again).row()).isEqualTo(n.row());
        assertThat(again.children()).isEqualTo(n.children());

        // Read and used without a change: written exactly as stored (the node store then skips the write).
        RecordNode looked = Codecs.RECORD_NODE.decode(stored);
        assertThat(looked.children()).containsKey("billing.subscriptions");
        assertThat(Codecs.RECORD_NODE.encode(looked)).isEqualTo(stored);

        // Changed: the change is what is written.
        looked.children().remove("billing.subscriptions");
        assertThat(Codecs.RECORD_NODE.decode(Codecs.RECORD_NODE.encode(looked)).children())
                .isEmpty();
    }

    static byte[] recordNodeFormat2(RecordNode n) {
        Binary.Writer w = new Binary.Writer();
        w.u8(2);
        w.opt(n.row(), Codecs::storedRow);
        w.map(n.children(), (x, rows) -> x.map(rows, Codecs::childRecord));
        w.list(List.copyOf(n.assertions), Binary.Writer::str);
        w.map(n.overrides, Codecs::steward);
        w.list(n.ids, Binary.Writer::str).opt(n.anchor, Codecs::anchor);
        Codecs.strings(w, n.features);
        w.zlong(n.gen).opt(n.label, Codecs::anchor);
        w.map(n.offers, Codecs::anchor);
        Codecs.strings(w, n.via);
        w.list(List.copyOf(n.pending), Binary.Writer::str);
        w.str(n.goldenId).str(n.reason).bool(n.ghost).str(n.heir).str(n.target);
        w.list(List.copyOf(n.ancestors), Binary.Writer::str).str(n.anchorOf);
        Codecs.strings(w, n.departed);
        w.str(n.memberOf).zlong(n.sentDigest).bool(n.held).bool(n.heldMembership);
        identifierNodeFormat1(w, n.self);
        w.bool(n.redirected);
        return w.toByteArray();
    }

    /** An identifier node as the previous release wrote it (format 1). */
    static void identifierNodeFormat1(Binary.Writer w, IdentifierNode n) {
        w.zlong(n.gen).bool(n.active);
        w.map(n.holders, (x, h) -> {
            x.opt(h.label(), Codecs::anchor);
            Codecs.strings(x, h.features());
            x.opt(h.offered(), Codecs::anchor).str(h.via());
        });
    }

    @Test
    void messagesWithoutCannotLinksAreWrittenAsBefore() {
        Anchor anchor = new Anchor(1000, 1, "crm.contacts", "7");
        // The tags of the previous release (7: ToIdentifier, 8: ToRecord, 3: Assertion), nothing appended.
        byte[] label = Codecs.MESSAGE.encode(new Message.ToIdentifier(
                Message.ToIdentifier.Kind.LABEL, "email=jane@x.com", "crm.contacts:7", 3, anchor, null));
        assertThat(label[1]).isEqualTo((byte) 7);
        byte[] offer = Codecs.MESSAGE.encode(
                new Message.ToRecord("crm.contacts:7", "email=jane@x.com", 3, false, true, anchor, "crm.contacts:1"));
        assertThat(offer[1]).isEqualTo((byte) 8);
        Binary.Writer before = new Binary.Writer();
        before.u8(Codecs.MESSAGE.version())
                .u8(8)
                .str("crm.contacts:7")
                .str("email=jane@x.com")
                .zlong(3)
                .bool(false)
                .bool(true);
        before.opt(anchor, Codecs::anchor).str("crm.contacts:1");
        assertThat(offer).isEqualTo(before.toByteArray());
        byte[] assertion = Codecs.MESSAGE.encode(
                new Message.Assertion("crm.contacts:7", new io.aurum.canonical.AssertionChange("a-1", true)));
        assertThat(assertion[1]).isEqualTo((byte) 3);
    }

    @Test
    void aNewerFormatIsRefusedAndGarbageIsReportedNotMisread() {
        byte[] bytes = Codecs.MESSAGE.encode(new Message.Leave("gc_1", "crm.contacts:7"));
        bytes[0] = 9;
        assertThatThrownBy(() -> Codecs.MESSAGE.decode(bytes)).hasMessageContaining("newer");
        assertThatThrownBy(() -> Codecs.MESSAGE.decode(new byte[] {1, (byte) 200}))
                .hasMessageContaining("unknown message tag");
    }
}
