package io.aurum.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Synthetic customers spread over the demo schema (crm, billing, support) with known ground truth.
 *
 * <p>Every true customer is drawn from one {@link SplittableRandom} seeded with {@code seed}, in order, so a seed
 * and a record target give the same bytes every time. Fragmentation follows what real source systems look like:
 * presence in one to three systems, duplicates inside a system, nicknames and typos, case/whitespace/format noise
 * in e-mails and phones, missing fields, an e-mail changed in one system, several contacts on one company domain,
 * and a few hub values (a shared {@code info@} address, a dummy phone) that different customers share.
 *
 * <p>Identifiers are unique per customer by construction (a per-customer number goes into every e-mail local part
 * and phone), so the only values two customers share are the deliberate hubs; the truth stays unambiguous.
 */
public final class DataGenerator {
    /** Share of customers that are companies with several contacts (the demo has about 30%). */
    static final double BUSINESS_SHARE = 0.25;
    /** Hub values: one per this many customers, each carried by several records of different customers. */
    static final int CUSTOMERS_PER_HUB = 5_000;

    static final int RECORDS_PER_HUB = 12;

    static final String[] COUNTRIES = {"US", "US", "GB", "DE", "FR"};
    static final List<String> FREE_MAIL = List.of(
            "gmail.com",
            "yahoo.com",
            "outlook.com",
            "hotmail.com",
            "icloud.com",
            "proton.me",
            "yahoo.co.uk",
            "hotmail.co.uk",
            "gmx.de",
            "web.de",
            "t-online.de",
            "orange.fr",
            "free.fr",
            "laposte.net",
            "hotmail.fr");
    private static final Map<String, String[]> FIRST = Map.of(
            "US",
                    new String[] {
                        "James",
                        "Robert",
                        "Michael",
                        "William",
                        "David",
                        "Richard",
                        "Joseph",
                        "Thomas",
                        "Christopher",
                        "Daniel",
                        "Mary",
                        "Patricia",
                        "Jennifer",
                        "Linda",
                        "Elizabeth",
                        "Barbara",
                        "Susan",
                        "Jessica",
                        "Margaret",
                        "Katherine",
                        "Anthony",
                        "Matthew",
                        "Andrew",
                        "Joshua",
                        "Emily",
                        "Samantha",
                        "Benjamin",
                        "Nicholas",
                        "Alexander",
                        "Jonathan",
                        "Priya",
                        "Wei",
                        "Diego",
                        "Aisha",
                        "Hiroshi"
                    },
            "GB",
                    new String[] {
                        "Oliver",
                        "George",
                        "Harry",
                        "Jack",
                        "Charlotte",
                        "Amelia",
                        "Olivia",
                        "Isla",
                        "Thomas",
                        "William",
                        "Elizabeth",
                        "Margaret",
                        "Edward",
                        "Rhys",
                        "Siobhan",
                        "Hamish",
                        "Zara",
                        "Evie",
                        "Alexander",
                        "Catherine",
                        "Robert",
                        "Victoria",
                        "Samuel",
                        "Rebecca"
                    },
            "DE",
                    new String[] {
                        "Maximilian",
                        "Alexander",
                        "Lukas",
                        "Johannes",
                        "Tobias",
                        "Katharina",
                        "Sabine",
                        "Johanna",
                        "Jürgen",
                        "Dirk",
                        "Stefanie",
                        "Christina",
                        "Wolfgang",
                        "Matthias",
                        "Elisabeth",
                        "Andreas",
                        "Friederike",
                        "Sebastian",
                        "Anja",
                        "Jörg"
                    },
            "FR",
                    new String[] {
                        "Mathieu",
                        "Théo",
                        "Raphaël",
                        "Étienne",
                        "Louise",
                        "Noémie",
                        "Camille",
                        "Nicolas",
                        "Sébastien",
                        "Élodie",
                        "Guillaume",
                        "Margaux",
                        "Alexandre",
                        "Christophe",
                        "Stéphanie",
                        "Antoine",
                        "Mathilde",
                        "François",
                        "Hélène",
                        "Benoît"
                    });
    private static final Map<String, String[]> LAST = Map.of(
            "US",
                    new String[] {
                        "Smith",
                        "Johnson",
                        "Williams",
                        "Brown",
                        "Jones",
                        "Garcia",
                        "Miller",
                        "Davis",
                        "Rodriguez",
                        "Martinez",
                        "Hernandez",
                        "Lopez",
                        "Wilson",
                        "Anderson",
                        "Taylor",
                        "Moore",
                        "Jackson",
                        "Lee",
                        "Nguyen",
                        "Clark",
                        "Patel",
                        "Chen",
                        "Young",
                        "Walker",
                        "Sullivan",
                        "Kowalski",
                        "Ortega"
                    },
            "GB",
                    new String[] {
                        "Smith",
                        "Jones",
                        "Taylor",
                        "Brown",
                        "Williams",
                        "Wilson",
                        "Evans",
                        "Thomas",
                        "Hughes",
                        "Wright",
                        "Whitaker",
                        "MacDonald",
                        "Campbell",
                        "Ashworth",
                        "Patel",
                        "Hill",
                        "Bennett",
                        "O'Neill"
                    },
            "DE",
                    new String[] {
                        "Müller",
                        "Schmidt",
                        "Schneider",
                        "Fischer",
                        "Weber",
                        "Meyer",
                        "Wagner",
                        "Becker",
                        "Schulz",
                        "Hoffmann",
                        "Schäfer",
                        "Koch",
                        "Vogel",
                        "Hartmann",
                        "Zimmermann",
                        "Köhler",
                        "Vogt"
                    },
            "FR",
                    new String[] {
                        "Martin",
                        "Bernard",
                        "Dubois",
                        "Thomas",
                        "Robert",
                        "Richard",
                        "Petit",
                        "Durand",
                        "Leroy",
                        "Moreau",
                        "Simon",
                        "Laurent",
                        "Lefèvre",
                        "Mercier",
                        "Dupont",
                        "Gauthier",
                        "Lemaire"
                    });
    private static final Map<String, String> NICKNAMES = Map.ofEntries(
            Map.entry("James", "Jim"),
            Map.entry("Robert", "Bob"),
            Map.entry("Michael", "Mike"),
            Map.entry("William", "Bill"),
            Map.entry("David", "Dave"),
            Map.entry("Richard", "Rick"),
            Map.entry("Joseph", "Joe"),
            Map.entry("Thomas", "Tom"),
            Map.entry("Christopher", "Chris"),
            Map.entry("Daniel", "Dan"),
            Map.entry("Patricia", "Pat"),
            Map.entry("Jennifer", "Jen"),
            Map.entry("Elizabeth", "Liz"),
            Map.entry("Barbara", "Barb"),
            Map.entry("Susan", "Sue"),
            Map.entry("Jessica", "Jess"),
            Map.entry("Margaret", "Maggie"),
            Map.entry("Katherine", "Kate"),
            Map.entry("Anthony", "Tony"),
            Map.entry("Matthew", "Matt"),
            Map.entry("Andrew", "Andy"),
            Map.entry("Joshua", "Josh"),
            Map.entry("Samantha", "Sam"),
            Map.entry("Benjamin", "Ben"),
            Map.entry("Nicholas", "Nick"),
            Map.entry("Alexander", "Alex"),
            Map.entry("Jonathan", "Jon"),
            Map.entry("Edward", "Ed"),
            Map.entry("Catherine", "Cathy"),
            Map.entry("Victoria", "Vicky"),
            Map.entry("Samuel", "Sam"),
            Map.entry("Rebecca", "Becky"),
            Map.entry("Maximilian", "Max"),
            Map.entry("Johannes", "Hannes"),
            Map.entry("Katharina", "Kathi"),
            Map.entry("Stefanie", "Steffi"),
            Map.entry("Christina", "Tina"),
            Map.entry("Wolfgang", "Wolf"),
            Map.entry("Matthias", "Matze"),
            Map.entry("Elisabeth", "Lisa"),
            Map.entry("Sebastian", "Basti"),
            Map.entry("Nicolas", "Nico"),
            Map.entry("Guillaume", "Guille"),
            Map.entry("Alexandre", "Alex"),
            Map.entry("Christophe", "Chris"),
            Map.entry("Mathilde", "Mathy"));
    private static final String[] COMPANY_A = {
        "Blue",
        "North",
        "Silver",
        "Bright",
        "Iron",
        "Cedar",
        "Harbor",
        "Summit",
        "Copper",
        "Granite",
        "Maple",
        "Falcon",
        "Crystal",
        "Golden",
        "Pine",
        "Red",
        "Stone",
        "Oak",
        "River",
        "Eagle",
        "Isar",
        "Rhein",
        "Canary",
        "Cotswold",
        "Clair",
        "Azur",
        "Harz",
        "Keystone"
    };
    private static final String[] COMPANY_B = {
        "Peak", "Field", "Water", "Bridge", "Works", "Gate", "Line", "Point", "Wood", "Ridge", "Crest", "Light",
        "Stream", "Vale", "Haven", "Forge", "Park", "Way"
    };
    private static final String[] COMPANY_C = {
        "Outfitters",
        "Logistics",
        "Capital",
        "Consulting",
        "Interiors",
        "Engineering",
        "Publishing",
        "Transports",
        "Software",
        "Analytics",
        "Foods",
        "Energy",
        "Design",
        "Automation",
        "Handel",
        "Verlag",
        "Media",
        "Labs",
        "Health",
        "Supply"
    };
    private static final Map<String, String[]> SUFFIX = Map.of(
            "US",
            new String[] {"Inc.", "LLC", "Corp", "Co."},
            "GB",
            new String[] {"Ltd", "LLP", "PLC"},
            "DE",
            new String[] {"GmbH", "AG", "KG"},
            "FR",
            new String[] {"SAS", "SARL", "SA"});
    private static final int[] US_AREA = {212, 312, 415, 512, 617, 206, 303, 404, 305, 702, 713, 214, 602, 720, 503};
    private static final String[] ROLE_MAILBOX = {"billing", "accounts", "finance", "accounting", "ops"};
    private static final String[] CITY_US = {"Chicago", "Austin", "Seattle", "Denver", "Boston", "Atlanta"};
    private static final String[] CITY_GB = {"London", "Leeds", "Manchester", "Edinburgh", "Birmingham"};
    private static final String[] CITY_DE = {"Berlin", "Hamburg", "München", "Köln", "Frankfurt"};
    private static final String[] CITY_FR = {"Paris", "Lyon", "Marseille", "Bordeaux", "Lille", "Nantes"};
    private static final String[] STREET = {
        "Main St",
        "Oak Ave",
        "Mill Lane",
        "Station Road",
        "Hauptstraße",
        "Bergstraße",
        "rue de la République",
        "avenue Victor Hugo",
        "Princes Street",
        "Market Street"
    };
    private static final String[] PLANS_PERSONAL = {"personal", "plus", "family"};
    private static final String[] PLANS_BUSINESS = {"starter", "team", "business", "enterprise"};
    private static final String[] SUBJECTS = {
        "Cannot log in",
        "Invoice question",
        "Change of address",
        "Refund request",
        "Feature request",
        "Bug report",
        "Cancel subscription",
        "Upgrade plan"
    };
    private static final DateTimeFormatter TS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'+00'").withZone(ZoneOffset.UTC);
    private static final long EPOCH_2022 = Instant.parse("2022-01-01T00:00:00Z").getEpochSecond();
    private static final int SPAN_SECONDS = 3 * 365 * 24 * 3600;

