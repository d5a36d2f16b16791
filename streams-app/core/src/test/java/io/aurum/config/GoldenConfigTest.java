package io.aurum.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aurum.config.GoldenConfig.FieldDef;
import io.aurum.config.GoldenConfig.Rule;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GoldenConfigTest {
    static final String BASE = """
            systems:
              crm: {priority: 1}
              billing: {priority: 2}
            sources:
              crm.contacts:
                system: crm
                attributes: {email: email, phone: phone, n: n}
              billing.customers:
                system: billing
                attributes: {email: email, country: country}
              billing.subscriptions:
                parent: {source: billing.customers, column: customer_id}
                attributes: {status: status, started: started}
            blocklist:
              email: [Info@Acme.com]
              phone: ["(415) 555-0000"]
            golden:
              fields:
                email: {owner: crm, type: email, rule: most_recent}
              rollups:
                active: {child: billing.subscriptions, function: count, where: {status: [active]}}
              anomalies:
                double: {field: active, max: 1}
            """;

    static PipelineConfig parse(String yaml) {
        return AurumConfig.from(YamlDocument.parse("test.yaml", yaml, Map.of())).pipeline();
    }

    static String withField(String field) {
        return BASE.replace(
                "    email: {owner: crm, type: email, rule: most_recent}\n",
                "    email: {owner: crm, type: email, rule: most_recent}\n    " + field + "\n");
    }

    @Test
    void defaultsShortFormAndBlocklistInNormalForm() {
        PipelineConfig c = parse(withField("x: {attribute: email, owner: crm, fallback: [billing]}"));
        FieldDef x = c.golden().fields().get("x");
        assertThat(x.rule()).isEqualTo(Rule.SOURCE_PRIORITY);
        assertThat(x.systems()).containsExactly("billing");
        assertThat(x.conflicts()).isTrue();
        assertThat(x.standardize()).as("text has no standard form").isFalse();
        FieldDef email = c.golden().fields().get("email");
        assertThat(email.systems()).containsExactly("crm", "billing");
        assertThat(email.standardize()).as("on by default for email and phone").isTrue();
        assertThat(parse(withField("w: {attribute: email, type: email, owner: crm, standardize: false}"))
                        .golden()
                        .fields()
                        .get("w")
                        .standardize())
                .isFalse();
        assertThat(parse(withField("y: {attribute: email, owner: crm}"))
                        .golden()
                        .fields()
                        .get("y")
                        .systems())
                .isEmpty();
        assertThat(parse(withField("z: {attribute: email, rule: collect}"))
                        .golden()
                        .fields()
                        .get("z")
                        .conflicts())
                .isFalse();
        assertThat(c.blocklist().blocks(Blocklist.EMAIL, "info@acme.com")).isTrue();
        assertThat(c.blocklist().blocks(Blocklist.PHONE, "+14155550000")).isTrue();
        assertThat(c.golden().anomalies().get("double").max()).isEqualTo(1.0);
    }

    @Test
    void mistakesStopStartUpWithFileLineAndKey() {
        assertThatThrownBy(() -> parse(withField("x: {attribute: email, rule: newest}")))
                .hasMessage("test.yaml:20: golden.fields.x.rule: unknown value 'newest'; expected one of "
                        + "[source_priority, most_recent, oldest, most_frequent, longest, min, max, collect]");
        assertThatThrownBy(() -> parse(withField("x: {attribute: email, rule: most_recent, systems: [crm, erp]}")))
                .hasMessage("test.yaml:20: golden.fields.x.systems[1]: unknown system 'erp'; declared: [crm, billing]");
        assertThatThrownBy(() -> parse(withField("x: {attribute: email, ownr: crm}")))
                .hasMessageStartingWith("test.yaml:20: golden.fields.x.ownr: unknown key; expected one of");
        assertThatThrownBy(() -> parse(withField("x: {attribute: mail, owner: crm}")))
                .hasMessage("test.yaml:20: golden.fields.x.attribute: no parent source maps an attribute named 'mail'");
        assertThatThrownBy(() -> parse(withField("x: {attribute: email, owner: crm, rule: collect}")))
                .hasMessage(
                        "test.yaml:20: golden.fields.x.owner: collect keeps every system's values, so it takes no owner");
        assertThatThrownBy(() -> parse(withField("x: {attribute: email, owner: crm, rule: max, fallback: [billing]}")))
                .hasMessageStartingWith("test.yaml:20: golden.fields.x.fallback: fallback is short for");
        assertThatThrownBy(() -> parse(withField("x: {attribute: email, owner: crm, region_from: country}")))
                .hasMessage("test.yaml:20: golden.fields.x.region_from: only phone fields take a region");
        assertThatThrownBy(() -> parse(withField("x: {attribute: email, owner: crm, standardize: true}")))
                .hasMessage(
                        "test.yaml:20: golden.fields.x.standardize: only email and phone fields have a standard form");
        assertThatThrownBy(() -> parse(withField("x: {attribute: phone, type: phone, owner: crm, region_from: land}")))
                .hasMessage(
                        "test.yaml:20: golden.fields.x.region_from: no parent source maps an attribute named 'land'");
        assertThatThrownBy(() -> parse(BASE.replace("{field: active, max: 1}", "{field: actives, max: 1}")))
                .hasMessage("test.yaml:23: golden.anomalies.double.field: unknown golden field 'actives'");
        assertThatThrownBy(() -> parse(BASE.replace("{field: active, max: 1}", "{field: email, max: 1}")))
                .hasMessage(
                        "test.yaml:23: golden.anomalies.double.field: anomalies test numbers; declare the field with type: number");
        assertThatThrownBy(() -> parse(BASE.replace("{field: active, max: 1}", "{field: active}")))
                .hasMessageStartingWith("test.yaml:23: golden.anomalies.double: give min, max or both");
        assertThatThrownBy(() -> parse(BASE.replace("function: count, where", "function: count, prefer")))
                .hasMessage("test.yaml:21: golden.rollups.active.prefer: only function latest takes this");
        assertThatThrownBy(() -> parse(BASE.replace(
                        "function: count, where: {status: [active]}",
                        "function: latest, attribute: status, prefer: {state: [active]}")))
                .hasMessage(
                        "test.yaml:21: golden.rollups.active.prefer.state: unknown attribute 'state' of source billing.subscriptions");
        assertThatThrownBy(() -> parse(BASE.replace("email: [Info@Acme.com]", "email: [nobody]")))
                .hasMessage("test.yaml:15: blocklist.email[0]: 'nobody' is not a valid email, so it could never match");
        assertThatThrownBy(() -> parse(BASE.replace("  email: [Info@Acme.com]", "  mail: [Info@Acme.com]")))
                .hasMessageStartingWith(
                        "test.yaml:15: blocklist.mail: unknown key; expected one of [email, phone, text]");
        assertThatThrownBy(() ->
                        parse(BASE.replace("    double: {", "    active_: {").replace("active_", "email")))
                .hasMessage(
                        "test.yaml:23: golden.anomalies.email: a golden field of this name exists; anomalies need their own names");
    }
}
