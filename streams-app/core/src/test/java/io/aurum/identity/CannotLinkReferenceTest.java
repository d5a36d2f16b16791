package io.aurum.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.canonical.SourceRecord;
import io.aurum.config.AurumConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The reference model's cannot-links: the weakest tier of evidence in the component that holds both records is cut
 * first (rule blocks, then match keys, then explicit links); must-links are never cut, and a cannot-link against
 * them is reported. Records here are built directly with their identifiers, as the pipeline would map them.
 */
class CannotLinkReferenceTest {
    static final AurumConfig CONFIG = AurumConfig.fromClasspath("config/demo.yaml");
    final ReferenceResolver reference = new ReferenceResolver(CONFIG.pipeline());

    /** A record of {@code source} created on day {@code day} of 2020 (older anchors first), with its identifiers. */
    static SourceRecord rec(String source, String key, int day, String organization, String... identifiers) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("organization", organization);
        String system = source.substring(0, source.indexOf('.'));
        List<String> ids = new ArrayList<>(Arrays.asList(identifiers));
        ids.sort(null);
        return new SourceRecord(source, key, system, attributes, Map.of(), ids, day * 86_400_000L, 0L, Map.of());
    }

    static SourceRecord a(String... ids) {
        return rec("crm.contacts", "1", 1, "Acme Corp", ids);
    }

    static SourceRecord b(String... ids) {
        return rec("billing.customers", "2", 2, "Acme Corp", ids);
    }

    static SourceRecord c(String... ids) {
        return rec("support.users", "3", 3, "Acme Corp", ids);
    }

    static String g(String recordId) {
        return GoldenIds.of(recordId);
    }

    Map<String, Membership> resolve(SourceRecord... records) {
        return reference.resolve(List.of(records));
    }

    @Test
    void aRuleLinkIsCutFirstAndTheMatchKeyKeepsTheRest() {
        // a and b share only the company-domain block; b and c share an e-mail.
        Map<String, Membership> before = resolve(
                a("company_domain=acme.com"), b("company_domain=acme.com", "email=b@acme.com"), c("email=b@acme.com"));
        assertThat(before.values()).extracting(Membership::goldenId).containsOnly(g("crm.contacts:1"));
        Map<String, Membership> after = resolve(
                a("company_domain=acme.com", "~cl-1"),
                b("company_domain=acme.com", "email=b@acme.com", "~cl-1"),
                c("email=b@acme.com"));
        assertThat(after.get("crm.contacts:1")).isEqualTo(new Membership(g("crm.contacts:1"), null));
        assertThat(after.get("billing.customers:2"))
                .isEqualTo(new Membership(g("billing.customers:2"), "email=b***@acme.com"));
        assertThat(after.get("support.users:3"))
                .isEqualTo(new Membership(g("billing.customers:2"), "email=b***@acme.com"));
    }

    @Test
    void aRuleAndAnEmailBetweenTheTwoAreBothCutAndSoIsEveryMatchKeyOfTheirComponent() {
        // a and b share the block and an e-mail; c hangs on b by a phone. Cutting rules leaves a and b together
        // (the e-mail), so match keys go too, in the whole component: c is no longer held by b's phone either.
        Map<String, Membership> after = resolve(
                a("company_domain=acme.com", "email=x@acme.com", "~cl-1"),
                b("company_domain=acme.com", "email=x@acme.com", "phone=+14155550101", "~cl-1"),
                c("phone=+14155550101"));
        assertThat(after)
                .isEqualTo(Map.of(
                        "crm.contacts:1", new Membership(g("crm.contacts:1"), null),
                        "billing.customers:2", new Membership(g("billing.customers:2"), null),
                        "support.users:3", new Membership(g("support.users:3"), null)));
    }

    @Test
    void explicitLinksHoldAfterMatchKeysAreCut() {
        // a and b share an e-mail; c links to b explicitly (its crm_contact_id-like column).
        Map<String, Membership> after =
                resolve(a("email=x@acme.com", "~cl-1"), b("email=x@acme.com", "~cl-1"), c("@billing.customers:2"));
        assertThat(after.get("crm.contacts:1")).isEqualTo(new Membership(g("crm.contacts:1"), null));
        assertThat(after.get("billing.customers:2"))
                .isEqualTo(new Membership(g("billing.customers:2"), "linked from support.users:3"));
        assertThat(after.get("support.users:3"))
                .isEqualTo(new Membership(g("billing.customers:2"), "link billing.customers:2"));
    }

    @Test
    void anExplicitLinkBetweenTheTwoIsCutAfterMatchKeys() {
        Map<String, Membership> after =
                resolve(a("email=x@acme.com", "~cl-1"), b("email=x@acme.com", "@crm.contacts:1", "~cl-1"));
        assertThat(after.get("billing.customers:2")).isEqualTo(new Membership(g("billing.customers:2"), null));
        assertThat(after.get("crm.contacts:1")).isEqualTo(new Membership(g("crm.contacts:1"), null));
    }

    @Test
    void aCannotLinkAgainstMustLinksIsReportedAndTheMustLinkStands() {
        Map<String, QualityReport> conflicts = new TreeMap<>();
        Map<String, Membership> after = reference.resolve(
                List.of(
                        a("!ml-1", "email=x@acme.com", "~cl-1"),
                        b("!ml-1", "~cl-1"),
                        // c hangs on a by an e-mail only: cut, since the must-links' component holds the cannot-link.
                        c("email=x@acme.com")),
                conflicts);
        assertThat(after.get("crm.contacts:1")).isEqualTo(new Membership(g("crm.contacts:1"), "assertion ml-1"));
        assertThat(after.get("billing.customers:2")).isEqualTo(new Membership(g("crm.contacts:1"), "assertion ml-1"));
        assertThat(after.get("support.users:3")).isEqualTo(new Membership(g("support.users:3"), null));
        assertThat(conflicts)
                .isEqualTo(Map.of(
                        "~cl-1",
                        new QualityReport(
                                IdentityGraph.CANNOT_LINK_CONFLICT,
                                IdentityGraph.CANNOT_LINK,
                                "cl-1",
                                2,
                                0,
                                List.of("billing.customers:2", "crm.contacts:1"))));
    }

    @Test
    void retractingTheCannotLinkRestoresTheMergeAndTheOriginalIds() {
        Map<String, Membership> original =
                resolve(a("email=x@acme.com"), b("email=x@acme.com", "phone=+14155550101"), c("phone=+14155550101"));
        Map<String, Membership> cut = resolve(
                a("email=x@acme.com"),
                b("email=x@acme.com", "phone=+14155550101", "~cl-1"),
                c("phone=+14155550101", "~cl-1"));
        assertThat(cut.get("billing.customers:2").goldenId())
                .isNotEqualTo(cut.get("support.users:3").goldenId());
        assertThat(cut.get("crm.contacts:1").goldenId()).isEqualTo(g("crm.contacts:1"));
        Map<String, Membership> retracted =
                resolve(a("email=x@acme.com"), b("email=x@acme.com", "phone=+14155550101"), c("phone=+14155550101"));
        assertThat(retracted).isEqualTo(original);
        assertThat(original.values()).extracting(Membership::goldenId).containsOnly(g("crm.contacts:1"));
    }

    @Test
    void aCannotLinkBetweenRecordsInDifferentClustersOrNamingAMissingRecordChangesNothing() {
        Map<String, Membership> plain = resolve(a("email=x@acme.com"), b("email=x@acme.com"), c());
        assertThat(resolve(a("email=x@acme.com", "~cl-1"), b("email=x@acme.com"), c("~cl-1")))
                .isEqualTo(plain);
        assertThat(resolve(a("email=x@acme.com", "~cl-2"), b("email=x@acme.com"), c()))
                .isEqualTo(plain);
    }
}