    /** Tables in load order (parents before children); each with its columns as in the demo schema. */
    public static final List<TableDef> TABLES = List.of(
            new TableDef(
                    "crm",
                    "contacts",
                    "crm.contacts",
                    "id, first_name, last_name, email, phone, company, created_at, updated_at"),
            new TableDef(
                    "billing",
                    "customers",
                    "billing.customers",
                    "id, name, email, phone, address_line1, city, postal_code, country, crm_contact_id, created_at, updated_at"),
            new TableDef(
                    "billing",
                    "subscriptions",
                    "billing.subscriptions",
                    "id, customer_id, plan, status, mrr_cents, started_at, canceled_at"),
            new TableDef(
                    "billing",
                    "invoices",
                    "billing.invoices",
                    "id, customer_id, amount_cents, status, issued_at, paid_at"),
            new TableDef("support", "users", "support.users", "id, name, email, phone, created_at"),
            new TableDef(
                    "support",
                    "tickets",
                    "support.tickets",
                    "id, user_id, subject, status, priority, created_at, updated_at"));

    public record TableDef(String database, String table, String source, String columns) {}

    /** One parent record as written, for evaluators that need the raw values (Duke). */
    public record ParentRecord(
            String source,
            long key,
            int customer,
            String name,
            String email,
            String phone,
            String company,
            String country,
            Long crmLink) {
        public String id() {
            return source + ":" + key;
        }
    }

