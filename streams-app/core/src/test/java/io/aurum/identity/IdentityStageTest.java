package io.aurum.identity;

import static io.aurum.testing.Cdc.row;
import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.schemas.QualityIssue;
import io.aurum.schemas.QualityIssueKind;
import io.aurum.testing.Cdc;
import io.aurum.testing.TopologyHarness;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The identity stage inside the real topology: over-merge protection, compound rules and explanations. */
class IdentityStageTest {
    static final String CONTACTS = "crm.public.contacts";
    static final String CUSTOMERS = "billing.public.customers";
    static final String USERS = "support.public.users";

    final Cdc cdc = new Cdc();
    final TopologyHarness t = new TopologyHarness();

    @AfterEach
    void close() {
        t.close();
    }

    static Map<String, Object> contact(long id, String email, String company, String created) {
        return row(
                "id",
                id,
                "first_name",
                "F" + id,
                "last_name",
                "L" + id,
                "email",
                email,
                "phone",
                null,
                "company",
                company,
                "created_at",
                created,
                "updated_at",
                created);
    }

    static Map<String, Object> customer(long id, String name, String email, String created) {
        return customer(id, name, email, null, created);
    }

    /** A billing customer; {@code crmContact} is its explicit link to a CRM contact (null: none). */
    static Map<String, Object> customer(long id, String name, String email, Long crmContact, String created) {
        return row(
                "id",
                id,
                "name",
                name,
                "email",
                email,
                "phone",
                null,
                "address_line1",
                null,
                "city",
                null,
                "postal_code",
                null,
                "country",
                "US",
                "crm_contact_id",
                crmContact,
                "created_at",
                created,
                "updated_at",
                created);
    }

    @Test
    void aBlocklistedEmailLinksNobodyAndIsReported() {
        t.pipe(
                cdc.insert(CONTACTS, contact(1, "info@globex.com", null, "2020-01-01T00:00:00Z")),
                cdc.insert(
                        USERS,
                        row(
                                "id",
                                2,
                                "name",
                                "X",
                                "email",
                                "INFO@globex.com",
                                "phone",
                                null,
                                "created_at",
                                "2021-01-01T00:00:00Z")));
        assertThat(t.golden()).hasSize(2);
        QualityIssue issue = t.quality().get("email=info@globex.com");
        assertThat(issue.getKind()).isEqualTo(QualityIssueKind.BLOCKLISTED);
        assertThat(issue.getRecords()).isEqualTo(2);
        // When the records stop using the value, the issue clears.
        t.pipe(cdc.update(CONTACTS, contact(1, "ann@globex.com", null, "2020-01-01T00:00:00Z")), cdc.delete(USERS, 2));
        assertThat(t.quality()).isEmpty();
    }

    @Test
    void aHubValueStopsLinkingPastTheLimitAndLinksAgainBelowIt() {
        // The demo limit for email is 25 records per value.
        for (int i = 1; i <= 25; i++) {
            t.pipe(cdc.insert(
                    USERS,
                    row(
                            "id",
                            i,
                            "name",
                            "U" + i,
                            "email",
                            "office@initech.io",
                            "phone",
                            null,
                            "created_at",
                            "2020-01-01T00:00:00Z")));
        }
        assertThat(t.golden()).hasSize(1);
        assertThat(t.quality()).isEmpty();
        t.pipe(cdc.insert(
                USERS,
                row(
                        "id",
                        26,
                        "name",
                        "U26",
                        "email",
                        "office@initech.io",
                        "phone",
                        null,
                        "created_at",
                        "2020-01-01T00:00:00Z")));
        assertThat(t.golden()).hasSize(26);
        QualityIssue hub = t.quality().get("email=office@initech.io");
        assertThat(hub.getKind()).isEqualTo(QualityIssueKind.HUB);
        assertThat(hub.getRecords()).isEqualTo(26);
        assertThat(hub.getLimit()).isEqualTo(25);
        assertThat(hub.getSample()).hasSize(10);
        t.pipe(cdc.delete(USERS, 26));
        assertThat(t.golden()).hasSize(1);
        assertThat(t.quality()).isEmpty();
    }

