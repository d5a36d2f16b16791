package io.aurum.resolve;

import io.aurum.canonical.AssertionChange;
import io.aurum.canonical.ChildChange;
import io.aurum.canonical.Position;
import io.aurum.canonical.SnapshotSweep;
import io.aurum.canonical.SourceChange;
import io.aurum.canonical.SourceRecord;
import io.aurum.canonical.SourceRecord.ChildRecord;
import io.aurum.canonical.StoredRow;
import io.aurum.codec.Binary;
import io.aurum.codec.Binary.Reader;
import io.aurum.codec.Binary.Writer;
import io.aurum.codec.Codec;
import io.aurum.identity.Anchor;
import io.aurum.identity.GoldenIds;
import io.aurum.resolve.ClusterNode.MemberState;
import io.aurum.resolve.IdentifierNode.Holder;
import io.aurum.survivorship.Steward;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The {@link Binary} form of the resolver's messages and node state, and of the canonical values they carry.
 * Field order is the format; a new field goes at the end of its type under a new {@link Codec#version()}.
 */
public final class Codecs {
    private Codecs() {}

    // ---- Canonical values.

    static void position(Writer w, Position p) {
        w.zlong(p.lsn()).bool(p.snapshot()).zlong(p.tsMs()).bool(p.rowTime());
    }

    static Position position(Reader r) {
        return new Position(r.zlong(), r.bool(), r.zlong(), r.bool());
    }

    static void values(Writer w, Map<String, Object> m) {
        w.map(m, Writer::value);
    }

    static Map<String, Object> values(Reader r) {
        return r.map(LinkedHashMap::new, Reader::value);
    }

    static void longs(Writer w, Map<String, Long> m) {
        w.map(m, Writer::zlong);
    }

    static Map<String, Long> longs(Reader r) {
        return r.map(HashMap::new, Reader::zlong);
    }

    static void strings(Writer w, Map<String, String> m) {
        w.map(m, Writer::str);
    }

    static Map<String, String> strings(Reader r) {
        return r.map(LinkedHashMap::new, Reader::str);
    }

    static void storedRow(Writer w, StoredRow row) {
        values(w, row.attributes());
        longs(w, row.attributeTs());
        strings(w, row.links());
        w.str(row.parentId());
        w.opt(row.createdAt(), Writer::zlong);
        position(w, row.position());
        w.bool(row.deleted()).zlong(row.seen()).varint(row.partition());
    }

    static StoredRow storedRow(Reader r) {
        return new StoredRow(
                values(r),
                longs(r),
                strings(r),
                r.str(),
                r.opt(Reader::zlong),
                position(r),
                r.bool(),
                r.zlong(),
                r.varint());
    }

    static void childRecord(Writer w, ChildRecord c) {
        w.str(c.key());
        values(w, c.attributes());
        w.zlong(c.sourceTs());
    }

    static ChildRecord childRecord(Reader r) {
        return new ChildRecord(r.str(), values(r), r.zlong());
    }

    static void sourceRecord(Writer w, SourceRecord s) {
        w.str(s.source()).str(s.key()).str(s.system());
        values(w, s.attributes());
        longs(w, s.attributeTs());
        w.list(s.identifiers(), Writer::str);
        w.zlong(s.createdAt()).zlong(s.sourceTs());
        w.map(s.children(), (x, rows) -> x.list(rows, Codecs::childRecord));
    }

    static SourceRecord sourceRecord(Reader r) {
        return new SourceRecord(
                r.str(),
                r.str(),
                r.str(),
                values(r),
                longs(r),
                r.list(Reader::str),
                r.zlong(),
                r.zlong(),
                r.map(LinkedHashMap::new, x -> x.list(Codecs::childRecord)));
    }

    static void steward(Writer w, Steward s) {
        w.str(s.id())
                .str(s.goldenId())
                .str(s.source())
                .str(s.key())
                .str(s.field())
                .value(s.value())
                .str(s.who())
                .str(s.why())
                .zlong(s.at());
    }

    static Steward steward(Reader r) {
        return new Steward(r.str(), r.str(), r.str(), r.str(), r.str(), r.value(), r.str(), r.str(), r.zlong());
    }

    static void anchor(Writer w, Anchor a) {
        w.zlong(a.createdAt()).zlong(a.priority()).str(a.source()).str(a.key());
    }

    static Anchor anchor(Reader r) {
        return new Anchor(r.zlong(), (int) r.zlong(), r.str(), r.str());
    }

    static void sourceChange(Writer w, SourceChange c) {
        w.str(c.source()).str(c.key()).bool(c.delete());
        values(w, c.attributes());
        w.list(List.copyOf(c.unchanged()), Writer::str);
        strings(w, c.links());
        w.str(c.parentId()).opt(c.createdAt(), Writer::zlong);
        position(w, c.position());
        w.u8(c.origin().ordinal()).varint(c.partition());
    }

    static SourceChange sourceChange(Reader r) {
        return new SourceChange(
                r.str(),
                r.str(),
                r.bool(),
                values(r),
                new LinkedHashSet<>(r.list(Reader::str)),
                strings(r),
                r.str(),
                r.opt(Reader::zlong),
                position(r),
                SourceChange.Origin.values()[r.u8()],
                r.varint());
    }

    // ---- Stored rows (the map stage's child rows).

    public static final Codec<StoredRow> STORED_ROW = new Codec<>() {
        public int version() {
            return 1;
        }

        public void write(Writer out, StoredRow row) {
            storedRow(out, row);
        }

        public StoredRow read(Reader in, int version) {
            return storedRow(in);
        }
    };

    public static final Codec<Long> LONG = new Codec<>() {
        public int version() {
            return 1;
        }

        public void write(Writer out, Long v) {
            out.zlong(v);
        }

        public Long read(Reader in, int version) {
            return in.zlong();
        }
    };

    public static final Codec<Steward> STEWARD = new Codec<>() {
        public int version() {
            return 1;
        }

        public void write(Writer out, Steward v) {
            steward(out, v);
        }

        public Steward read(Reader in, int version) {
            return steward(in);
        }
    };

    public static final Codec<List<String>> STRINGS = new Codec<>() {
        public int version() {
            return 1;
        }

        public void write(Writer out, List<String> v) {
            out.list(v, Writer::str);
        }

        public List<String> read(Reader in, int version) {
            return in.list(Reader::str);
        }
    };

    // ---- Messages.

    private static final int ROW = 1;
    private static final int CHILD = 2;
    private static final int ASSERTION = 3;
    private static final int OVERRIDE = 4;
    private static final int SWEEP = 5;
    private static final int SNAPSHOT = 6;
    private static final int TO_IDENTIFIER = 7;
    private static final int TO_RECORD = 8;
    private static final int SUCCESSION = 9;
    private static final int MEMBER = 10;
    private static final int LEAVE = 11;
    private static final int HOLD = 12;
    private static final int PROBE = 13;
    private static final int STATUS = 14;
    private static final int QUIET = 15;
    // Tags 16-18 carry what only cannot-links need, so messages without stay as they were, byte for byte.
    /** A ToIdentifier with labels beyond L_1 or dirty flags. */
    private static final int TO_IDENTIFIER_MORE = 16;
    /** A ToRecord with labels beyond L_1 or dirty flags. */
    private static final int TO_RECORD_MORE = 17;
    /** A cannot-link assertion's change. */
    private static final int CANNOT_LINK = 18;

    static void anchors(Writer w, List<Anchor> a) {
        w.list(a, Codecs::anchor);
    }

    static List<Anchor> anchors(Reader r) {
        return r.list(Codecs::anchor);
    }

    private static final int BATCH = 19;
    private static final int RULE_LINKS = 20;

    public static final Codec<Message> MESSAGE = new Codec<>() {
        public int version() {
            return 4; // 2: the origin of a succession's golden id; 3: batches; 4: rule links
        }

        public void write(Writer w, Message message) {
            if (message instanceof Message.Row m) {
                w.u8(ROW);
                sourceChange(w, m.change());
            } else if (message instanceof Message.Child m) {
                w.u8(CHILD)
                        .str(m.parentId())
                        .str(m.change().childSource())
                        .str(m.change().childKey());
                w.opt(m.change().child(), Codecs::childRecord);
            } else if (message instanceof Message.Assertion m) {
                w.u8(m.change().cannotLink() ? CANNOT_LINK : ASSERTION)
                        .str(m.recordId())
                        .str(m.change().assertionId())
                        .bool(m.change().present());
            } else if (message instanceof Message.Override m) {
                w.u8(OVERRIDE).str(m.id()).opt(m.override(), Codecs::steward).opt(m.previous(), Codecs::steward);
            } else if (message instanceof Message.Sweep m) {
                w.u8(SWEEP)
                        .str(m.sweep().source())
                        .varint(m.sweep().partition())
                        .zlong(m.sweep().generation());
            } else if (message instanceof Message.Snapshot m) {
                w.u8(SNAPSHOT).str(m.database()).bool(m.running());
            } else if (message instanceof Message.ToIdentifier m) {
                boolean more = !m.more().isEmpty() || m.dirty() != 0;
                w.u8(more ? TO_IDENTIFIER_MORE : TO_IDENTIFIER)
                        .u8(m.kind().ordinal())
                        .str(m.identifier())
                        .str(m.recordId())
                        .zlong(m.gen());
                w.opt(m.label(), Codecs::anchor).opt(m.features(), Codecs::strings);
                if (more) {
                    anchors(w, m.more());
                    w.varint(m.dirty());
                }
            } else if (message instanceof Message.ToRecord m) {
                boolean more = !m.more().isEmpty() || m.dirty() != 0;
                w.u8(more ? TO_RECORD_MORE : TO_RECORD)
                        .str(m.recordId())
                        .str(m.identifier())
                        .zlong(m.gen())
                        .bool(m.reset())
                        .bool(m.ack());
                w.opt(m.label(), Codecs::anchor).str(m.via());
                if (more) {
                    anchors(w, m.more());
                    w.varint(m.dirty());
                }
            } else if (message instanceof Message.RuleLinks m) {
                w.u8(RULE_LINKS).str(m.recordId()).str(m.block()).bool(m.full());
                w.list(m.linked(), Writer::str).list(m.unlinked(), Writer::str);
            } else if (message instanceof Message.Batch m) {
                w.u8(BATCH).varint(m.partition());
                w.list(m.messages(), this::write);
            } else if (message instanceof Message.Succession m) {
                w.u8(SUCCESSION)
                        .str(m.recordId())
                        .bool(m.adopt())
                        .str(m.from())
                        .str(m.goldenId())
                        .bool(m.departure())
                        .str(m.origin());
            } else if (message instanceof Message.Member m) {
                w.u8(MEMBER).str(m.goldenId());
                sourceRecord(w, m.record());
                w.map(m.overrides(), Codecs::steward);
            } else if (message instanceof Message.Leave m) {
                w.u8(LEAVE).str(m.goldenId()).str(m.recordId());
            } else if (message instanceof Message.Hold m) {
                w.u8(HOLD).varint(m.partition()).bool(m.holding());
            } else if (message instanceof Message.Probe m) {
                w.u8(PROBE).zlong(m.round());
            } else if (message instanceof Message.Status m) {
                w.u8(STATUS)
                        .zlong(m.round())
                        .varint(m.partition())
                        .zlong(m.sent())
                        .zlong(m.received())
                        .bool(m.holding());
            } else if (message instanceof Message.Quiet m) {
                w.u8(QUIET).zlong(m.round());
            } else {
                throw new IllegalArgumentException("no codec for " + message);
            }
        }

        public Message read(Reader r, int version) {
            int tag = r.u8();
            return switch (tag) {
                case ROW -> new Message.Row(sourceChange(r));
                case CHILD -> {
                    String parent = r.str();
                    yield new Message.Child(parent, new ChildChange(r.str(), r.str(), r.opt(Codecs::childRecord)));
                }
                case ASSERTION, CANNOT_LINK -> {
                    String rid = r.str();
                    yield new Message.Assertion(rid, new AssertionChange(r.str(), r.bool(), tag == CANNOT_LINK));
                }
                case OVERRIDE -> new Message.Override(r.str(), r.opt(Codecs::steward), r.opt(Codecs::steward));
                case SWEEP -> new Message.Sweep(new SnapshotSweep(r.str(), r.varint(), r.zlong()));
                case SNAPSHOT -> new Message.Snapshot(r.str(), r.bool());
                case TO_IDENTIFIER, TO_IDENTIFIER_MORE ->
                    new Message.ToIdentifier(
                            Message.ToIdentifier.Kind.values()[r.u8()],
                            r.str(),
                            r.str(),
                            r.zlong(),
                            r.opt(Codecs::anchor),
                            r.opt(Codecs::strings),
                            tag == TO_IDENTIFIER_MORE ? anchors(r) : List.of(),
                            tag == TO_IDENTIFIER_MORE ? r.varint() : 0);
                case TO_RECORD, TO_RECORD_MORE ->
                    new Message.ToRecord(
                            r.str(),
                            r.str(),
                            r.zlong(),
                            r.bool(),
                            r.bool(),
                            r.opt(Codecs::anchor),
                            r.str(),
                            tag == TO_RECORD_MORE ? anchors(r) : List.of(),
                            tag == TO_RECORD_MORE ? r.varint() : 0);
                case SUCCESSION ->
                    new Message.Succession(
                            r.str(), r.bool(), r.str(), r.str(), r.bool(), version >= 2 ? r.str() : null);
                case MEMBER -> new Message.Member(r.str(), sourceRecord(r), r.sorted(Codecs::steward));
                case LEAVE -> new Message.Leave(r.str(), r.str());
                case HOLD -> new Message.Hold(r.varint(), r.bool());
                case PROBE -> new Message.Probe(r.zlong());
                case STATUS -> new Message.Status(r.zlong(), r.varint(), r.zlong(), r.zlong(), r.bool());
                case QUIET -> new Message.Quiet(r.zlong());
                case RULE_LINKS ->
                    new Message.RuleLinks(r.str(), r.str(), r.bool(), r.list(Reader::str), r.list(Reader::str));
                case BATCH -> new Message.Batch(r.varint(), r.list(x -> read(x, version)));
                default -> throw new IllegalArgumentException("unknown message tag " + tag);
            };
        }
    };

    // ---- Node state (the resolver's stores hold these bytes; the resolver encodes and decodes, see NodeStore).

    /** A record's row (or null) and child rows, as record nodes keep them until used ({@code RecordNode.source}). */
    static byte[] source(StoredRow row, Map<String, Map<String, ChildRecord>> children) {
        Writer w = new Writer(512);
        w.opt(row, Codecs::storedRow);
        w.map(children, (x, rows) -> x.map(rows, Codecs::childRecord));
        return w.toByteArray();
    }

    /** Reads what {@link #source(StoredRow, Map)} wrote: the row goes to {@code row}, the child rows into {@code children}. */
    static void source(
            byte[] encoded,
            java.util.function.Consumer<StoredRow> row,
            Map<String, Map<String, ChildRecord>> children) {
        sourceParts(new Reader(encoded), row, children);
    }

    private static void sourceParts(
            Reader r, java.util.function.Consumer<StoredRow> row, Map<String, Map<String, ChildRecord>> children) {
        row.accept(r.opt(Codecs::storedRow));
        children.putAll(r.sorted(x -> x.sorted(Codecs::childRecord)));
    }

    static final Codec<RecordNode> RECORD_NODE = new Codec<>() {
        public int version() {
            // 2: whether the record's own id has a published redirect; 3: whether its own id is live, the splits
            // its redirect announced (what the resolver's event counters compare with), the origin of a ghost's
            // target; cannot-links naming it, labels beyond L_1, the best offered at each level, dirty flags (and its
            // own link identifier's node in format 2); 4: compound rules' blocks apart from the identifiers, and the
            // records each links it to; 5: the nodes of the rule links whose first record it is; 6: the row and
            // child rows as one length-prefixed part (source), read only when used
            return 6;
        }

        public void write(Writer w, RecordNode n) {
            w.bytes(n.source());
            w.list(List.copyOf(n.assertions), Writer::str);
            w.map(n.overrides, Codecs::steward);
            w.list(n.ids, Writer::str).opt(n.anchor, Codecs::anchor);
            strings(w, n.features);
            w.zlong(n.gen).opt(n.label, Codecs::anchor);
            w.map(n.offers, Codecs::anchor);
            strings(w, n.via);
            w.list(List.copyOf(n.pending), Writer::str);
            w.str(n.goldenId).str(n.reason).bool(n.ghost).str(n.heir).str(n.target);
            w.list(List.copyOf(n.ancestors), Writer::str).str(n.anchorOf);
            strings(w, n.departed);
            w.str(n.memberOf).zlong(n.sentDigest).bool(n.held).bool(n.heldMembership);
            IDENTIFIER_NODE.write(w, n.self);
            w.bool(n.redirected);
            w.bool(n.live).list(n.announced, Writer::str);
            w.str(n.targetOrigin);
            w.list(List.copyOf(n.cannotLinks), Writer::str);
            anchors(w, n.more);
            w.list(java.util.Arrays.asList(n.heard), (x, a) -> x.opt(a, Codecs::anchor));
            w.varint(n.dirty);
            w.list(n.blocks, Writer::str);
            w.map(n.partners, (x, set) -> x.list(List.copyOf(set), Writer::str));
            w.map(n.ruleLinks, IDENTIFIER_NODE::write);
        }

        public RecordNode read(Reader r, int version) {
            RecordNode n = new RecordNode();
            if (version >= 6) {
                n.source(r.bytes());
            } else {
                sourceParts(r, n::row, n.children());
            }
            n.assertions.addAll(r.list(Reader::str));
            n.overrides.putAll(r.sorted(Codecs::steward));
            n.ids = r.list(Reader::str);
            n.anchor = r.opt(Codecs::anchor);
            n.features = r.sorted(Reader::str);
            n.gen = r.zlong();
            n.label = r.opt(Codecs::anchor);
            n.offers.putAll(r.sorted(Codecs::anchor));
            n.via.putAll(r.sorted(Reader::str));
            n.pending.addAll(r.list(Reader::str));
            n.goldenId = r.str();
            n.reason = r.str();
            n.ghost = r.bool();
            n.heir = r.str();
            n.target = r.str();
            n.ancestors.addAll(r.list(Reader::str));
            n.anchorOf = r.str();
            n.departed.putAll(r.sorted(Reader::str));
            n.memberOf = r.str();
            n.sentDigest = r.zlong();
            n.held = r.bool();
            n.heldMembership = r.bool();
            // Format 3 holds its own link identifier's node in that codec's format 2; 1 and 2 in its format 1.
            IdentifierNode self = IDENTIFIER_NODE.read(r, version >= 3 ? 2 : 1);
            n.self.gen = self.gen;
            n.self.active = self.active;
            n.self.holders.putAll(self.holders);
            // Before version 2 nothing said: assume a redirect may be out there, so a tombstone still follows.
            n.redirected = version < 2 || r.bool();
            if (version >= 3) {
                n.live = r.bool();
                n.announced = r.list(Reader::str);
                n.targetOrigin = r.str();
                n.cannotLinks.addAll(r.list(Reader::str));
                n.more = anchors(r);
                List<Anchor> heard = r.list(x -> x.opt(Codecs::anchor));
                for (int i = 0; i < heard.size() && i < n.heard.length; i++) {
                    n.heard[i] = heard.get(i);
                }
                n.dirty = r.varint();
                if (version >= 4) {
                    n.blocks = r.list(Reader::str);
                    r.sorted(x -> x.list(Reader::str))
                            .forEach((block, records) -> n.partners.put(block, new java.util.TreeSet<>(records)));
                }
                if (version >= 5) {
                    // Before version 5 rule links were nodes of the identifier store (`aurum reset` rebuilds them).
                    n.ruleLinks.putAll(r.sorted(x -> IDENTIFIER_NODE.read(x, IDENTIFIER_NODE.version())));
                }
            } else if (n.present() && !n.heldMembership && n.goldenId != null) {
                // Before version 3 nothing said: what the record published follows from its state, unless a
                // snapshot held it back (then count no merge and announce anew).
                String own = GoldenIds.of(n.anchor.recordId());
                n.live = n.goldenId.equals(own);
                n.announced = !n.live || !n.redirected
                        ? List.of()
                        : n.departed.values().stream()
                                .filter(v -> !v.equals(own))
                                .distinct()
                                .sorted()
                                .toList();
            }
            return n;
        }
    };

    static final Codec<IdentifierNode> IDENTIFIER_NODE = new Codec<>() {
        public int version() {
            return 2; // 2: holders' labels beyond L_1 and dirty flags, for the few holders that have any
        }

        public void write(Writer w, IdentifierNode n) {
            w.zlong(n.gen).bool(n.active);
            w.map(n.holders, (x, h) -> {
                x.opt(h.label(), Codecs::anchor);
                strings(x, h.features());
                x.opt(h.offered(), Codecs::anchor).str(h.via());
            });
            Map<String, Holder> extended = new java.util.TreeMap<>();
            n.holders.forEach((k, h) -> {
                if (h.extended()) {
                    extended.put(k, h);
                }
            });
            w.map(extended, (x, h) -> {
                anchors(x, h.more());
                x.varint(h.dirty());
                anchors(x, h.offeredMore());
                x.varint(h.offeredDirty());
            });
        }

        public IdentifierNode read(Reader r, int version) {
            IdentifierNode n = new IdentifierNode();
            n.gen = r.zlong();
            n.active = r.bool();
            n.holders.putAll(r.sorted(
                    x -> new Holder(x.opt(Codecs::anchor), x.sorted(Reader::str), x.opt(Codecs::anchor), x.str())));
            if (version >= 2) {
                r.sorted(x -> {
                            List<Anchor> more = anchors(x);
                            int dirty = x.varint();
                            List<Anchor> offeredMore = anchors(x);
                            int offeredDirty = x.varint();
                            return new Holder(null, Map.of(), null, null, more, dirty, offeredMore, offeredDirty);
                        })
                        .forEach((k, e) -> {
                            Holder h = n.holders.get(k);
                            n.holders.put(
                                    k,
                                    new Holder(
                                            h.label(),
                                            h.features(),
                                            h.offered(),
                                            h.via(),
                                            e.more(),
                                            e.dirty(),
                                            e.offeredMore(),
                                            e.offeredDirty()));
                        });
            }
            return n;
        }
    };

    static final Codec<ClusterNode> CLUSTER_NODE = new Codec<>() {
        public int version() {
            return 1;
        }

        public void write(Writer w, ClusterNode n) {
            w.map(n.members, (x, m) -> {
                sourceRecord(x, m.record());
                x.map(m.overrides(), Codecs::steward);
            });
            w.map(n.overrides, Codecs::steward);
            w.zlong(n.goldenDigest);
            w.map(n.conflicts, Writer::zlong);
            w.bool(n.dirty);
        }

        public ClusterNode read(Reader r, int version) {
            ClusterNode n = new ClusterNode();
            n.members.putAll(r.sorted(x -> new MemberState(sourceRecord(x), x.sorted(Codecs::steward))));
            n.overrides.putAll(r.sorted(Codecs::steward));
            n.goldenDigest = r.zlong();
            n.conflicts.putAll(r.sorted(Reader::zlong));
            n.dirty = r.bool();
            return n;
        }
    };
}