    /** What a run wrote: counts per table (ids run 1..count in each table), customers and parents. */
    public record Dataset(
            Path dir, long seed, int customers, Map<String, Long> rowsPerTable, long rows, List<ParentRecord> parents) {
        public long count(String source) {
            return rowsPerTable.getOrDefault(source, 0L);
        }
    }

    private final long seed;
    private final SplittableRandom rnd;
    private final Sink sink;
    private final List<ParentRecord> parents = new ArrayList<>();
    private final long[] ids = new long[TABLES.size()];
    private final List<String[]> hubs = new ArrayList<>();
    private int customer;

    private DataGenerator(long seed, Sink sink) {
        this.seed = seed;
        this.rnd = new SplittableRandom(seed);
        this.sink = sink;
    }

    /**
     * Writes at least {@code targetRows} source rows (parents and children, i.e. change events of a snapshot) to
     * {@code dir}: the seed layout ({@code 010-crm.sql}, {@code 020-billing.sql}, {@code 030-support.sql}) when
     * {@code sql}, one CSV per table for COPY when {@code csv}, and always {@code truth.csv}.
     */
    public static Dataset generate(long seed, long targetRows, Path dir, boolean sql, boolean csv) throws IOException {
        Files.createDirectories(dir);
        try (Sink sink = new Sink(dir, sql, csv)) {
            DataGenerator g = new DataGenerator(seed, sink);
            g.run(targetRows);
            Map<String, Long> counts = new java.util.LinkedHashMap<>();
            long total = 0;
            for (int t = 0; t < TABLES.size(); t++) {
                counts.put(TABLES.get(t).source(), g.ids[t]);
                total += g.ids[t];
            }
            return new Dataset(dir, seed, g.customer, Map.copyOf(counts), total, List.copyOf(g.parents));
        }
    }

