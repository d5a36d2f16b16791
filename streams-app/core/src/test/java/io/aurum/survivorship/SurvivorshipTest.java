package io.aurum.survivorship;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.canonical.SourceRecord;
import io.aurum.canonical.SourceRecord.ChildRecord;
import io.aurum.cluster.ClusterView;
import io.aurum.config.AurumConfig;
import io.aurum.config.PipelineConfig;
import io.aurum.config.YamlDocument;
import io.aurum.schemas.CollectedValue;
import io.aurum.schemas.Conflict;
import io.aurum.schemas.FieldValue;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.SourceRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rule and every validity filter, one table row each, including ties and placeholder values. */
class SurvivorshipTest {
    static final String CONFIG = """
            systems:
              crm: {priority: 1}
              billing: {priority: 2}
              support: {priority: 3}
            sources:
              crm.contacts: {system: crm, attributes: {v: v, n: n, ts: ts, email: email, phone: phone}}
              billing.customers: {system: billing, attributes: {v: v, n: n, ts: ts, email: email, phone: phone, country: country}}
              support.users: {system: support, attributes: {v: v, n: n, ts: ts, email: email, phone: phone}}
              billing.subscriptions:
                parent: {source: billing.customers, column: customer_id}
                attributes: {status: status, mrr: mrr, started: started}
            blocklist:
              email: [info@acme.com]
              phone: ["+1 415 555 0000"]
              text: [unknown]
            golden:
              fields:
                priority: {attribute: v, rule: source_priority, systems: [billing, support, crm]}
                owned:    {attribute: v, owner: support, fallback: [crm, billing]}
                recent:   {attribute: v, rule: most_recent}
                oldest:   {attribute: v, rule: oldest}
                frequent: {attribute: v, rule: most_frequent}
                longest:  {attribute: v, rule: longest}
                min_text: {attribute: v, rule: min}
                min_n:    {attribute: n, type: number, rule: min}
                max_n:    {attribute: n, type: number, rule: max}
                max_ts:   {attribute: ts, type: timestamp, rule: max}
                email:    {type: email, rule: most_recent}
                phone:    {type: phone, region_from: country, rule: most_recent}
                emails:   {attribute: email, type: email, rule: collect}
                phone_as_written: {attribute: phone, type: phone, region_from: country, rule: most_recent, standardize: false}
              rollups:
                status:  {child: billing.subscriptions, function: latest, attribute: status, order_by: started, prefer: {status: [active]}}
                active:  {child: billing.subscriptions, function: count, where: {status: [active]}}
                mrr:     {child: billing.subscriptions, function: sum, attribute: mrr, where: {status: [active]}}
                biggest: {child: billing.subscriptions, function: max, attribute: mrr}
              anomalies:
                double_billing: {field: active, max: 1, description: more than one active subscription}
            """;
    static final PipelineConfig PIPELINE =
            AurumConfig.from(YamlDocument.parse("test.yaml", CONFIG, Map.of())).pipeline();
    static final Survivorship SURVIVORSHIP = new Survivorship(PIPELINE);
    static final String UNAVAILABLE = "__debezium_unavailable_value";

