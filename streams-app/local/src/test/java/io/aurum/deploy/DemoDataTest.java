package io.aurum.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.text.similarity.JaroWinklerSimilarity;
import org.junit.jupiter.api.Test;

/**
 * Static checks of the demo source databases: the schema contract, the INSERT-only data files, the ground truth
 * in truth.csv, and that the truth is exactly what the four linking rules reach (no more, no less).
 */
class DemoDataTest {

    /** The schema contract: database -> table -> columns, in declaration order. */
    static final Map<String, Map<String, List<String>>> CONTRACT = Map.of(
            "crm",
                    Map.of(
                            "contacts",
                            List.of(
                                    "id",
                                    "first_name",
                                    "last_name",
                                    "email",
                                    "phone",
                                    "company",
                                    "created_at",
                                    "updated_at")),
            "billing",
                    Map.of(
                            "customers",
                                    List.of(
                                            "id",
                                            "name",
                                            "email",
                                            "phone",
                                            "address_line1",
                                            "city",
                                            "postal_code",
                                            "country",
                                            "crm_contact_id",
                                            "created_at",
                                            "updated_at"),
                            "subscriptions",
                                    List.of(
                                            "id",
                                            "customer_id",
                                            "plan",
                                            "status",
                                            "mrr_cents",
                                            "started_at",
                                            "canceled_at"),
                            "invoices", List.of("id", "customer_id", "amount_cents", "status", "issued_at", "paid_at")),
            "support",
                    Map.of(
                            "users", List.of("id", "name", "email", "phone", "created_at"),
                            "tickets",
                                    List.of(
                                            "id",
                                            "user_id",
                                            "subject",
                                            "status",
                                            "priority",
                                            "created_at",
                                            "updated_at")));

    /** Free-mail domains: rule 4 never applies to them. */
    static final Set<String> FREE_MAIL = Set.of(
            "gmail.com",
            "googlemail.com",
            "yahoo.com",
            "yahoo.co.uk",
            "yahoo.fr",
            "yahoo.de",
            "outlook.com",
            "hotmail.com",
            "hotmail.co.uk",
            "hotmail.fr",
            "live.com",
            "msn.com",
            "aol.com",
            "icloud.com",
            "me.com",
            "proton.me",
            "protonmail.com",
            "gmx.de",
            "gmx.net",
            "web.de",
            "t-online.de",
            "orange.fr",
            "free.fr",
            "laposte.net",
            "sfr.fr",
            "wanadoo.fr",
            "btinternet.com");

    static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ssX");
    static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    static final JaroWinklerSimilarity JW = new JaroWinklerSimilarity();

    // ------------------------------------------------------------------------------------------------ schema

    @Test
    void schemaFilesDefineExactlyTheContract() {
        for (var db : CONTRACT.entrySet()) {
            Map<String, SqlScript.Table> tables = SqlScript.tables(schemaFile(db.getKey()));
            assertThat(tables.keySet())
                    .as("tables of %s", db.getKey())
                    .containsExactlyInAnyOrderElementsOf(db.getValue().keySet());
            for (var t : db.getValue().entrySet()) {
                assertThat(tables.get(t.getKey()).columns())
                        .as("columns of %s.%s", db.getKey(), t.getKey())
                        .containsExactlyElementsOf(t.getValue());
            }
        }
    }

    @Test
    void schemaFilesAreIdempotentAndKeepTheDefaultReplicaIdentity() {
        for (String db : CONTRACT.keySet()) {
            String sql =
                    SqlScript.read(schemaFile(db)).replaceAll("--[^\n]*", "").toUpperCase(Locale.ROOT);
            int creates = count(sql, "CREATE TABLE ");
            assertThat(creates).as(db).isEqualTo(CONTRACT.get(db).size());
            assertThat(count(sql, "CREATE TABLE IF NOT EXISTS ")).as(db).isEqualTo(creates);
            assertThat(sql).as(db).doesNotContain("REPLICA IDENTITY").doesNotContain("DROP ");
        }
    }