    @Test
    void theCompanyDomainRuleLinksSimilarOrganisationsOnlyAndNeverFreeMail() {
        t.pipe(
                cdc.insert(CUSTOMERS, customer(2002, "Acme Corp", "finance@acme.com", "2022-03-06T14:00:00Z")),
                cdc.insert(CUSTOMERS, customer(2089, "ACME Corp", "ops@acme.com", "2023-08-13T14:00:00Z")),
                cdc.insert(CONTACTS, contact(1054, "wile@acme.com", "ACME Corporation", "2021-01-01T00:00:00Z")),
                cdc.insert(CONTACTS, contact(7, "road@acme.com", "Roadrunner Ltd", "2020-01-01T00:00:00Z")),
                cdc.insert(CONTACTS, contact(8, "a@gmail.com", "Acme Corp", "2020-01-01T00:00:00Z")),
                cdc.insert(CONTACTS, contact(9, "b@gmail.com", "Acme Corp", "2020-01-01T00:00:00Z")));
        String acme = t.xref().get("billing.customers:2002").getGoldenId();
        assertThat(acme).isEqualTo(GoldenIds.of("crm.contacts:1054"));
        assertThat(t.xref().get("billing.customers:2089").getGoldenId()).isEqualTo(acme);
        assertThat(t.xref().get("billing.customers:2089").getReason()).isEqualTo("rule company_domain=acme.com");
        // Same domain, different organisation: not the same customer.
        assertThat(t.xref().get("crm.contacts:7").getGoldenId()).isNotEqualTo(acme);
        // Free-mail domains never block.
        assertThat(t.xref().get("crm.contacts:8").getGoldenId())
                .isNotEqualTo(t.xref().get("crm.contacts:9").getGoldenId());
        assertThat(t.golden()).hasSize(4);
    }

    @Test
    void aStewardAssertionLinksRecordsUntilItIsRetracted() {
        t.pipe(
                cdc.insert(CONTACTS, contact(1, "kim@gmail.com", null, "2020-01-01T00:00:00Z")),
                cdc.insert(
                        USERS,
                        row(
                                "id",
                                2,
                                "name",
                                "K",
                                "email",
                                "kimberly@yahoo.com",
                                "phone",
                                null,
                                "created_at",
                                "2021-01-01T00:00:00Z")));
        assertThat(t.golden()).hasSize(2);
        // An assertion may name a record that does not exist yet; it applies when the record arrives.
        t.assertion(
                "a-1",
                "{\"type\":\"must_link\",\"records\":[\"crm.contacts:1\",\"support.users:2\",\"billing.customers:9\"],"
                        + "\"who\":\"ana\",\"why\":\"confirmed by phone\"}");
        assertThat(t.golden()).containsOnlyKeys(GoldenIds.of("crm.contacts:1"));
        assertThat(t.xref().get("support.users:2").getReason()).isEqualTo("assertion a-1");
        t.pipe(cdc.insert(CUSTOMERS, customer(9, "Kim Park", "kp@work.io", "2022-01-01T00:00:00Z")));
        assertThat(t.golden()).hasSize(1);
        // Editing the assertion to drop a record releases it; retracting it splits the rest.
        t.assertion("a-1", "{\"type\":\"must_link\",\"records\":[\"crm.contacts:1\",\"support.users:2\"]}");
        assertThat(t.golden()).hasSize(2);
        t.assertion("a-1", null);
        assertThat(t.golden()).hasSize(3);
    }

    static Map<String, Object> user(long id, String email, String phone, String created) {
        return row("id", id, "name", "U" + id, "email", email, "phone", phone, "created_at", created);
    }

