package io.aurum.bench;

import io.aurum.bench.DataGenerator.ParentRecord;
import io.aurum.normalize.Normalizers;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import no.priv.garshol.duke.ConfigurationImpl;
import no.priv.garshol.duke.Processor;
import no.priv.garshol.duke.Property;
import no.priv.garshol.duke.PropertyImpl;
import no.priv.garshol.duke.Record;
import no.priv.garshol.duke.RecordImpl;
import no.priv.garshol.duke.comparators.ExactComparator;
import no.priv.garshol.duke.comparators.JaroWinkler;
import no.priv.garshol.duke.comparators.PersonNameComparator;
import no.priv.garshol.duke.databases.LuceneDatabase;
import no.priv.garshol.duke.matchers.AbstractMatchListener;

/**
 * The reference: Duke (probabilistic record linkage on Lucene) deduplicating the same parent records, with the
 * evidence Aurum's rules use plus what a probabilistic matcher adds (names).
 *
 * <p>Values are cleaned the way Aurum normalises them (e-mail trimmed and lower-cased, phone to E.164 with the
 * record's country) so both start from the same identifiers; the difference measured is the matching. The
 * probabilities are Duke's usual Bayesian settings: an equal e-mail or phone is near-proof, a similar name or
 * company is supporting evidence, and a different e-mail is only weak counter-evidence because people change
 * addresses between systems. A crm_contact_id link is a property shared by the contact and the account.
 */
public final class DukeResolver {
    public static final double THRESHOLD = 0.85;

    private DukeResolver() {}

    /** @return record id → cluster label (the smallest record id of its connected component of Duke matches) */
    public static Map<String, String> resolve(Collection<ParentRecord> records, int threads) {
        ConfigurationImpl config = new ConfigurationImpl();
        List<Property> props = new ArrayList<>();
        props.add(new PropertyImpl("ID"));
        props.add(new PropertyImpl("EMAIL", new ExactComparator(), 0.45, 0.99));
        props.add(new PropertyImpl("PHONE", new ExactComparator(), 0.4, 0.98));
        props.add(new PropertyImpl("LINK", new ExactComparator(), 0.5, 0.99));
        props.add(new PropertyImpl("NAME", new PersonNameComparator(), 0.4, 0.8));
        props.add(new PropertyImpl("COMPANY", new JaroWinkler(), 0.4, 0.85));
        props.add(new PropertyImpl("DOMAIN", new ExactComparator(), 0.45, 0.75));
        // Duke picks candidate-lookup properties by itself and, given these probabilities, would look up by LINK
        // alone (so equal e-mails were never even compared): every identifier is a lookup key, names are not.
        for (Property p : props) {
            if (List.of("EMAIL", "PHONE", "LINK", "DOMAIN").contains(p.getName())) {
                ((PropertyImpl) p).setLookupBehaviour(Property.Lookup.TRUE);
            }
        }
        config.setProperties(props);
        config.setThreshold(THRESHOLD);
        config.setMaybeThreshold(0.99); // no "maybe" band: only definite matches count
        LuceneDatabase db = new LuceneDatabase(); // no path: an in-memory index
        db.setConfiguration(config);
        db.setMaxSearchHits(25);
        config.setDatabase(db);

        Map<String, Integer> index = new HashMap<>();
        List<String> ids = new ArrayList<>();
        List<Record> duke = new ArrayList<>(records.size());
        for (ParentRecord r : records) {
            index.put(r.id(), ids.size());
            ids.add(r.id());
            duke.add(toDuke(r));
        }
        UnionFind sets = new UnionFind(ids.size());
        Processor processor = new Processor(config, db);
        processor.setThreads(threads);
        processor.addMatchListener(new AbstractMatchListener() {
            @Override
            public void matches(Record a, Record b, double confidence) {
                synchronized (sets) {
                    sets.union(index.get(a.getValue("ID")), index.get(b.getValue("ID")));
                }
            }
        });
        processor.deduplicate(duke);
        processor.close();
        Map<String, String> clusters = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            clusters.put(ids.get(i), ids.get(sets.find(i)));
        }
        return clusters;
    }

    static Record toDuke(ParentRecord r) {
        RecordImpl rec = new RecordImpl();
        rec.addValue("ID", r.id());
        String email = Normalizers.email(r.email());
        if (email != null) {
            rec.addValue("EMAIL", email);
            String domain = email.substring(email.indexOf('@') + 1);
            // A shared domain is evidence only for companies; free-mail domains say nothing.
            if (!DataGenerator.FREE_MAIL.contains(domain)) {
                rec.addValue("DOMAIN", domain);
            }
        }
        String phone = Normalizers.phone(r.phone(), r.country(), "US");
        if (phone != null) {
            rec.addValue("PHONE", phone);
        }
        if (r.source().equals("crm.contacts")) {
            rec.addValue("LINK", Long.toString(r.key()));
        } else if (r.crmLink() != null) {
            rec.addValue("LINK", Long.toString(r.crmLink()));
        }
        if (r.name() != null && !r.name().isBlank()) {
            rec.addValue("NAME", r.name().trim().toLowerCase(java.util.Locale.ROOT));
        }
        if (r.company() != null) {
            rec.addValue("COMPANY", r.company().trim().toLowerCase(java.util.Locale.ROOT));
        }
        return rec;
    }
}