    private long rows() {
        long n = 0;
        for (long id : ids) {
            n += id;
        }
        return n;
    }

    private void run(long targetRows) {
        int hubCount = (int) Math.max(3, targetRows / 9 / CUSTOMERS_PER_HUB);
        for (int h = 0; h < hubCount; h++) {
            // A shared mailbox (an accountant or reseller registering several clients) and a dummy phone; area
            // code 900 is never generated for a real customer, so the hub phone collides with no one by accident.
            hubs.add(new String[] {"info@" + "bookkeeping-partners" + h + ".com", "+1 900 555 " + (1000 + h)});
        }
        while (rows() < targetRows) {
            customer++;
            if (rnd.nextDouble() < BUSINESS_SHARE) {
                business();
            } else {
                consumer();
            }
        }
    }

    private boolean chance(double p) {
        return rnd.nextDouble() < p;
    }

    private String pick(String[] values) {
        return values[rnd.nextInt(values.length)];
    }

    private String ts(long offsetSeconds) {
        return TS.format(Instant.ofEpochSecond(EPOCH_2022 + offsetSeconds));
    }

    /** Which systems hold the customer: [crm, billing, support]. */
    private boolean[] presence() {
        double p = rnd.nextDouble();
        if (p < 0.28) return new boolean[] {true, true, true};
        if (p < 0.57) return new boolean[] {true, true, false};
        if (p < 0.66) return new boolean[] {true, false, true};
        if (p < 0.75) return new boolean[] {false, true, true};
        if (p < 0.87) return new boolean[] {true, false, false};
        if (p < 0.93) return new boolean[] {false, true, false};
        return new boolean[] {false, false, true};
    }

    private record Person(String first, String last, String email, String altEmail, String phone, String country) {}

    private Person person(String country, String domain, int n) {
        String first = pick(FIRST.get(country));
        String last = pick(LAST.get(country));
        String f = ascii(first);
        String l = ascii(last);
        String local =
                switch (rnd.nextInt(4)) {
                    case 0 -> f + "." + l;
                    case 1 -> f.charAt(0) + l;
                    case 2 -> l + "." + f;
                    default -> f + l.charAt(0);
                };
        String email;
        String alt;
        if (domain == null) {
            // The customer number keeps every address unique to one customer; real addresses carry years and counters.
            email = local + customer + n + "@" + FREE_MAIL.get(rnd.nextInt(FREE_MAIL.size()));
            alt = f + "_" + l + customer + n + "@" + FREE_MAIL.get(rnd.nextInt(FREE_MAIL.size()));
        } else {
            String suffix = n == 0 ? "" : Integer.toString(n);
            email = local + suffix + "@" + domain;
            alt = f + suffix + "@" + domain;
        }
        return new Person(first, last, email, alt, chance(0.6) ? phone(country, customer * 8L + n) : null, country);
    }