    @Test
    void aCannotLinkUndoesAWrongMergeAndItsRetractionRestoresIt() {
        // Three records glued by a shared office phone; 1 and 2 also share an e-mail.
        t.pipe(
                cdc.insert(USERS, user(1, "kim@gmail.com", "+1 415 555 0101", "2020-01-01T00:00:00Z")),
                cdc.insert(USERS, user(2, "kim@gmail.com", "+1 415 555 0101", "2021-01-01T00:00:00Z")),
                cdc.insert(USERS, user(3, "lee@gmail.com", "+1 415 555 0101", "2022-01-01T00:00:00Z")));
        String one = GoldenIds.of("support.users:1");
        assertThat(t.golden()).containsOnlyKeys(one);
        // 2 and 3 are different people: match keys are the weakest evidence here, and all of them go.
        t.assertion(
                "cl-1",
                "{\"type\":\"cannot_link\",\"records\":[\"support.users:2\",\"support.users:3\"],\"who\":\"ana\"}");
        assertThat(t.golden()).containsOnlyKeys(one, GoldenIds.of("support.users:2"), GoldenIds.of("support.users:3"));
        assertThat(t.xref().get("support.users:2").getGoldenId()).isEqualTo(GoldenIds.of("support.users:2"));
        assertThat(t.xref().get("support.users:3").getReason()).isNull();
        assertThat(t.quality()).isEmpty();
        // A must-link between 1 and 2 is stronger than match keys: it holds them together, 3 stays apart.
        t.assertion("ml-1", "{\"type\":\"must_link\",\"records\":[\"support.users:1\",\"support.users:2\"]}");
        assertThat(t.golden()).containsOnlyKeys(one, GoldenIds.of("support.users:3"));
        assertThat(t.xref().get("support.users:2").getReason()).isEqualTo("assertion ml-1");
        // Retracting the cannot-link restores the merge and the original ids.
        t.assertion("cl-1", null);
        assertThat(t.golden()).containsOnlyKeys(one);
        assertThat(t.xref().get("support.users:3").getGoldenId()).isEqualTo(one);
        assertThat(t.xref().get("support.users:3").getReason()).isEqualTo("phone=***101");
    }

    @Test
    void aCannotLinkAgainstAMustLinkIsReportedAndTheMustLinkStands() {
        t.pipe(
                cdc.insert(USERS, user(1, "kim@gmail.com", null, "2020-01-01T00:00:00Z")),
                cdc.insert(USERS, user(2, "kimberly@yahoo.com", null, "2021-01-01T00:00:00Z")));
        t.assertion("ml-1", "{\"type\":\"must_link\",\"records\":[\"support.users:1\",\"support.users:2\"]}");
        t.assertion("cl-1", "{\"type\":\"cannot_link\",\"records\":[\"support.users:1\",\"support.users:2\"]}");
        assertThat(t.golden()).containsOnlyKeys(GoldenIds.of("support.users:1"));
        QualityIssue conflict = t.quality().get("~cl-1");
        assertThat(conflict.getKind()).isEqualTo(QualityIssueKind.CANNOT_LINK_CONFLICT);
        assertThat(conflict.getMatchKey()).isEqualTo("cannot_link");
        assertThat(conflict.getValue()).isEqualTo("cl-1");
        assertThat(conflict.getRecords()).isEqualTo(2);
        assertThat(conflict.getSample())
                .extracting(r -> r.getSource() + ":" + r.getKey())
                .containsExactly("support.users:1", "support.users:2");
        assertThat(t.quality()).hasSize(1);
        // Retracting the must-link resolves the conflict: the cannot-link applies.
        t.assertion("ml-1", null);
        assertThat(t.quality()).isEmpty();
        assertThat(t.golden()).hasSize(2);
    }