    // -------------------------------------------------------------------------------------------------- data

    @Test
    void dataFilesFollowTheSeedLayoutAndOnlyUseSchemaTablesAndColumns() throws IOException {
        List<Path> files = dataFiles();
        assertThat(files)
                .extracting(p -> p.getFileName().toString())
                .containsExactly("010-crm.sql", "020-billing.sql", "030-support.sql");
        for (Path f : files) {
            String db = database(f);
            Map<String, SqlScript.Table> schema = SqlScript.tables(schemaFile(db));
            List<SqlScript.Row> rows = SqlScript.rows(f);
            assertThat(rows).as(f.toString()).isNotEmpty();
            Map<String, Set<String>> ids = new HashMap<>();
            for (SqlScript.Row r : rows) {
                assertThat(schema)
                        .as("table %s used in %s", r.table(), f.getFileName())
                        .containsKey(r.table());
                // every column explicit (ids and timestamps included), and nothing else
                assertThat(r.values().keySet())
                        .as("columns of a %s row in %s", r.table(), f.getFileName())
                        .containsExactlyInAnyOrderElementsOf(
                                schema.get(r.table()).columns());
                assertThat(r.get("id")).as("%s id", r.table()).matches("[1-9][0-9]*");
                assertThat(ids.computeIfAbsent(r.table(), k -> new HashSet<>()).add(r.get("id")))
                        .as("%s.%s id %s unique", db, r.table(), r.get("id"))
                        .isTrue();
                r.values().forEach((col, v) -> {
                    if (v != null && (col.endsWith("_at"))) {
                        OffsetDateTime.parse(v, TS); // explicit, parseable timestamps
                    }
                    if (v != null) {
                        assertThat(v.length())
                                .as("%s.%s value size", r.table(), col)
                                .isLessThan(300);
                    }
                });
            }
            assertThat(ids.keySet()).as("every table of %s has data", db).isEqualTo(schema.keySet());
        }
    }

    @Test
    void childrenReferenceExistingParentsAndHaveConsistentStatuses() {
        Data d = Data.load();
        Set<String> billingIds = ids(d.billing);
        Set<String> crmIds = ids(d.crm);
        Set<String> userIds = ids(d.support);
        for (SqlScript.Row b : d.billing) {
            assertThat(b.get("name")).isNotBlank();
            assertThat(b.get("country")).as("ISO alpha-2").matches("[A-Z]{2}");
            if (b.get("crm_contact_id") != null) {
                assertThat(crmIds)
                        .as("billing.customers %s crm_contact_id", b.get("id"))
                        .contains(b.get("crm_contact_id"));
            }
            assertTimeOrder(b, "created_at", "updated_at");
        }
        for (SqlScript.Row c : d.crm) {
            assertTimeOrder(c, "created_at", "updated_at");
        }
        assertThat(d.subscriptions).isNotEmpty();
        for (SqlScript.Row s : d.subscriptions) {
            assertThat(billingIds).as("subscription %s customer", s.get("id")).contains(s.get("customer_id"));
            assertThat(s.get("status")).isIn("trialing", "active", "past_due", "canceled");
            assertThat(s.get("canceled_at") != null)
                    .as("subscription %s canceled_at iff canceled", s.get("id"))
                    .isEqualTo(s.get("status").equals("canceled"));
            assertThat(Long.parseLong(s.get("mrr_cents"))).isPositive();
            assertTimeOrder(s, "started_at", "canceled_at");
        }
        for (SqlScript.Row i : d.invoices) {
            assertThat(billingIds).as("invoice %s customer", i.get("id")).contains(i.get("customer_id"));
            assertThat(i.get("status")).isIn("open", "paid", "void");
            assertThat(i.get("paid_at") != null)
                    .as("invoice %s paid_at iff paid", i.get("id"))
                    .isEqualTo(i.get("status").equals("paid"));
            assertTimeOrder(i, "issued_at", "paid_at");
        }
        for (SqlScript.Row t : d.tickets) {
            assertThat(userIds).as("ticket %s user", t.get("id")).contains(t.get("user_id"));
            assertThat(t.get("status")).isIn("open", "pending", "solved");
            assertThat(t.get("priority")).isIn("low", "normal", "high", "urgent");
            assertThat(t.get("subject")).isNotBlank();
            assertTimeOrder(t, "created_at", "updated_at");
        }
        for (String status : List.of("trialing", "active", "past_due", "canceled")) {
            assertThat(d.subscriptions).as("some subscription %s", status).anyMatch(s -> s.get("status")
                    .equals(status));
        }
        for (String status : List.of("open", "paid", "void")) {
            assertThat(d.invoices).as("some invoice %s", status).anyMatch(s -> s.get("status")
                    .equals(status));
        }
        for (String status : List.of("open", "pending", "solved")) {
            assertThat(d.tickets).as("some ticket %s", status).anyMatch(s -> s.get("status")
                    .equals(status));
        }
    }