    /** An E.164 number unique to {@code n}: an affine map with a multiplier coprime to the range is injective. */
    private static String phone(String country, long n) {
        long x = (n * 7_919L + 1_234_567L) % 8_000_000L + 2_000_000L; // 7 digits, first digit 2-9
        return switch (country) {
            case "US" -> "+1" + US_AREA[(int) (n % US_AREA.length)] + x;
            case "GB" -> "+4420" + (n % 2 == 0 ? "7" : "3") + x;
            case "DE" -> "+4930" + (n % 9 + 1) + x;
            default -> "+331" + (n % 9 + 1) + String.format("%07d", x).substring(0, 7);
        };
    }

    private void consumer() {
        String country = COUNTRIES[rnd.nextInt(COUNTRIES.length)];
        Person p = person(country, null, 0);
        boolean[] in = presence();
        long crmId = 0;
        if (in[0]) {
            crmId = crmContact(p, null, country);
            if (chance(0.04)) { // a duplicate entered later by another sales rep
                crmContact(variant(p), null, country);
            }
        }
        if (in[1]) {
            int accounts = chance(0.03) ? 2 : 1;
            for (int i = 0; i < accounts; i++) {
                billingCustomer(i == 0 ? p : variant(p), fullName(p, 1), crmId, country, false);
            }
        }
        if (in[2]) {
            supportUser(p, country);
            if (chance(0.05)) {
                supportUser(variant(p), country);
            }
        }
    }

    private void business() {
        String country = COUNTRIES[rnd.nextInt(COUNTRIES.length)];
        String base = pick(COMPANY_A) + pick(COMPANY_B);
        String company = base + " " + pick(COMPANY_C) + " " + pick(SUFFIX.get(country));
        String tld =
                switch (country) {
                    case "GB" -> ".co.uk";
                    case "DE" -> ".de";
                    case "FR" -> ".fr";
                    default -> ".com";
                };
        String domain = base.toLowerCase(Locale.ROOT) + "-" + customer + tld;
        int contacts = 1 + rnd.nextInt(3);
        boolean[] in = presence();
        long firstCrm = 0;
        List<Person> people = new ArrayList<>();
        for (int c = 0; c < contacts; c++) {
            Person p = person(country, domain, c);
            people.add(p);
            if (in[0]) {
                long id = crmContact(p, companySpelling(company), country);
                firstCrm = firstCrm == 0 ? id : firstCrm;
            }
        }
        if (in[1]) {
            int accounts = chance(0.1) ? 2 : 1; // double billing, like Acme in the demo
            for (int a = 0; a < accounts; a++) {
                String mailbox = pick(ROLE_MAILBOX) + "@" + domain;
                Person acct = new Person(
                        "",
                        "",
                        mailbox,
                        mailbox,
                        chance(0.7)
                                ? phone(country, customer * 8L + 5 + a)
                                : people.get(0).phone(),
                        country);
                billingCustomer(acct, companySpelling(company), a == 0 ? firstCrm : 0, country, true);
            }
        }
        if (in[2]) {
            for (Person p : people) {
                if (chance(0.7)) {
                    supportUser(p, country);
                }
            }
        }
    }

    /** Same person, entered again: nickname or typo, the e-mail changed or re-cased, the phone dropped. */
    private Person variant(Person p) {
        String first = p.first();
        if (chance(0.5) && NICKNAMES.containsKey(first)) {
            first = NICKNAMES.get(first);
        } else if (chance(0.5)) {
            first = typo(first);
        }
        String email = chance(0.4) ? p.altEmail() : p.email();
        return new Person(first, p.last(), email, p.altEmail(), chance(0.5) ? p.phone() : null, p.country());
    }

    private String companySpelling(String company) {
        return switch (rnd.nextInt(6)) {
            case 0 -> company.toUpperCase(Locale.ROOT);
            case 1 -> company.endsWith(".") ? company.substring(0, company.length() - 1) : company;
            case 2 -> company.substring(0, company.lastIndexOf(' ')); // suffix left off
            default -> company;
        };
    }

    private String typo(String s) {
        if (s.length() < 4) {
            return s;
        }
        int i = 1 + rnd.nextInt(s.length() - 2);
        return switch (rnd.nextInt(3)) {
            case 0 -> s.substring(0, i) + s.charAt(i + 1) + s.charAt(i) + s.substring(i + 2); // transposition
            case 1 -> s.substring(0, i) + s.substring(i + 1); // dropped letter
            default -> s.substring(0, i) + s.charAt(i) + s.substring(i); // doubled letter
        };
    }

