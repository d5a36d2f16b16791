package io.aurum.runtime;

import io.aurum.app.StewardLog;
import io.aurum.client.AurumClient;
import io.aurum.client.CustomerListener;
import io.aurum.config.PipelineConfig;
import io.aurum.errors.DeadLetters;
import io.aurum.resolve.Resolver;
import io.aurum.schemas.GoldenCustomer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Aurum's own figures on Prometheus, beside Kafka Streams' and the JVM's:
 * <ul>
 *   <li>{@code aurum_golden_latency_seconds} (histogram): source commit → visible on customers.golden, for every
 *   golden record whose latest source commit happened after this instance started (read from the console's view,
 *   as a consumer sees it);</li>
 *   <li>{@code aurum_conflicts_open{field}}: open conflicts by field or anomaly (on customers.conflicts);</li>
 *   <li>{@code aurum_dlq_letters_total{stage,reason}}: dead letters this instance wrote since start;
 *   {@code aurum_dlq_topic_letters{stage,reason}}: dead letters on the topic (all instances, kept 30 days);</li>
 *   <li>{@code aurum_resolver_*{thread_id,aurum_resolver_id}}: the resolver's metrics, re-exported per task from
 *   the Streams metrics group {@code stream-aurum-resolver-metrics} as they appear (see {@code Resolver}): each
 *   cumulative {@code <name>-total} as counter {@code aurum_resolver_<name>_total}
 *   ({@code aurum_resolver_merges_total}, {@code _splits_total}, {@code _id_handovers_total},
 *   {@code _hubs_found_total}, {@code _hubs_cleared_total}, {@code _local_message_total},
 *   {@code _remote_message_total}), anything else as a gauge under its own name ({@code aurum_resolver_dangling_links},
 *   {@code aurum_resolver_merges_rate}, ...); {@code -} becomes {@code _}. A counter must be exported as one: the
 *   Prometheus client drops the {@code _total} of a gauge's name.</li>
 * </ul>
 */
final class ViewMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final AurumClient view;
    private final StewardLog log;
    /** The Streams job now: a restarted job is a new {@link KafkaStreams}, whose metrics the meters follow. */
    private final Supplier<KafkaStreams> streams;

    private final ScheduledExecutorService refresh = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "aurum-view-metrics");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, AtomicLong> conflictsByField = new ConcurrentHashMap<>();
    private final Map<DeadLetters.Kind, AtomicLong> topicLetters = new ConcurrentHashMap<>();
    private final Set<DeadLetters.Kind> instanceLetters = ConcurrentHashMap.newKeySet();
    /** Per resolver metric name, the Streams metric its meter reads now. */
    private final Map<MetricName, AtomicReference<Metric>> resolver = new ConcurrentHashMap<>();

    private final Map<String, Long> lastUpdate = new ConcurrentHashMap<>();
    private final long startedAt = System.currentTimeMillis();

    ViewMetrics(
            MeterRegistry registry,
            PipelineConfig config,
            AurumClient view,
            StewardLog log,
            Supplier<KafkaStreams> streams) {
        this.registry = registry;
        this.view = view;
        this.log = log;
        this.streams = streams;
        Set<String> fields = new LinkedHashSet<>(config.golden().fields().keySet());
        fields.addAll(config.golden().rollups().keySet());
        fields.addAll(config.golden().anomalies().keySet());
        if (view != null) {
            for (String field : fields) {
                AtomicLong n = conflictsByField.computeIfAbsent(field, f -> new AtomicLong());
                Gauge.builder("aurum.conflicts.open", n, AtomicLong::get)
                        .tag("field", field)
                        .description("Open conflicts of this golden field or anomaly (customers.conflicts)")
                        .register(registry);
            }
            Timer latency = Timer.builder("aurum.golden.latency")
                    .description("Source commit time to the golden record's arrival on customers.golden")
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(10))
                    .maximumExpectedValue(Duration.ofMinutes(10))
                    .register(registry);
            view.addListener(new CustomerListener() {
                @Override
                public void onUpsert(GoldenCustomer g) {
                    long committed = g.getUpdatedAt().toEpochMilli();
                    Long before = lastUpdate.put(g.getId(), committed);
                    // Only commits made while this instance watched: a snapshot read carries the row's old time.
                    if (committed > startedAt && (before == null || committed > before)) {
                        latency.record(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - committed)));
                    }
                }
            });
        }
    }

    ViewMetrics start() {
        refresh.scheduleWithFixedDelay(this::refresh, 0, 5, TimeUnit.SECONDS);
        return this;
    }

    private void refresh() {
        try {
            if (view != null) {
                Map<String, Long> counts = new ConcurrentHashMap<>();
                view.forEachConflict(c -> counts.merge(c.getField(), 1L, Long::sum));
                conflictsByField.forEach((field, n) -> n.set(counts.getOrDefault(field, 0L)));
            }
            for (DeadLetters.Kind kind : DeadLetters.counts().keySet()) {
                if (instanceLetters.add(kind)) {
                    FunctionCounter.builder("aurum.dlq.letters", kind, k -> DeadLetters.counts()
                                    .getOrDefault(k, 0L))
                            .tag("stage", kind.stage())
                            .tag("reason", kind.reason())
                            .description("Dead letters written by this instance since start")
                            .register(registry);
                }
            }
            if (log != null) {
                log.letterCounts().forEach((kind, n) -> topicLetters
                        .computeIfAbsent(kind, k -> {
                            AtomicLong v = new AtomicLong();
                            Gauge.builder("aurum.dlq.topic.letters", v, AtomicLong::get)
                                    .tag("stage", k.stage())
                                    .tag("reason", k.reason())
                                    .description("Dead letters on the dead-letter topic (all instances)")
                                    .register(registry);
                            return v;
                        })
                        .set(n));
            }
            KafkaStreams job = streams == null ? null : streams.get();
            if (job != null) {
                for (Map.Entry<MetricName, ? extends Metric> e : job.metrics().entrySet()) {
                    if (e.getKey().group().equals(Resolver.METRICS_GROUP)) {
                        resolver.computeIfAbsent(e.getKey(), this::resolverMeter)
                                .set(e.getValue());
                    }
                }
            }
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(ViewMetrics.class).debug("metrics refresh failed", e);
        }
    }

    /** Registers the meter of a resolver metric; it reads whichever Streams metric of that name it is given. */
    private AtomicReference<Metric> resolverMeter(MetricName name) {
        AtomicReference<Metric> current = new AtomicReference<>();
        ToDoubleFunction<AtomicReference<Metric>> value =
                m -> m.get() != null && m.get().metricValue() instanceof Number v ? v.doubleValue() : Double.NaN;
        String[] tags = name.tags().entrySet().stream()
                .flatMap(t -> Stream.of(t.getKey(), t.getValue()))
                .toArray(String[]::new);
        if (name.name().endsWith(TOTAL)) {
            // A CumulativeCount: a counter, which Prometheus names aurum_resolver_<name>_total.
            FunctionCounter.builder(
                            "aurum.resolver."
                                    + name.name()
                                            .substring(0, name.name().length() - TOTAL.length())
                                            .replace('-', '.'),
                            current,
                            value)
                    .tags(tags)
                    .description(name.description())
                    .register(registry);
        } else {
            Gauge.builder("aurum.resolver." + name.name().replace('-', '.'), current, value)
                    .tags(tags)
                    .description(name.description())
                    .register(registry);
        }
        return current;
    }

    private static final String TOTAL = "-total";

    @Override
    public void close() {
        refresh.shutdownNow();
    }
}