    // ------------------------------------------------------------------------------------------------- truth

    @Test
    void everyParentRecordAppearsExactlyOnceInTruth() throws IOException {
        Data d = Data.load();
        List<String> lines = Files.readAllLines(RepoPaths.demo().resolve("truth.csv"));
        assertThat(lines.get(0)).isEqualTo("source,key,customer");
        Map<String, Integer> seen = new TreeMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            assertThat(f).as(line).hasSize(3);
            assertThat(f[0]).isIn("crm.contacts", "billing.customers", "support.users");
            assertThat(f[2]).as(line).matches("C[0-9]{4}");
            seen.merge(f[0] + "/" + f[1], 1, Integer::sum);
        }
        Set<String> parents = new TreeSet<>();
        d.crm.forEach(r -> parents.add("crm.contacts/" + r.get("id")));
        d.billing.forEach(r -> parents.add("billing.customers/" + r.get("id")));
        d.support.forEach(r -> parents.add("support.users/" + r.get("id")));
        assertThat(seen.keySet()).isEqualTo(parents);
        assertThat(seen.values()).allMatch(n -> n == 1);
        long customers = d.truth.values().stream().distinct().count();
        assertThat(customers).isBetween(250L, 350L);
    }

    @Test
    void everyPhoneParsesToAValidNumberWithItsDefaultRegion() {
        for (Rec r : Data.load().records()) {
            if (r.phone() == null) {
                continue;
            }
            PhoneNumber n = parse(r.phone(), r.region());
            assertThat(n)
                    .as("%s phone '%s' parses with region %s", r.ref(), r.phone(), r.region())
                    .isNotNull();
            assertThat(PHONES.isValidNumber(n))
                    .as("%s phone '%s' valid", r.ref(), r.phone())
                    .isTrue();
        }
    }

    @Test
    void theFourLinkingRulesReachExactlyTheTruth() {
        Data d = Data.load();
        List<Rec> recs = d.records();
        Map<String, Set<String>> truth = partition(recs, r -> d.truth.get(r.ref()));
        Map<String, Set<String>> linked = partition(recs, link(recs, Set.of(1, 2, 3, 4)));
        assertThat(new HashSet<>(linked.values())).isEqualTo(new HashSet<>(truth.values()));
    }

    @Test
    void noValueIsSharedBetweenDifferentCustomers() {
        // no hub e-mail or phone (info@..., 0000000000): every normalised value belongs to one true customer,
        // and no two customers share a domain with similar organisation names, even a free-mail domain.
        Data d = Data.load();
        Map<String, Set<String>> owners = new HashMap<>();
        List<Rec> recs = d.records();
        for (Rec r : recs) {
            String c = d.truth.get(r.ref());
            if (r.email() != null) {
                owners.computeIfAbsent("email " + r.email(), k -> new TreeSet<>())
                        .add(c);
                assertThat(r.email()).as(r.ref()).doesNotStartWith("info@").doesNotStartWith("noreply@");
            }
            if (r.e164() != null) {
                owners.computeIfAbsent("phone " + r.e164(), k -> new TreeSet<>())
                        .add(c);
            }
        }
        assertThat(owners)
                .allSatisfy(
                        (value, customers) -> assertThat(customers).as(value).hasSize(1));
        for (Rec a : recs) {
            for (Rec b : recs) {
                if (a.org() != null
                        && b.org() != null
                        && a.domain() != null
                        && a.domain().equals(b.domain())
                        && !d.truth.get(a.ref()).equals(d.truth.get(b.ref()))) {
                    assertThat(JW.apply(a.org(), b.org()))
                            .as("%s vs %s", a.ref(), b.ref())
                            .isLessThan(0.9);
                }
            }
        }
    }

    @Test
    void acmeIsSplitByRulesOneToThreeAndUnitedByTheFuzzyRule() {
        Data d = Data.load();
        List<Rec> recs = d.records();
        List<Rec> acme =
                recs.stream().filter(r -> "acme.com".equals(r.domain())).toList();
        Set<String> labels = acme.stream().map(r -> d.truth.get(r.ref())).collect(Collectors.toSet());
        assertThat(labels).as("one Acme customer").hasSize(1);
        String label = labels.iterator().next();
        List<Rec> all =
                recs.stream().filter(r -> d.truth.get(r.ref()).equals(label)).toList();
        assertThat(all).filteredOn(r -> r.source().equals("crm.contacts")).hasSizeGreaterThanOrEqualTo(3);
        List<Rec> accounts =
                all.stream().filter(r -> r.source().equals("billing.customers")).toList();
        assertThat(accounts).extracting(Rec::email).contains("finance@acme.com", "ops@acme.com");
        for (Rec account : accounts) {
            assertThat(d.subscriptions)
                    .as("active subscription of %s", account.ref())
                    .anyMatch(s -> s.get("customer_id").equals(account.key())
                            && s.get("status").equals("active"));
        }
        Function<Rec, String> withoutFuzzy = link(recs, Set.of(1, 2, 3));
        assertThat(all.stream().map(withoutFuzzy).distinct().count())
                .as("Acme clusters under rules 1-3")
                .isGreaterThanOrEqualTo(2);
        Function<Rec, String> full = link(recs, Set.of(1, 2, 3, 4));
        assertThat(all.stream().map(full).distinct().count()).isEqualTo(1);
    }

    @Test
    void theClassicCasesArePresent() {
        Data d = Data.load();
        List<Rec> recs = d.records();
        Map<String, Rec> byRef = recs.stream().collect(Collectors.toMap(Rec::ref, r -> r));
        // same e-mail, different case / whitespace
        assertThat(recs).anyMatch(r -> r.rawEmail() != null && r.rawEmail().equals(" Jane.Doe@Gmail.com "));
        assertThat(recs).anyMatch(r -> "jane.doe@gmail.com".equals(r.rawEmail()));
        // the same phone written differently
        for (String raw :
                List.of("+1 (415) 555-0134", "415.555.0134", "4155550134", "+44 20 7946 0958", "020 7946 0958")) {
            assertThat(recs).as(raw).anyMatch(r -> raw.equals(r.phone()));
        }
        // linked only by crm_contact_id
        Function<Rec, String> rules12 = link(recs, Set.of(1, 2));
        assertThat(d.billing).as("billing linked to CRM only by crm_contact_id").anyMatch(b -> {
            String crm = b.get("crm_contact_id");
            return crm != null
                    && !rules12.apply(byRef.get("billing.customers/" + b.get("id")))
                            .equals(rules12.apply(byRef.get("crm.contacts/" + crm)));
        });
        // phone-only support user linked to a differently written phone
        assertThat(recs)
                .filteredOn(r -> r.source().equals("support.users")
                        && r.rawEmail() == null
                        && r.phone() != null
                        && byRef.get(r.ref()) != null)
                .anySatisfy(s -> assertThat(recs)
                        .anyMatch(o -> !o.source().equals("support.users")
                                && s.e164().equals(o.e164())
                                && !s.phone().equals(o.phone())));
        // customers in only one system, in each system; records without e-mail and phone
        Map<String, Set<String>> systems = new HashMap<>();
        recs.forEach(r -> systems.computeIfAbsent(d.truth.get(r.ref()), k -> new TreeSet<>())
                .add(r.source()));
        for (String source : List.of("crm.contacts", "billing.customers", "support.users")) {
            assertThat(systems.values()).as("customer only in %s", source).anyMatch(s -> s.equals(Set.of(source)));
        }
        assertThat(recs).anyMatch(r -> r.rawEmail() == null && r.phone() == null);
    }

    @Test
    void theDocumentationListsTheAcmeRecords() throws IOException {
        String doc = Files.readString(RepoPaths.resolve("docs/demo-data.md"));
        Data d = Data.load();
        d.records().stream()
                .filter(r -> "acme.com".equals(r.domain()))
                .forEach(r -> assertThat(doc).as(r.ref()).contains(r.key()));
    }

    // -------------------------------------------------------------------------------------------- the rules

    /** A parent record as the linking rules see it. */
    record Rec(String source, String key, String rawEmail, String phone, String region, String org, String crmLink) {
        String ref() {
            return source + "/" + key;
        }

        String email() {
            return rawEmail == null || rawEmail.isBlank()
                    ? null
                    : rawEmail.trim().toLowerCase(Locale.ROOT);
        }

        String domain() {
            String e = email();
            return e == null ? null : e.substring(e.indexOf('@') + 1);
        }

        String e164() {
            PhoneNumber n = phone == null ? null : parse(phone, region);
            return n == null ? null : PHONES.format(n, PhoneNumberUtil.PhoneNumberFormat.E164);
        }
    }

    /** Applies the given rules and returns each record's cluster representative. */
    static Function<Rec, String> link(List<Rec> recs, Set<Integer> rules) {
        Map<String, String> parent = new HashMap<>();
        recs.forEach(r -> parent.put(r.ref(), r.ref()));
        Function<String, String> find = new Function<>() {
            @Override
            public String apply(String x) {
                String p = parent.get(x);
                if (p.equals(x)) {
                    return x;
                }
                String root = apply(p);
                parent.put(x, root);
                return root;
            }
        };
        java.util.function.BiConsumer<String, String> union = (a, b) -> {
            String ra = find.apply(a);
            String rb = find.apply(b);
            if (!ra.equals(rb)) {
                parent.put(ra, rb);
            }
        };
        Map<String, String> firstByValue = new HashMap<>();
        for (Rec r : recs) {
            if (rules.contains(1) && r.email() != null) {
                String prev = firstByValue.putIfAbsent("e:" + r.email(), r.ref());
                if (prev != null) {
                    union.accept(prev, r.ref());
                }
            }
            if (rules.contains(2) && r.e164() != null) {
                String prev = firstByValue.putIfAbsent("p:" + r.e164(), r.ref());
                if (prev != null) {
                    union.accept(prev, r.ref());
                }
            }
            if (rules.contains(3) && r.crmLink() != null && parent.containsKey("crm.contacts/" + r.crmLink())) {
                union.accept(r.ref(), "crm.contacts/" + r.crmLink());
            }
        }
        if (rules.contains(4)) {
            Map<String, List<Rec>> byDomain = recs.stream()
                    .filter(r -> r.domain() != null && r.org() != null && !FREE_MAIL.contains(r.domain()))
                    .collect(Collectors.groupingBy(Rec::domain));
            for (List<Rec> group : byDomain.values()) {
                for (int i = 0; i < group.size(); i++) {
                    for (int j = i + 1; j < group.size(); j++) {
                        if (JW.apply(group.get(i).org(), group.get(j).org()) >= 0.9) {
                            union.accept(group.get(i).ref(), group.get(j).ref());
                        }
                    }
                }
            }
        }
        return r -> find.apply(r.ref());
    }

    static Map<String, Set<String>> partition(List<Rec> recs, Function<Rec, String> label) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        recs.forEach(
                r -> out.computeIfAbsent(label.apply(r), k -> new TreeSet<>()).add(r.ref()));
        return out;
    }

    static PhoneNumber parse(String phone, String region) {
        try {
            return PHONES.parse(phone, region);
        } catch (NumberParseException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------------------------------------ loading

    static final class Data {
        final List<SqlScript.Row> crm = new ArrayList<>();
        final List<SqlScript.Row> billing = new ArrayList<>();
        final List<SqlScript.Row> subscriptions = new ArrayList<>();
        final List<SqlScript.Row> invoices = new ArrayList<>();
        final List<SqlScript.Row> support = new ArrayList<>();
        final List<SqlScript.Row> tickets = new ArrayList<>();
        final Map<String, String> truth = new HashMap<>();

        static Data load() {
            Data d = new Data();
            Path data = RepoPaths.demo().resolve("data");
            Map<String, List<SqlScript.Row>> target = Map.of(
                    "contacts",
                    d.crm,
                    "customers",
                    d.billing,
                    "subscriptions",
                    d.subscriptions,
                    "invoices",
                    d.invoices,
                    "users",
                    d.support,
                    "tickets",
                    d.tickets);
            for (String f : List.of("010-crm.sql", "020-billing.sql", "030-support.sql")) {
                for (SqlScript.Row r : SqlScript.rows(data.resolve(f))) {
                    target.get(r.table()).add(r);
                }
            }
            try {
                List<String> lines = Files.readAllLines(RepoPaths.demo().resolve("truth.csv"));
                for (String line : lines.subList(1, lines.size())) {
                    String[] f = line.split(",", -1);
                    d.truth.put(f[0] + "/" + f[1], f[2]);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return d;
        }

        List<Rec> records() {
            List<Rec> out = new ArrayList<>();
            crm.forEach(r -> out.add(new Rec(
                    "crm.contacts", r.get("id"), r.get("email"), r.get("phone"), "US", lower(r.get("company")), null)));
            billing.forEach(r -> out.add(new Rec(
                    "billing.customers",
                    r.get("id"),
                    r.get("email"),
                    r.get("phone"),
                    r.get("country") == null ? "US" : r.get("country"),
                    lower(r.get("name")),
                    r.get("crm_contact_id"))));
            support.forEach(r ->
                    out.add(new Rec("support.users", r.get("id"), r.get("email"), r.get("phone"), "US", null, null)));
            return out;
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    static Set<String> ids(List<SqlScript.Row> rows) {
        return rows.stream().map(r -> r.get("id")).collect(Collectors.toSet());
    }

    static void assertTimeOrder(SqlScript.Row r, String earlier, String later) {
        String a = r.get(earlier);
        String b = r.get(later);
        if (a != null && b != null) {
            assertThat(OffsetDateTime.parse(b, TS))
                    .as("%s %s: %s <= %s", r.table(), r.get("id"), earlier, later)
                    .isAfterOrEqualTo(OffsetDateTime.parse(a, TS));
        }
    }

    static Path schemaFile(String db) {
        return RepoPaths.demo().resolve("schema/" + db + ".sql");
    }

    static List<Path> dataFiles() throws IOException {
        try (Stream<Path> s = Files.list(RepoPaths.demo().resolve("data"))) {
            return s.filter(p -> p.toString().endsWith(".sql")).sorted().toList();
        }
    }

    /** The seed layout: the word after the first dash of the file name names the database. */
    static String database(Path dataFile) {
        String name = dataFile.getFileName().toString();
        var m = Pattern.compile("^[^-]+-([a-z_]+)").matcher(name);
        assertThat(m.find()).as(name).isTrue();
        return m.group(1);
    }

    static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
