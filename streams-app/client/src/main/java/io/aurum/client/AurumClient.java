package io.aurum.client;

import io.aurum.schemas.CollectedValue;
import io.aurum.schemas.Conflict;
import io.aurum.schemas.FieldValue;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.QualityIssue;
import io.aurum.schemas.Redirect;
import io.aurum.schemas.XrefEntry;
import io.aurum.serde.AurumSerdes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A downstream service's view of Aurum's golden customers, kept current from the public topics.
 *
 * <pre>{@code
 * AurumClient aurum = AurumClient.builder("kafka:9092", "http://registry:8081")
 *         .listener(new CustomerListener() {
 *             public void onMerge(String from, String into) { invoices.repoint(from, into); }
 *         })
 *         .build()
 *         .start();
 * aurum.awaitCaughtUp(Duration.ofMinutes(1));
 * String id = aurum.lookup("billing.customers", "2002").orElseThrow();   // my local id -> golden id
 * GoldenCustomer acme = aurum.get(id).orElseThrow();                      // follows redirects
 * List<GoldenCustomer> same = aurum.findByPhone("(312) 555-0100");        // normalized: +13125550100
 * }</pre>
 *
 * <p>It reads {@code customers.golden}, {@code .xref}, {@code .redirects}, {@code .conflicts} and {@code .quality}
 * with read_committed and no consumer group (it never commits, so it never disturbs anyone), from the beginning:
 * the topics are compacted, so that is the current state. The view lives in a {@link ViewStore}, on the heap by
 * default or in RocksDB. It depends only on the public topics and their Avro schemas.
 */