    /** A member: "crm:1" style id, the commit time of its attributes, then attribute name/value pairs. */
    static SourceRecord rec(String id, long ts, Object... kv) {
        String system = id.substring(0, id.indexOf(':'));
        String source =
                switch (system) {
                    case "crm" -> "crm.contacts";
                    case "billing" -> "billing.customers";
                    default -> "support.users";
                };
        Map<String, Object> attributes = new LinkedHashMap<>();
        Map<String, Long> attributeTs = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            attributes.put((String) kv[i], kv[i + 1]);
            attributeTs.put((String) kv[i], ts);
        }
        return new SourceRecord(
                source,
                id.substring(id.indexOf(':') + 1),
                system,
                attributes,
                attributeTs,
                List.of(),
                Long.MAX_VALUE,
                ts,
                Map.of());
    }

    static ClusterView cluster(SourceRecord... members) {
        Map<String, SourceRecord> m = new TreeMap<>();
        for (SourceRecord r : members) {
            m.put(r.recordId(), r);
        }
        return new ClusterView(m);
    }

    static Arguments row(String why, String field, Object value, String from, String rule, SourceRecord... members) {
        return Arguments.of(why, field, value, from, rule, members);
    }

    static Stream<Arguments> rules() {
        return Stream.of(
                row(
                        "source priority: first listed system with a value",
                        "priority",
                        "b",
                        "billing.customers:2",
                        "source_priority",
                        rec("crm:1", 3, "v", "a"),
                        rec("billing:2", 1, "v", "b"),
                        rec("support:3", 2, "v", "c")),
                row(
                        "source priority: several records of one system, the most recent",
                        "priority",
                        "b2",
                        "billing.customers:2",
                        "source_priority",
                        rec("billing:1", 1, "v", "b1"),
                        rec("billing:2", 5, "v", "b2")),
                row(
                        "source priority tie: same system and time, lower key",
                        "priority",
                        "x",
                        "billing.customers:1",
                        "source_priority",
                        rec("billing:2", 5, "v", "y"),
                        rec("billing:1", 5, "v", "x")),
                row(
                        "owner wins over newer values",
                        "owned",
                        "s",
                        "support.users:3",
                        "owner:support",
                        rec("support:3", 1, "v", "s"),
                        rec("crm:1", 9, "v", "c")),
                row(
                        "owner's empty string is no value: fallback",
                        "owned",
                        "c",
                        "crm.contacts:1",
                        "source_priority",
                        rec("support:3", 1, "v", "  "),
                        rec("crm:1", 9, "v", "c"),
                        rec("billing:2", 9, "v", "b")),
                row(
                        "owner's TOAST placeholder is no value: fallback",
                        "owned",
                        "c",
                        "crm.contacts:1",
                        "source_priority",
                        rec("support:3", 1, "v", UNAVAILABLE),
                        rec("crm:1", 9, "v", "c")),
                row(
                        "most recent by the field's commit time",
                        "recent",
                        "new",
                        "support.users:3",
                        "most_recent",
                        rec("crm:1", 1, "v", "old"),
                        rec("support:3", 5, "v", "new")),
                row(
                        "most recent tie: system priority",
                        "recent",
                        "c",
                        "crm.contacts:1",
                        "most_recent",
                        rec("billing:2", 5, "v", "b"),
                        rec("crm:1", 5, "v", "c")),
                row(
                        "most recent tie within a system: source then key",
                        "recent",
                        "k1",
                        "support.users:1",
                        "most_recent",
                        rec("support:2", 5, "v", "k2"),
                        rec("support:1", 5, "v", "k1")),
                row(
                        "most recent ignores a newer placeholder",
                        "recent",
                        "old",
                        "crm.contacts:1",
                        "most_recent",
                        rec("crm:1", 1, "v", "old"),
                        rec("support:3", 5, "v", UNAVAILABLE)),
                row(
                        "oldest",
                        "oldest",
                        "b",
                        "billing.customers:2",
                        "oldest",
                        rec("crm:1", 5, "v", "c"),
                        rec("billing:2", 1, "v", "b")),
                row(
                        "oldest tie: system priority",
                        "oldest",
                        "c",
                        "crm.contacts:1",
                        "oldest",
                        rec("support:3", 1, "v", "s"),
                        rec("crm:1", 1, "v", "c")),
                row(
                        "most frequent compares normal forms",
                        "frequent",
                        "y",
                        "billing.customers:2",
                        "most_frequent",
                        rec("crm:1", 1, "v", "X"),
                        rec("billing:2", 1, "v", "y"),
                        rec("support:3", 1, "v", " Y ")),
                row(
                        "most frequent tie: system priority",
                        "frequent",
                        "x",
                        "crm.contacts:1",
                        "most_frequent",
                        rec("support:3", 9, "v", "y"),
                        rec("crm:1", 1, "v", "x")),
                row(
                        "longest",
                        "longest",
                        "Robert Smith",
                        "billing.customers:2",
                        "longest",
                        rec("crm:1", 1, "v", "Bob"),
                        rec("billing:2", 1, "v", "Robert Smith")),
                row(
                        "longest tie: system priority",
                        "longest",
                        "abc",
                        "crm.contacts:1",
                        "longest",
                        rec("support:3", 1, "v", "xyz"),
                        rec("crm:1", 1, "v", "abc")),
                row(
                        "min of numbers, numeric text included, junk dropped",
                        "min_n",
                        "9.5",
                        "billing.customers:2",
                        "min",
                        rec("crm:1", 1, "n", 10L),
                        rec("billing:2", 1, "n", "9.5"),
                        rec("support:3", 1, "n", "abc")),
                row(
                        "max of numbers",
                        "max_n",
                        10L,
                        "crm.contacts:1",
                        "max",
                        rec("crm:1", 1, "n", 10L),
                        rec("billing:2", 1, "n", 9.5)),
                row(
                        "max tie: equal numbers, system priority",
                        "max_n",
                        10L,
                        "crm.contacts:1",
                        "max",
                        rec("billing:2", 1, "n", "10.0"),
                        rec("crm:1", 1, "n", 10L)),
                row(
                        "max of timestamps in time order",
                        "max_ts",
                        "2022-06-01T00:00:00Z",
                        "billing.customers:2",
                        "max",
                        rec("crm:1", 1, "ts", "2021-12-31T23:00:00-05:00"),
                        rec("billing:2", 1, "ts", "2022-06-01T00:00:00Z")),
                row(
                        "min of text ignores case",
                        "min_text",
                        "Alpha",
                        "billing.customers:2",
                        "min",
                        rec("crm:1", 1, "v", "beta"),
                        rec("billing:2", 1, "v", "Alpha")),
                row(
                        "invalid email dropped",
                        "email",
                        "b@x.com",
                        "billing.customers:2",
                        "most_recent",
                        rec("crm:1", 9, "email", "not-an-email"),
                        rec("billing:2", 1, "email", "b@x.com")),
                row(
                        "blocklisted email dropped",
                        "email",
                        "b@x.com",
                        "billing.customers:2",
                        "most_recent",
                        rec("crm:1", 9, "email", " INFO@acme.com"),
                        rec("billing:2", 1, "email", "b@x.com")),
                row(
                        "invalid phone dropped; national number read in the record's country",
                        "phone",
                        "+442079460958",
                        "billing.customers:2",
                        "most_recent",
                        rec("crm:1", 9, "phone", "12"),
                        rec("billing:2", 1, "phone", "020 7946 0958", "country", "GB")),
                row(
                        "blocklisted phone dropped",
                        "phone",
                        "+13125550100",
                        "billing.customers:2",
                        "most_recent",
                        rec("crm:1", 9, "phone", "(415) 555-0000"),
                        rec("billing:2", 1, "phone", "+1 312 555 0100")),
                row(
                        "blocklisted text dropped",
                        "recent",
                        "real",
                        "billing.customers:2",
                        "most_recent",
                        rec("crm:1", 9, "v", "UNKNOWN"),
                        rec("billing:2", 1, "v", "real")),
                row(
                        "nothing usable: no value",
                        "recent",
                        null,
                        null,
                        "none",
                        rec("crm:1", 9, "v", ""),
                        rec("billing:2", 1, "v", UNAVAILABLE),
                        rec("support:3", 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void eachRuleAndFilter(String why, String field, Object value, String from, String rule, SourceRecord[] members) {
        FieldValue v = SURVIVORSHIP.golden("g", cluster(members)).getFields().get(field);
        assertThat(v.getValue()).isEqualTo(value);
        assertThat(v.getRule()).isEqualTo(rule);
        assertThat(v.getSource() == null ? null : v.getSource() + ":" + v.getKey())
                .isEqualTo(from);
        if (from != null) {
            SourceRecord winner = Stream.of(members)
                    .filter(m -> (m.source() + ":" + m.key()).equals(from))
                    .findFirst()
                    .orElseThrow();
            assertThat(v.getSystem()).isEqualTo(winner.system());
            assertThat(v.getSourceTs().toEpochMilli()).isEqualTo(winner.sourceTs());
        }
    }

    @Test
    void collectKeepsEveryDistinctValueWithItsSources() {
        FieldValue v = SURVIVORSHIP
                .golden(
                        "g",
                        cluster(
                                rec("support:3", 7, "email", "Jane@X.com"),
                                rec("crm:1", 1, "email", " jane@x.com "),
                                rec("billing:2", 3, "email", "j.doe@work.com"),
                                rec("billing:4", 3, "email", "info@acme.com")))
                .getFields()
                .get("emails");
        assertThat(v.getRule()).isEqualTo("collect");
        assertThat(v.getValue()).isEqualTo("jane@x.com");
        assertThat(v.getSource() + ":" + v.getKey()).isEqualTo("crm.contacts:1");
        assertThat(v.getSourceTs().toEpochMilli()).isEqualTo(7);
        assertThat(v.getValues()).extracting(CollectedValue::getValue).containsExactly("jane@x.com", "j.doe@work.com");
        // Standardized: the value is the normal form, the best holder's spelling stays in lineage.
        assertThat(v.getValues()).extracting(CollectedValue::getRaw).containsExactly("jane@x.com", "j.doe@work.com");
        assertThat(v.getRaw()).isEqualTo("jane@x.com");
        assertThat(v.getValues().get(0).getSources())
                .extracting(SourceRef::getSource)
                .containsExactly("crm.contacts", "support.users");
    }

    @Test
    void emailAndPhoneFieldsShowTheirStandardFormAndLineageKeepsTheSourceSpelling() {
        GoldenCustomer g = SURVIVORSHIP.golden(
                "g",
                cluster(
                        rec("crm:1", 9, "email", " Jane.Doe@X.com ", "phone", "(312) 555-0100"),
                        rec("billing:2", 1, "phone", "020 7946 0958", "country", "GB")));
        FieldValue email = g.getFields().get("email");
        assertThat(email.getValue()).isEqualTo("jane.doe@x.com");
        assertThat(email.getRaw()).isEqualTo("Jane.Doe@X.com");
        FieldValue phone = g.getFields().get("phone");
        assertThat(phone.getValue()).isEqualTo("+13125550100");
        assertThat(phone.getRaw()).isEqualTo("(312) 555-0100");
        assertThat(phone.getSource() + ":" + phone.getKey()).isEqualTo("crm.contacts:1");
        // standardize: false keeps the winner's spelling, and there is no raw value to keep apart.
        FieldValue asWritten = g.getFields().get("phone_as_written");
        assertThat(asWritten.getValue()).isEqualTo("(312) 555-0100");
        assertThat(asWritten.getRaw()).isNull();
        // A conflict's candidates are standardized the same way.
        Conflict c = SURVIVORSHIP
                .survive(
                        "g",
                        cluster(
                                rec("crm:1", 9, "phone", "(312) 555-0100"),
                                rec("billing:2", 1, "phone", "312.555.0163", "country", "US")),
                        null)
                .conflicts()
                .stream()
                .filter(x -> x.getField().equals("phone"))
                .findFirst()
                .orElseThrow();
        assertThat(c.getValues().get("billing.customers:2").getValue()).isEqualTo("+13125550163");
        assertThat(c.getValues().get("billing.customers:2").getRaw()).isEqualTo("312.555.0163");
    }

    @Test
    void differentNormalFormsOpenAConflictAndEqualOnesDoNot() {
        Outcome same = SURVIVORSHIP.survive(
                "g",
                cluster(rec("crm:1", 1, "email", "Jane@X.com"), rec("billing:2", 2, "email", "jane@x.com ")),
                null);
        assertThat(same.conflicts()).extracting(Conflict::getField).doesNotContain("email");

        Outcome differ = SURVIVORSHIP.survive(
                "g",
                cluster(
                        rec("crm:1", 1, "email", "jane@x.com"),
                        rec("billing:2", 2, "email", "j.doe@work.com"),
                        rec("support:3", 3, "email", "not-an-email")),
                null);
        Conflict c = differ.conflicts().stream()
                .filter(x -> x.getField().equals("email"))
                .findFirst()
                .orElseThrow();
        assertThat(c.getKind()).isEqualTo("value");
        assertThat(c.getGoldenId()).isEqualTo("g");
        assertThat(c.getWinner().getValue()).isEqualTo("j.doe@work.com");
        assertThat(c.getValues()).containsOnlyKeys("crm.contacts:1");
        assertThat(c.getValues().get("crm.contacts:1").getValue()).isEqualTo("jane@x.com");
        assertThat(c.getValues().get("crm.contacts:1").getRule()).isEqualTo("candidate");
        assertThat(c.getSourceTs().toEpochMilli()).isEqualTo(2);
        // collect never conflicts: the union is the answer.
        assertThat(differ.conflicts()).extracting(Conflict::getField).doesNotContain("emails");
        assertThat(differ.golden().getOpenConflicts())
                .isEqualTo(differ.conflicts().size());
    }

    static SourceRecord withChildren(SourceRecord r, ChildRecord... subscriptions) {
        return new SourceRecord(
                r.source(),
                r.key(),
                r.system(),
                r.attributes(),
                r.attributeTs(),
                r.identifiers(),
                r.createdAt(),
                r.sourceTs(),
                Map.of("billing.subscriptions", List.of(subscriptions)));
    }

    static ChildRecord sub(String key, String status, long mrr, String started, long ts) {
        return new ChildRecord(key, Map.of("status", status, "mrr", mrr, "started", started), ts);
    }

    @Test
    void rollUpsAndADeclaredAnomalyAcrossTwoBillingAccounts() {
        ClusterView acme = cluster(
                withChildren(
                        rec("billing:2002", 1),
                        sub("40002", "active", 129900, "2021-01-01", 10),
                        sub("40003", "canceled", 5000, "2023-01-01", 30)),
                withChildren(rec("billing:2089", 1), sub("40082", "active", 39900, "2022-01-01", 20)));
        Outcome o = SURVIVORSHIP.survive("gc_acme", acme, null);
        Map<String, FieldValue> f = o.golden().getFields();
        assertThat(f.get("status").getValue()).isEqualTo("active");
        assertThat(f.get("status").getKey()).isEqualTo("40082");
        assertThat(f.get("active").getValue()).isEqualTo(2L);
        assertThat(f.get("mrr").getValue()).isEqualTo(169800L);
        assertThat(f.get("mrr").getRule()).isEqualTo("rollup:sum");
        assertThat(f.get("mrr").getSourceTs().toEpochMilli()).isEqualTo(20);
        assertThat(f.get("biggest").getValue()).isEqualTo(129900L);
        Conflict c = o.conflicts().stream()
                .filter(x -> x.getField().equals("double_billing"))
                .findFirst()
                .orElseThrow();
        assertThat(c.getKind()).isEqualTo("anomaly");
        assertThat(c.getDescription()).isEqualTo("more than one active subscription");
        assertThat(c.getValues().values())
                .extracting(FieldValue::getValue, FieldValue::getKey)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("billing.customers:2002", "40002"),
                        org.assertj.core.groups.Tuple.tuple("billing.customers:2089", "40082"));
        assertThat(c.getValues()).containsOnlyKeys("billing.subscriptions:40002", "billing.subscriptions:40082");

        // No active subscription left: the most recent one's status, and no anomaly.
        ClusterView after = cluster(withChildren(
                rec("billing:2002", 1),
                sub("40002", "canceled", 129900, "2021-01-01", 40),
                sub("40003", "past_due", 5000, "2023-01-01", 30)));
        Outcome o2 = SURVIVORSHIP.survive("gc_acme", after, null);
        assertThat(o2.golden().getFields().get("status").getValue()).isEqualTo("past_due");
        assertThat(o2.golden().getFields().get("mrr").getValue()).isEqualTo(0L);
        assertThat(o2.conflicts()).extracting(Conflict::getField).doesNotContain("double_billing");
    }

    @Test
    void anOverrideWinsOverEveryRuleAndSettlesTheConflict() {
        ClusterView c = cluster(rec("crm:1", 1, "email", "jane@x.com"), rec("billing:2", 2, "email", "j@work.com"));
        Overrides overrides = Overrides.empty()
                .with(new Steward("o1", "g", "crm.contacts", "1", "email", "jane@new.com", "ann", "ticket 7", 50))
                .with(new Steward("o2", "g", null, null, "email", "jane@golden.com", "bob", "merged by hand", 10))
                .with(new Steward("o3", "g", "crm.contacts", "1", "active", 0L, "ann", "refunded", 60));
        Outcome o = SURVIVORSHIP.survive("g", c, overrides);
        FieldValue email = o.golden().getFields().get("email");
        // A golden-id override beats a record-level one, whatever their times.
        assertThat(email.getValue()).isEqualTo("jane@golden.com");
        assertThat(email.getRule()).isEqualTo("override");
        assertThat(email.getWho()).isEqualTo("bob");
        assertThat(email.getWhy()).isEqualTo("merged by hand");
        assertThat(email.getSourceTs().toEpochMilli()).isEqualTo(10);
        assertThat(o.conflicts()).extracting(Conflict::getField).doesNotContain("email");
        FieldValue active = o.golden().getFields().get("active");
        assertThat(active.getValue()).isEqualTo(0L);
        assertThat(active.getSystem()).isEqualTo("crm");
        assertThat(active.getSource() + ":" + active.getKey()).isEqualTo("crm.contacts:1");
        assertThat(o.golden().getUpdatedAt().toEpochMilli()).isEqualTo(60);
    }

    @Test
    void theResultDoesNotDependOnTheOrderOfMembers() {
        List<SourceRecord> members = new ArrayList<>(List.of(
                rec("crm:1", 5, "v", "a", "email", "a@x.com"),
                rec("billing:2", 5, "v", "b", "email", "b@x.com"),
                rec("support:3", 5, "v", "a", "email", "c@x.com"),
                rec("support:4", 5, "v", "b", "email", "d@x.com")));
        GoldenCustomer expected = SURVIVORSHIP.golden("g", cluster(members.toArray(SourceRecord[]::new)));
        for (int i = 0; i < 6; i++) {
            java.util.Collections.rotate(members, 1);
            if (i % 2 == 0) {
                java.util.Collections.swap(members, 0, 2);
            }
            Map<String, SourceRecord> linked = new LinkedHashMap<>();
            members.forEach(m -> linked.put(m.recordId(), m));
            assertThat(SURVIVORSHIP.golden("g", new ClusterView(linked)).toString())
                    .isEqualTo(expected.toString());
        }
    }
}
