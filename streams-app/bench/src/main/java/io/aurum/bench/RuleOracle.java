package io.aurum.bench;

import io.aurum.bench.DataGenerator.ParentRecord;
import io.aurum.normalize.Normalizers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.text.similarity.JaroWinklerSimilarity;

/**
 * Aurum's linking rules applied offline, in memory, as connected components: what a correct implementation of the
 * rules can reach on a data set. The gap between this and the pipeline's own score is the pipeline's; the gap
 * between this and 1.0 is the rules' (or the data's).
 *
 * <p>Rules, as docs/demo-data.md defines them: (1) e-mail equal after trim and lower-case; (2) phone equal in E.164,
 * region from the record's country, else US; (3) billing.customers.crm_contact_id; (4, optional) same non-free-mail
 * e-mail domain and organisation names (crm company, billing name) with Jaro-Winkler ≥ 0.9 after lower-casing.
 */
public final class RuleOracle {
    private static final JaroWinklerSimilarity JW = new JaroWinklerSimilarity();

    private RuleOracle() {}

    public static Map<String, String> resolve(List<ParentRecord> records, boolean fuzzyOrganisations) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
            index.put(records.get(i).id(), i);
        }
        UnionFind sets = new UnionFind(records.size());
        Map<String, Integer> firstHolder = new HashMap<>();
        Map<String, List<Integer>> orgsByDomain = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
            ParentRecord r = records.get(i);
            String email = Normalizers.email(r.email());
            String phone = Normalizers.phone(r.phone(), r.country(), "US");
            for (String id : new String[] {email == null ? null : "e:" + email, phone == null ? null : "p:" + phone}) {
                if (id != null) {
                    Integer other = firstHolder.putIfAbsent(id, i);
                    if (other != null) {
                        sets.union(i, other);
                    }
                }
            }
            if (r.crmLink() != null) {
                Integer target = index.get("crm.contacts:" + r.crmLink());
                if (target != null) {
                    sets.union(i, target);
                }
            }
            String org = organisation(r);
            if (fuzzyOrganisations && email != null && org != null) {
                String domain = email.substring(email.indexOf('@') + 1);
                if (!DataGenerator.FREE_MAIL.contains(domain)) {
                    orgsByDomain.computeIfAbsent(domain, d -> new ArrayList<>()).add(i);
                }
            }
        }
        for (List<Integer> group : orgsByDomain.values()) {
            for (int a = 0; a < group.size(); a++) {
                for (int b = a + 1; b < group.size(); b++) {
                    String x = organisation(records.get(group.get(a))).toLowerCase(Locale.ROOT);
                    String y = organisation(records.get(group.get(b))).toLowerCase(Locale.ROOT);
                    if (JW.apply(x, y) >= 0.9) {
                        sets.union(group.get(a), group.get(b));
                    }
                }
            }
        }
        Map<String, String> clusters = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
            clusters.put(records.get(i).id(), records.get(sets.find(i)).id());
        }
        return clusters;
    }

    /** What the fuzzy rule reads as the organisation: crm company, or the billing account's name. */
    private static String organisation(ParentRecord r) {
        return switch (r.source()) {
            case "crm.contacts" -> r.company();
            case "billing.customers" -> r.name();
            default -> null;
        };
    }
}