    @Test
    void anAssertionEditedFromMustLinkToCannotLinkKeepsItsRecordsApart() {
        t.pipe(
                cdc.insert(USERS, user(1, "kim@gmail.com", "+1 415 555 0101", "2020-01-01T00:00:00Z")),
                cdc.insert(USERS, user(2, "lee@gmail.com", "+1 415 555 0101", "2021-01-01T00:00:00Z")));
        t.assertion("a-1", "{\"type\":\"must_link\",\"records\":[\"support.users:1\",\"support.users:2\"]}");
        assertThat(t.xref().get("support.users:2").getReason()).isEqualTo("assertion a-1");
        t.assertion("a-1", "{\"type\":\"cannot_link\",\"records\":[\"support.users:1\",\"support.users:2\"]}");
        assertThat(t.golden()).containsOnlyKeys(GoldenIds.of("support.users:1"), GoldenIds.of("support.users:2"));
        t.assertion("a-1", "{\"type\":\"must_link\",\"records\":[\"support.users:1\",\"support.users:2\"]}");
        assertThat(t.golden()).containsOnlyKeys(GoldenIds.of("support.users:1"));
        assertThat(t.xref().get("support.users:2").getReason()).isEqualTo("assertion a-1");
    }

    @Test
    void aCannotLinkNamesExactlyTwoDifferentRecords() {
        t.assertion(
                "bad-1",
                "{\"type\":\"cannot_link\",\"records\":[\"crm.contacts:1\",\"crm.contacts:2\",\"crm.contacts:3\"]}");
        t.assertion("bad-2", "{\"type\":\"cannot_link\",\"records\":[\"crm.contacts:1\",\"crm.contacts:1\"]}");
        t.assertion("bad-3", "{\"type\":\"cannot_link\",\"records\":[\"crm.contacts:1\"]}");
        assertThat(t.deadLetters()).hasSize(3).allSatisfy(r -> assertThat(new String(
                        r.headers().lastHeader("__streams.errors.message").value()))
                .contains("a cannot_link assertion names exactly two different records"));
    }

    @Test
    void aMalformedAssertionIsADeadLetter() {
        t.assertion("bad", "{\"type\":\"must_link\",\"records\":[\"crm.contacts:1\"]}");
        assertThat(t.deadLetters()).singleElement().satisfies(r -> assertThat(new String(
                        r.headers().lastHeader("__streams.errors.message").value()))
                .contains("at least two different records"));
    }

    @Test
    void deletingTheAnchorHandsItsIdToTheClusterThatContinues() {
        t.pipe(
                cdc.insert(
                        USERS,
                        row(
                                "id",
                                1,
                                "name",
                                "A",
                                "email",
                                "sam@gmail.com",
                                "phone",
                                null,
                                "created_at",
                                "2020-01-01T00:00:00Z")),
                cdc.insert(
                        USERS,
                        row(
                                "id",
                                2,
                                "name",
                                "B",
                                "email",
                                "sam@gmail.com",
                                "phone",
                                null,
                                "created_at",
                                "2021-01-01T00:00:00Z")),
                cdc.insert(
                        USERS,
                        row(
                                "id",
                                3,
                                "name",
                                "C",
                                "email",
                                "sam@gmail.com",
                                "phone",
                                null,
                                "created_at",
                                "2022-01-01T00:00:00Z")));
        assertThat(t.golden()).containsOnlyKeys(GoldenIds.of("support.users:1"));
        t.pipe(cdc.delete(USERS, 1));
        // The next anchor's id takes over, and the old id leads there.
        assertThat(t.golden()).containsOnlyKeys(GoldenIds.of("support.users:2"));
        assertThat(t.redirects().get(GoldenIds.of("support.users:1")).getGoldenId())
                .isEqualTo(GoldenIds.of("support.users:2"));
        // A chain of deletions still leads to the live customer.
        t.pipe(cdc.delete(USERS, 2));
        assertThat(t.golden()).containsOnlyKeys(GoldenIds.of("support.users:3"));
        assertThat(t.redirects().get(GoldenIds.of("support.users:1")).getGoldenId())
                .isEqualTo(GoldenIds.of("support.users:3"));
        assertThat(t.redirects().get(GoldenIds.of("support.users:2")).getGoldenId())
                .isEqualTo(GoldenIds.of("support.users:3"));
        // The last one gone: nothing to lead to.
        t.pipe(cdc.delete(USERS, 3));
        assertThat(t.golden()).isEmpty();
        assertThat(t.redirects()).isEmpty();
    }
}