    private String fullName(Person p, int style) {
        String first = style == 1 && chance(0.15) && NICKNAMES.containsKey(p.first())
                ? NICKNAMES.get(p.first())
                : chance(0.05) ? typo(p.first()) : p.first();
        return first + " " + (chance(0.03) ? typo(p.last()) : p.last());
    }

    /** Case and whitespace noise, plus an e-mail changed in this system, plus hub substitution. */
    private String noisyEmail(Person p) {
        if (chance(0.04)) {
            return null;
        }
        String email = chance(0.12) ? p.altEmail() : p.email();
        email = switch (rnd.nextInt(8)) {
            case 0 -> email.toUpperCase(Locale.ROOT);
            case 1 -> titleCase(email);
            case 2 -> " " + email;
            case 3 -> email + " ";
            default -> email;
        };
        return email;
    }

    private static String titleCase(String email) {
        StringBuilder sb = new StringBuilder(email.length());
        boolean up = true;
        for (char c : email.toCharArray()) {
            sb.append(up ? Character.toUpperCase(c) : c);
            up = c == '.' || c == '@' || c == '_';
        }
        return sb.toString();
    }

    /** Formats an E.164 number the way a system would store it; national forms only where a country is known. */
    private String noisyPhone(String e164, String country, boolean nationalAllowed) {
        if (e164 == null) {
            return null;
        }
        String cc = e164.startsWith("+1") ? "1" : e164.substring(1, 3);
        String nsn = e164.substring(1 + cc.length());
        boolean national = "US".equals(country) || nationalAllowed;
        int style = rnd.nextInt(national ? 6 : 3);
        if ("1".equals(cc)) {
            String a = nsn.substring(0, 3), b = nsn.substring(3, 6), c = nsn.substring(6);
            return switch (style) {
                case 0 -> e164;
                case 1 -> "+1 " + a + " " + b + " " + c;
                case 2 -> "+1 (" + a + ") " + b + "-" + c;
                case 3 -> a + "-" + b + "-" + c;
                case 4 -> a + "." + b + "." + c;
                default -> "(" + a + ") " + b + "-" + c;
            };
        }
        return switch (style) {
            case 0 -> e164;
            case 1 -> "+" + cc + " " + spaced(nsn);
            case 2 -> "+" + cc + " (0)" + spaced(nsn);
            case 3 -> "0" + spaced(nsn);
            case 4 -> "00" + cc + " " + nsn;
            default -> "0" + nsn;
        };
    }