public final class AurumClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AurumClient.class);

    public static final String GOLDEN = "customers.golden";
    public static final String XREF = "customers.xref";
    public static final String REDIRECTS = "customers.redirects";
    public static final String CONFLICTS = "customers.conflicts";
    public static final String QUALITY = "customers.quality";
    /** Every topic the client reads. */
    public static final List<String> TOPICS = List.of(GOLDEN, XREF, REDIRECTS, CONFLICTS, QUALITY);

    /** Redirects never chain (the value is always the current id), but a view caught mid-change may see one. */
    private static final int MAX_HOPS = 8;

    // Key spaces of the store.
    private static final String G = "g/"; // golden id -> GoldenCustomer
    private static final String X = "x/"; // record id -> XrefEntry
    private static final String R = "r/"; // golden id -> Redirect
    private static final String C = "c/"; // <golden id>/<field> -> Conflict
    private static final String Q = "q/"; // identifier -> QualityIssue
    private static final String E = "e/"; // <email>\0<golden id>
    private static final String P = "p/"; // <phone>\0<golden id>
    private static final String W = "w/"; // <name word>\0<golden id>
    private static final char SEP = '\u0000';

    private final Builder b;
    private final ViewStore store;
    private final Deserializer<GoldenCustomer> golden;
    private final Deserializer<XrefEntry> xref;
    private final Deserializer<Redirect> redirect;
    private final Deserializer<Conflict> conflict;
    private final Deserializer<QualityIssue> quality;
    private final List<CustomerListener> listeners;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    /** Golden ids tombstoned without a redirect yet: a merge if one comes within the grace, else a delete. */
    private final Map<String, Long> pendingDeletes = new LinkedHashMap<>();

    private KafkaConsumer<String, byte[]> consumer;
    private Thread thread;
    private volatile boolean stop;
    private volatile Exception failure;
    private volatile boolean live;

    private AurumClient(Builder b) {
        this.b = b;
        this.store = b.store != null ? b.store : ViewStore.inMemory();
        Map<String, Object> serde = new HashMap<>(b.serdeProperties);
        serde.put("schema.registry.url", b.registryUrl);
        this.golden = deserializer(GoldenCustomer.class, serde);
        this.xref = deserializer(XrefEntry.class, serde);
        this.redirect = deserializer(Redirect.class, serde);
        this.conflict = deserializer(Conflict.class, serde);
        this.quality = deserializer(QualityIssue.class, serde);
        this.listeners = new CopyOnWriteArrayList<>(b.listeners);
    }

    private static <T extends SpecificRecord> Deserializer<T> deserializer(Class<T> type, Map<String, Object> config) {
        return AurumSerdes.valueSerde(type, config).deserializer();
    }

    /** A client of the Kafka cluster at {@code bootstrapServers} whose schemas are in the registry at {@code registryUrl}. */
    public static Builder builder(String bootstrapServers, String registryUrl) {
        return new Builder(bootstrapServers, registryUrl);
    }

    /** How the client connects, where it keeps its view and what it tells whom. */
    public static final class Builder {
        private final String bootstrapServers;
        private final String registryUrl;
        private final Map<String, Object> consumerProperties = new HashMap<>();
        private final Map<String, Object> serdeProperties = new HashMap<>();
        private final List<CustomerListener> listeners = new ArrayList<>();
        private ViewStore store;
        private String defaultRegion = "US";
        private List<String> emailFields = List.of("email", "emails");
        private List<String> phoneFields = List.of("phone", "phones");
        private List<String> nameFields = List.of("name", "company");
        private Duration mergeGrace = Duration.ofSeconds(2);
        private boolean notifyInitialLoad;

        private Builder(String bootstrapServers, String registryUrl) {
            this.bootstrapServers = bootstrapServers;
            this.registryUrl = registryUrl;
        }

        /** A Kafka consumer property (security, SASL, ...). */
        public Builder consumerProperty(String key, Object value) {
            consumerProperties.put(key, value);
            return this;
        }

        /** A serde property: registry credentials, or {@code aurum.value.serde} to use another Avro serde. */
        public Builder serdeProperty(String key, Object value) {
            serdeProperties.put(key, value);
            return this;
        }

        /** Where the view lives: {@link ViewStore#inMemory()} (the default) or {@link ViewStore#rocksDb}. */
        public Builder store(ViewStore store) {
            this.store = store;
            return this;
        }

        public Builder listener(CustomerListener listener) {
            listeners.add(listener);
            return this;
        }

        /** The region national phone numbers are read in by {@link #findByPhone} (default US). */
        public Builder defaultRegion(String region) {
            this.defaultRegion = region;
            return this;
        }

        /** The golden fields {@link #findByEmail} searches (default email, emails). */
        public Builder emailFields(String... fields) {
            this.emailFields = List.of(fields);
            return this;
        }

        /** The golden fields {@link #findByPhone} searches (default phone, phones). */
        public Builder phoneFields(String... fields) {
            this.phoneFields = List.of(fields);
            return this;
        }

        /** The golden fields {@link #findByName} searches (default name, company). */
        public Builder nameFields(String... fields) {
            this.nameFields = List.of(fields);
            return this;
        }

        /**
         * How long a golden id's deletion waits for a redirect before it is reported as a delete rather than a merge
         * (the redirect and the tombstone are written by different stages; default 2 s).
         */
        public Builder mergeGrace(Duration grace) {
            this.mergeGrace = grace;
            return this;
        }

        /** Whether listeners also hear the records read while the view is first loaded (default: only later ones). */
        public Builder notifyInitialLoad(boolean notify) {
            this.notifyInitialLoad = notify;
            return this;
        }

        public AurumClient build() {
            return new AurumClient(this);
        }
    }

    /** Starts reading on the client's own thread; the view fills from the beginning of each topic. */
    public synchronized AurumClient start() {
        if (thread != null) {
            return this;
        }
        store.clear();
        Properties p = new Properties();
        p.putAll(b.consumerProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        thread = new Thread(this::run, "aurum-client");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Adds a listener; it hears what happens from now on. */
    public AurumClient addListener(CustomerListener listener) {
        listeners.add(listener);
        return this;
    }

    /** Waits until the view holds everything the topics held when the client started. */
    public void awaitCaughtUp(Duration timeout) throws InterruptedException, TimeoutException {
        if (!caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            if (failure != null) {
                throw new IllegalStateException("the Aurum client failed: " + failure.getMessage(), failure);
            }
            throw new TimeoutException("the Aurum client did not catch up within " + timeout);
        }
    }

    /** Whether the initial load is done. */
    public boolean isCaughtUp() {
        return live;
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            for (String topic : TOPICS) {
                var infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                while ((infos == null || infos.isEmpty()) && System.nanoTime() < deadline && !stop) {
                    // Aurum creates its topics at start-up: a client started first waits for them.
                    Thread.sleep(500);
                    infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
                }
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalStateException("topic " + topic + " does not exist at " + b.bootstrapServers);
                }
                infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (!stop) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<String, byte[]> r : records) {
                    apply(r);
                }
                if (!live && caughtUp(partitions, end)) {
                    live = true;
                    caughtUp.countDown();
                    LOG.info("Aurum client caught up: {} records applied", applied.get());
                }
                flushPendingDeletes(false);
            }
        } catch (WakeupException e) {
            // closing
        } catch (Exception e) {
            failure = e;
            LOG.error("Aurum client stopped", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private boolean caughtUp(List<TopicPartition> partitions, Map<TopicPartition, Long> end) {
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp) < end.get(tp)) {
                return false;
            }
        }
        return true;
    }

    private boolean notifying() {
        return live || b.notifyInitialLoad;
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        try {
            switch (r.topic()) {
                case GOLDEN -> applyGolden(r.key(), r.value());
                case XREF -> putOrDelete(X + r.key(), r.value());
                case REDIRECTS -> applyRedirect(r.key(), r.value());
                case CONFLICTS -> putOrDelete(C + r.key(), r.value());
                case QUALITY -> putOrDelete(Q + r.key(), r.value());
                default -> {}
            }
            applied.incrementAndGet();
        } catch (RuntimeException e) {
            errors.incrementAndGet();
            listeners.forEach(l -> l.onError(r.topic(), r.partition(), r.offset(), e));
        }
    }

    private void putOrDelete(String key, byte[] value) {
        if (value == null) {
            store.delete(key);
        } else {
            store.put(key, value);
        }
    }

    private void applyGolden(String id, byte[] value) {
        GoldenCustomer next = value == null ? null : golden.deserialize(GOLDEN, value);
        byte[] before = store.get(G + id);
        if (before != null) {
            index(golden.deserialize(GOLDEN, before), false);
        }
        if (next == null) {
            store.delete(G + id);
            if (before == null) {
                return;
            }
            Redirect r = redirectOf(id);
            if (r != null && !r.getGoldenId().equals(id)) {
                fire(l -> l.onMerge(id, r.getGoldenId()));
            } else {
                pendingDeletes.put(id, System.nanoTime());
            }
            return;
        }
        store.put(G + id, value);
        index(next, true);
        pendingDeletes.remove(id);
        fire(l -> l.onUpsert(next));
    }

    private void applyRedirect(String id, byte[] value) {
        Redirect before = redirectOf(id);
        putOrDelete(R + id, value);
        if (value == null) {
            return;
        }
        Redirect now = redirect.deserialize(REDIRECTS, value);
        if (!now.getGoldenId().equals(id)) {
            if (pendingDeletes.remove(id) != null) {
                fire(l -> l.onMerge(id, now.getGoldenId()));
            }
            return;
        }
        Set<String> added = new LinkedHashSet<>(now.getSplitInto());
        if (before != null && before.getGoldenId().equals(id)) {
            before.getSplitInto().forEach(added::remove);
        }
        if (!added.isEmpty()) {
            List<String> into = List.copyOf(added);
            fire(l -> l.onSplit(id, into));
        }
    }

    private void flushPendingDeletes(boolean all) {
        long graceNanos = b.mergeGrace.toNanos();
        var it = pendingDeletes.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (all || System.nanoTime() - e.getValue() >= graceNanos) {
                it.remove();
                String id = e.getKey();
                fire(l -> l.onDelete(id));
            }
        }
    }

    private void fire(Consumer<CustomerListener> event) {
        if (!notifying()) {
            return;
        }
        for (CustomerListener l : listeners) {
            try {
                event.accept(l);
            } catch (RuntimeException e) {
                LOG.error("Aurum client: a listener failed", e);
            }
        }
    }

    /** Adds (or removes) the customer's entries in the email, phone and name indexes. */
    private void index(GoldenCustomer g, boolean add) {
        String suffix = SEP + g.getId();
        for (String v : values(g, b.emailFields)) {
            String n = Normal.email(v);
            if (n != null) {
                mark(E + n + suffix, add);
            }
        }
        for (String v : values(g, b.phoneFields)) {
            String n = Normal.phone(v, b.defaultRegion);
            if (n != null) {
                mark(P + n + suffix, add);
            }
        }
        for (String v : values(g, b.nameFields)) {
            for (String word : Normal.words(v)) {
                mark(W + word + suffix, add);
            }
        }
    }

    private void mark(String key, boolean add) {
        if (add) {
            store.put(key, new byte[0]);
        } else {
            store.delete(key);
        }
    }

    private static List<String> values(GoldenCustomer g, List<String> fields) {
        List<String> out = new ArrayList<>();
        for (String name : fields) {
            FieldValue f = g.getFields().get(name);
            if (f == null) {
                continue;
            }
            if (f.getValue() != null) {
                out.add(f.getValue().toString());
            }
            if (f.getValues() != null) {
                for (CollectedValue v : f.getValues()) {
                    if (v.getValue() != null) {
                        out.add(v.getValue().toString());
                    }
                }
            }
        }
        return out;
    }

    // ---- Reading the view. Safe from any thread. ----

    /**
     * The customer known by {@code goldenId}: its own record while the id is live, else the record of the customer
     * it was merged into (or handed over to), following {@code customers.redirects}.
     */
    public Optional<GoldenCustomer> get(String goldenId) {
        String id = goldenId;
        for (int hop = 0; hop < MAX_HOPS && id != null; hop++) {
            byte[] v = store.get(G + id);
            if (v != null) {
                return Optional.of(golden.deserialize(GOLDEN, v));
            }
            Redirect r = redirectOf(id);
            if (r == null || r.getGoldenId().equals(id)) {
                return Optional.empty();
            }
            id = r.getGoldenId();
        }
        return Optional.empty();
    }

    /** The live golden id {@code goldenId} leads to (itself when live), following redirects. */
    public Optional<String> currentId(String goldenId) {
        return get(goldenId).map(GoldenCustomer::getId);
    }

    /** "My local id → golden id": the golden id of source record {@code key} of {@code source} (database.table). */
    public Optional<String> lookup(String source, String key) {
        return xref(source, key).map(XrefEntry::getGoldenId);
    }

    /** The cross-reference entry of a source record: golden id and why the record belongs there. */
    public Optional<XrefEntry> xref(String source, String key) {
        byte[] v = store.get(X + source + ":" + key);
        return v == null ? Optional.empty() : Optional.of(xref.deserialize(XREF, v));
    }

    /** The redirect entry of a golden id, if any: where it went, or (when it is live) which clusters split off. */
    public Optional<Redirect> redirect(String goldenId) {
        return Optional.ofNullable(redirectOf(goldenId));
    }

    private Redirect redirectOf(String goldenId) {
        byte[] v = store.get(R + goldenId);
        return v == null ? null : redirect.deserialize(REDIRECTS, v);
    }

    /** Customers holding this email address (any spelling: it is compared trimmed and lower-cased). */
    public List<GoldenCustomer> findByEmail(String email) {
        String n = Normal.email(email);
        return n == null ? List.of() : byIndex(E + n + SEP);
    }

    /** Customers holding this phone number (any format: it is compared in E.164, national numbers in the default region). */
    public List<GoldenCustomer> findByPhone(String phone) {
        String n = Normal.phone(phone, b.defaultRegion);
        return n == null ? List.of() : byIndex(P + n + SEP);
    }

    /**
     * Customers whose name fields hold a word starting with each word of {@code query}, case-insensitively:
     * "acme co" finds "Acme Corp" and "ACME Corporation". At most {@code limit}.
     */
    public List<GoldenCustomer> findByName(String query, int limit) {
        String[] words = Normal.words(query);
        if (words.length == 0) {
            return List.of();
        }
        Set<String> ids = idsWithWordPrefix(words[0], Integer.MAX_VALUE);
        for (int i = 1; i < words.length && !ids.isEmpty(); i++) {
            ids.retainAll(idsWithWordPrefix(words[i], Integer.MAX_VALUE));
        }
        List<GoldenCustomer> out = new ArrayList<>();
        for (String id : ids) {
            if (out.size() >= limit) {
                break;
            }
            get(id).ifPresent(out::add);
        }
        return out;
    }

    private Set<String> idsWithWordPrefix(String prefix, int limit) {
        Set<String> ids = new LinkedHashSet<>();
        store.scan(W + prefix, (k, v) -> {
            ids.add(k.substring(k.indexOf(SEP) + 1));
            return ids.size() < limit;
        });
        return ids;
    }

    private List<GoldenCustomer> byIndex(String prefix) {
        List<GoldenCustomer> out = new ArrayList<>();
        store.forEach(prefix, (k, v) -> {
            String id = k.substring(prefix.length());
            byte[] g = store.get(G + id);
            if (g != null) {
                out.add(golden.deserialize(GOLDEN, g));
            }
        });
        return out;
    }

    /** The open conflicts of a customer (value disagreements and anomalies), by field. */
    public List<Conflict> conflicts(String goldenId) {
        List<Conflict> out = new ArrayList<>();
        store.forEach(C + goldenId + "/", (k, v) -> out.add(conflict.deserialize(CONFLICTS, v)));
        return out;
    }

    /** Every open conflict. */
    public void forEachConflict(Consumer<Conflict> action) {
        store.forEach(C, (k, v) -> action.accept(conflict.deserialize(CONFLICTS, v)));
    }

    /** Every open quality issue (hubs and blocklisted values), keyed by identifier. */
    public Map<String, QualityIssue> qualityIssues() {
        Map<String, QualityIssue> out = new LinkedHashMap<>();
        store.forEach(Q, (k, v) -> out.put(k.substring(Q.length()), quality.deserialize(QUALITY, v)));
        return out;
    }

    /** Every live golden customer, in id order. */
    public void forEachCustomer(Consumer<GoldenCustomer> action) {
        store.forEach(G, (k, v) -> action.accept(golden.deserialize(GOLDEN, v)));
    }

    /** Every cross-reference entry, in record id order. */
    public void forEachXref(Consumer<XrefEntry> action) {
        store.forEach(X, (k, v) -> action.accept(xref.deserialize(XREF, v)));
    }

    /** Every redirect entry, keyed by the golden id it is about. */
    public void forEachRedirect(java.util.function.BiConsumer<String, Redirect> action) {
        store.forEach(R, (k, v) -> action.accept(k.substring(R.length()), redirect.deserialize(REDIRECTS, v)));
    }

    /** Live golden customers in the view. */
    public long size() {
        long[] n = {0};
        store.forEach(G, (k, v) -> n[0]++);
        return n[0];
    }

    /** Records read from the topics so far, and records that could not be read. */
    public long applied() {
        return applied.get();
    }

    public long errors() {
        return errors.get();
    }

    /** Why the client stopped reading, if it did. */
    public Optional<Exception> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public void close() {
        stop = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            consumer.wakeup();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        store.close();
    }
}