    private static String spaced(String digits) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < digits.length(); i++) {
            if (i > 0 && i % 3 == 0 && digits.length() - i > 1) {
                sb.append(' ');
            }
            sb.append(digits.charAt(i));
        }
        return sb.toString();
    }

    /** A hub value replaces the record's own e-mail or phone now and then: about one record in 1,040. */
    private String[] maybeHub(String email, String phone) {
        if (!hubs.isEmpty() && chance(1.0 / (CUSTOMERS_PER_HUB / (double) RECORDS_PER_HUB) / 2.5)) {
            String[] hub = hubs.get(rnd.nextInt(hubs.size()));
            return rnd.nextBoolean() ? new String[] {hub[0], phone} : new String[] {email, hub[1]};
        }
        return new String[] {email, phone};
    }

    private long crmContact(Person p, String company, String country) {
        long id = ++ids[0];
        long created = rnd.nextInt(SPAN_SECONDS);
        String first = chance(0.03) ? p.first().toLowerCase(Locale.ROOT) : p.first();
        String[] ep = maybeHub(noisyEmail(p), noisyPhone(p.phone(), country, false));
        sink.row(
                0,
                id,
                chance(0.02) ? null : first,
                p.last(),
                ep[0],
                ep[1],
                company,
                ts(created),
                ts(created + rnd.nextInt(30_000_000)));
        parents.add(new ParentRecord(
                "crm.contacts", id, customer, first + " " + p.last(), ep[0], ep[1], company, null, null));
        sink.truth("crm.contacts", id, customer);
        return id;
    }

    private void billingCustomer(Person p, String name, long crmId, String country, boolean business) {
        long id = ++ids[1];
        long created = rnd.nextInt(SPAN_SECONDS);
        String email = p.first().isEmpty() ? caseNoise(p.email()) : noisyEmail(p);
        String[] ep = maybeHub(email, noisyPhone(p.phone(), country, true));
        String[] cities =
                switch (country) {
                    case "GB" -> CITY_GB;
                    case "DE" -> CITY_DE;
                    case "FR" -> CITY_FR;
                    default -> CITY_US;
                };
        Long link = crmId > 0 && chance(0.45) ? crmId : null;
        String postal = String.format("%05d", rnd.nextInt(100_000));
        sink.row(
                1,
                id,
                name,
                ep[0],
                ep[1],
                (1 + rnd.nextInt(400)) + " " + pick(STREET),
                pick(cities),
                chance(0.1) ? null : postal,
                country,
                link,
                ts(created),
                ts(created + rnd.nextInt(30_000_000)));
        parents.add(new ParentRecord(
                "billing.customers", id, customer, name, ep[0], ep[1], business ? name : null, country, link));
        sink.truth("billing.customers", id, customer);
        int subs = chance(0.15) ? 0 : chance(0.85) ? 1 : 2;
        for (int s = 0; s < subs; s++) {
            long sid = ++ids[2];
            long started = created + rnd.nextInt(1_000_000);
            String status = s == 0 && subs == 2
                    ? "canceled"
                    : switch (rnd.nextInt(10)) {
                        case 0, 1 -> "canceled";
                        case 2 -> "past_due";
                        case 3 -> "trialing";
                        default -> "active";
                    };
            long mrr = business ? 4_900L * (1 + rnd.nextInt(30)) : 499L * (1 + rnd.nextInt(4));
            sink.row(
                    2,
                    sid,
                    id,
                    pick(business ? PLANS_BUSINESS : PLANS_PERSONAL),
                    status,
                    mrr,
                    ts(started),
                    "canceled".equals(status) ? ts(started + 5_000_000 + rnd.nextInt(5_000_000)) : null);
            int invoices = "trialing".equals(status) ? 0 : 1 + rnd.nextInt(8);
            for (int i = 0; i < invoices; i++) {
                long iid = ++ids[3];
                long issued = started + i * 2_592_000L;
                String st = i == invoices - 1 && "past_due".equals(status) ? "open" : chance(0.03) ? "void" : "paid";
                sink.row(3, iid, id, mrr, st, ts(issued), "paid".equals(st) ? ts(issued + rnd.nextInt(900_000)) : null);
            }
        }
    }

    private String caseNoise(String email) {
        return switch (rnd.nextInt(4)) {
            case 0 -> titleCase(email);
            case 1 -> email + " ";
            default -> email;
        };
    }

    private void supportUser(Person p, String country) {
        long id = ++ids[4];
        long created = rnd.nextInt(SPAN_SECONDS);
        String name =
                switch (rnd.nextInt(10)) {
                    case 0 -> null;
                    case 1 -> p.first(); // first name only
                    case 2 -> (ascii(p.first()).charAt(0) + ascii(p.last())).toLowerCase(Locale.ROOT); // a user handle
                    default -> fullName(p, 1);
                };
        // Some users are known only by the phone they called from.
        boolean phoneOnly = p.phone() != null && chance(0.05);
        String email = phoneOnly ? null : noisyEmail(p);
        String[] ep = maybeHub(email, noisyPhone(p.phone(), country, false));
        if (phoneOnly) {
            name = null;
        }
        sink.row(4, id, name, ep[0], ep[1], ts(created));
        parents.add(new ParentRecord("support.users", id, customer, name, ep[0], ep[1], null, null, null));
        sink.truth("support.users", id, customer);
        int tickets = rnd.nextInt(4);
        for (int t = 0; t < tickets; t++) {
            long tid = ++ids[5];
            long at = created + rnd.nextInt(20_000_000);
            String status =
                    switch (rnd.nextInt(5)) {
                        case 0 -> "open";
                        case 1 -> "pending";
                        default -> "solved";
                    };
            String priority =
                    switch (rnd.nextInt(8)) {
                        case 0 -> "low";
                        case 1 -> "high";
                        case 2 -> "urgent";
                        default -> "normal";
                    };
            sink.row(5, tid, id, pick(SUBJECTS), status, priority, ts(at), ts(at + rnd.nextInt(2_000_000)));
        }
    }

    /** Letters without diacritics, for e-mail local parts. */
    static String ascii(String s) {
        String n =
                java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFD).replaceAll("\\p{M}", "");
        return n.replace("ß", "ss").replaceAll("[^A-Za-z]", "").toLowerCase(Locale.ROOT);
    }

    /**
     * Writes each row as SQL (multi-row INSERTs of {@value #ROWS_PER_INSERT} rows, in the seed layout: one file per
     * database) and/or as CSV for COPY (one file per table), and the truth file.
     */
    static final class Sink implements AutoCloseable {
        static final int ROWS_PER_INSERT = 1_000;
        // One part file per table, joined per database on close: INSERTs of different tables interleave while
        // generating, and a database file must list parents before children (foreign keys).
        private final Path dir;
        private final BufferedWriter[] sql = new BufferedWriter[TABLES.size()];
        private final BufferedWriter[] csv = new BufferedWriter[TABLES.size()];
        private final int[] pending = new int[TABLES.size()];
        private final BufferedWriter truth;
        private final StringBuilder line = new StringBuilder(256);

        Sink(Path dir, boolean writeSql, boolean writeCsv) throws IOException {
            this.dir = dir;
            for (int t = 0; t < TABLES.size(); t++) {
                if (writeSql) {
                    sql[t] = Files.newBufferedWriter(part(t), StandardCharsets.UTF_8);
                }
                if (writeCsv) {
                    csv[t] = Files.newBufferedWriter(
                            dir.resolve(TABLES.get(t).source() + ".csv"), StandardCharsets.UTF_8);
                }
            }
            truth = Files.newBufferedWriter(dir.resolve("truth.csv"), StandardCharsets.UTF_8);
            truth.write("source,key,customer\n");
        }

        private Path part(int table) {
            return dir.resolve(TABLES.get(table).source() + ".sql.part");
        }

        void truth(String source, long key, int customer) {
            write(truth, source + "," + key + "," + label(customer) + "\n");
        }

        void row(int table, Object... values) {
            BufferedWriter s = sql[table];
            if (s != null) {
                line.setLength(0);
                if (pending[table] == 0) {
                    line.append("INSERT INTO ")
                            .append(TABLES.get(table).table())
                            .append(" (")
                            .append(TABLES.get(table).columns())
                            .append(") VALUES\n  (");
                } else {
                    line.append(",\n  (");
                }
                for (int i = 0; i < values.length; i++) {
                    if (i > 0) {
                        line.append(", ");
                    }
                    Object v = values[i];
                    if (v == null) {
                        line.append("NULL");
                    } else if (v instanceof Number) {
                        line.append(v);
                    } else {
                        line.append('\'')
                                .append(v.toString().replace("'", "''"))
                                .append('\'');
                    }
                }
                line.append(')');
                if (++pending[table] == ROWS_PER_INSERT) {
                    line.append(";\n");
                    pending[table] = 0;
                }
                write(s, line.toString());
            }
            if (csv[table] != null) {
                line.setLength(0);
                for (int i = 0; i < values.length; i++) {
                    if (i > 0) {
                        line.append(',');
                    }
                    Object v = values[i];
                    if (v instanceof Number) {
                        line.append(v);
                    } else if (v != null) { // an unquoted empty field is NULL in COPY's CSV format
                        line.append('"')
                                .append(v.toString().replace("\"", "\"\""))
                                .append('"');
                    }
                }
                line.append('\n');
                write(csv[table], line.toString());
            }
        }

        private static void write(BufferedWriter w, String s) {
            try {
                w.write(s);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            for (BufferedWriter w : csv) {
                if (w != null) {
                    w.close();
                }
            }
            truth.close();
            if (sql[0] == null) {
                return;
            }
            for (int t = 0; t < TABLES.size(); t++) {
                if (pending[t] > 0) {
                    sql[t].write(";\n");
                }
                sql[t].close();
            }
            int order = 1;
            for (String db : List.of("crm", "billing", "support")) {
                Path file = dir.resolve(String.format("0%d0-%s.sql", order++, db));
                try (var out = Files.newOutputStream(file)) {
                    out.write(
                            ("-- Generated by `aurum bench generate`: synthetic customers, ground truth in truth.csv.\n")
                                    .getBytes(StandardCharsets.UTF_8));
                    for (int t = 0; t < TABLES.size(); t++) {
                        if (TABLES.get(t).database().equals(db)) {
                            Files.copy(part(t), out);
                            Files.delete(part(t));
                        }
                    }
                }
            }
        }
    }

    public static String label(int customer) {
        return String.format("C%07d", customer);
    }
}
