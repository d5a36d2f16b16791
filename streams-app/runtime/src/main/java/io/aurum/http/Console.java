package io.aurum.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aurum.app.DeadLetter;
import io.aurum.app.GoldenJson;
import io.aurum.app.StewardLog;
import io.aurum.canonical.RecordIds;
import io.aurum.client.AurumClient;
import io.aurum.config.PipelineConfig;
import io.aurum.config.PipelineConfig.SourceDef;
import io.aurum.errors.DeadLetters;
import io.aurum.schemas.Conflict;
import io.aurum.schemas.FieldOverride;
import io.aurum.schemas.FieldValue;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.schemas.QualityIssue;
import io.aurum.schemas.SourceRef;
import io.aurum.schemas.XrefEntry;
import io.aurum.topology.Topics;
import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The steward console: a web page ({@code /console}, static files in {@code console/} on the class path) and the
 * JSON API behind it ({@code /api/...}). It reads a view of the public topics ({@link AurumClient}) and of the
 * steward and dead-letter topics ({@link StewardLog}), so every instance can serve it; its actions (must-link,
 * cannot-link, field override, retract) are writes to customers.assertions and customers.overrides, with who and
 * why, and the page shows their effect once it has flowed through the pipeline into the view.
 */
public final class Console {
    private static final Pattern PHONE_LIKE = Pattern.compile("^[+()\\d\\s.\\-/]{7,}$");

    private final PipelineConfig config;
    private final AurumClient view;
    private final StewardLog log;
    private final Producer<String, byte[]> producer;
    private final Serializer<FieldOverride> overrideSerializer;
    private final Supplier<Map<String, Double>> resolverMetrics;

    /**
     * @param resolverMetrics the resolver's own figures (hubs, dangling links, ...) by metric name, from the
     *                        Streams job's metrics; empty when this version reports none
     */
    public Console(
            PipelineConfig config,
            AurumClient view,
            StewardLog log,
            Producer<String, byte[]> producer,
            Serializer<FieldOverride> overrideSerializer,
            Supplier<Map<String, Double>> resolverMetrics) {
        this.config = config;
        this.view = view;
        this.log = log;
        this.producer = producer;
        this.overrideSerializer = overrideSerializer;
        this.resolverMetrics = resolverMetrics;
    }

    void configure(JavalinConfig cfg) {
        cfg.staticFiles.add(sf -> {
            sf.hostedPath = "/console";
            sf.directory = "/console";
            sf.location = Location.CLASSPATH;
        });
    }

    void routes(RoutesConfig app) {
        app.get("/", ctx -> ctx.redirect("/console/index.html"));
        app.get("/console", ctx -> ctx.redirect("/console/index.html"));
        app.get("/api/search", this::search);
        app.get("/api/customers/{id}", this::customer);
        app.get("/api/health-data", this::healthData);
        app.post("/api/must-link", ctx -> link(ctx, "must_link", "ml-"));
        app.post("/api/cannot-link", ctx -> link(ctx, "cannot_link", "cl-"));
        app.post("/api/override", this::override);
        app.post("/api/retract", this::retract);
    }

    // ---- Reading ----

    private void search(Context ctx) {
        String q = ctx.queryParam("q") == null ? "" : ctx.queryParam("q").trim();
        ObjectNode body = GoldenJson.JSON.createObjectNode().put("query", q);
        List<GoldenCustomer> found = new ArrayList<>();
        String by;
        int colon = q.lastIndexOf(':');
        if (colon > 0 && isParentSource(q.substring(0, colon))) {
            by = "source record";
            view.lookup(q.substring(0, colon), q.substring(colon + 1))
                    .flatMap(view::get)
                    .ifPresent(found::add);
        } else if (q.contains("@")) {
            by = "email";
            found.addAll(view.findByEmail(q));
        } else if (PHONE_LIKE.matcher(q).matches()) {
            by = "phone";
            found.addAll(view.findByPhone(q));
        } else {
            by = "name";
            found.addAll(view.findByName(q, 50));
        }
        body.put("by", by);
        if (!view.isCaughtUp()) {
            body.put("loading", true);
        }
        ArrayNode results = body.putArray("results");
        for (GoldenCustomer g : found) {
            results.add(summary(g));
        }
        HttpApi.json(ctx, 200, body.toString());
    }

    private boolean isParentSource(String source) {
        SourceDef def = config.sources().get(source);
        return def != null && !def.isChild();
    }

    private ObjectNode summary(GoldenCustomer g) {
        ObjectNode s = GoldenJson.JSON.createObjectNode();
        s.put("id", g.getId());
        s.put("name", value(g, "name"));
        s.put("email", value(g, "email"));
        s.put("phone", value(g, "phone"));
        s.put("members", g.getSources().size());
        Set<String> systems = new LinkedHashSet<>();
        g.getSources().forEach(r -> systems.add(systemOf(r.getSource())));
        s.put("systems", String.join(", ", systems));
        s.put("openConflicts", g.getOpenConflicts());
        return s;
    }

    private static String value(GoldenCustomer g, String field) {
        FieldValue f = g.getFields().get(field);
        return f == null || f.getValue() == null ? null : f.getValue().toString();
    }

    private String systemOf(String source) {
        SourceDef def = config.sources().get(source);
        return def == null ? "?" : def.system();
    }

    private void customer(Context ctx) {
        String asked = ctx.pathParam("id");
        GoldenCustomer g = view.get(asked).orElse(null);
        if (g == null) {
            HttpApi.json(
                    ctx,
                    404,
                    HttpApi.error("no golden customer " + asked + (view.isCaughtUp() ? "" : " (still loading)")));
            return;
        }
        String id = g.getId();
        ObjectNode body = GoldenJson.JSON.createObjectNode();
        if (!id.equals(asked)) {
            body.put("redirectedFrom", asked);
        }
        body.set("golden", GoldenJson.of(g));
        Set<String> memberIds = new LinkedHashSet<>();
        ArrayNode members = body.putArray("members");
        for (SourceRef ref : g.getSources()) {
            String recordId = RecordIds.of(ref.getSource(), ref.getKey());
            memberIds.add(recordId);
            ObjectNode m = members.addObject();
            m.put("record", recordId);
            m.put("source", ref.getSource());
            m.put("key", ref.getKey());
            m.put("system", systemOf(ref.getSource()));
            XrefEntry x = view.xref(ref.getSource(), ref.getKey()).orElse(null);
            if (x == null) {
                m.putNull("reason");
            } else {
                m.put("reason", x.getReason() == null ? "anchor: the oldest record of the customer" : x.getReason());
            }
        }
        ArrayNode conflicts = body.putArray("conflicts");
        for (Conflict c : view.conflicts(id)) {
            ObjectNode n = conflicts.addObject();
            n.put("field", c.getField());
            n.put("kind", c.getKind());
            n.put("description", c.getDescription());
            n.put("winner", c.getWinner() == null ? null : str(c.getWinner().getValue()));
            ObjectNode values = n.putObject("values");
            c.getValues().forEach((rec, v) -> values.put(rec, str(v.getValue())));
        }
        ArrayNode quality = body.putArray("quality");
        view.qualityIssues().forEach((identifier, issue) -> {
            boolean touches = issue.getSample().stream()
                    .anyMatch(r -> memberIds.contains(RecordIds.of(r.getSource(), r.getKey())));
            if (touches) {
                quality.add(quality(identifier, issue));
            }
        });
        ArrayNode merged = body.putArray("mergedIn");
        List<String> splitInto = new ArrayList<>();
        view.forEachRedirect((from, r) -> {
            if (r.getGoldenId().equals(id) && !from.equals(id)) {
                merged.addObject()
                        .put("id", from)
                        .put(
                                "record",
                                RecordIds.of(
                                        r.getRecord().getSource(), r.getRecord().getKey()))
                        .put("reason", r.getReason());
            }
            if (from.equals(id)) {
                splitInto.addAll(r.getSplitInto());
            }
        });
        ArrayNode split = body.putArray("splitInto");
        splitInto.forEach(split::add);
        ArrayNode assertions = body.putArray("assertions");
        log.assertions().forEach((key, a) -> {
            boolean names = false;
            for (JsonNode r : a.path("records")) {
                names |= memberIds.contains(r.asText());
            }
            if (names) {
                ObjectNode n = assertions.addObject();
                n.put("key", key);
                n.setAll((ObjectNode) a.deepCopy());
                DeadLetter refused = log.letterFor(Topics.ASSERTIONS, key);
                if (refused != null) {
                    n.put("refused", refused.message());
                }
            }
        });
        ArrayNode overrides = body.putArray("overrides");
        log.overrides().forEach((key, o) -> {
            boolean aims = id.equals(o.getGoldenId())
                    || (o.getSource() != null && memberIds.contains(RecordIds.of(o.getSource(), o.getKey())));
            if (aims) {
                ObjectNode n = overrides.addObject();
                n.put("key", key);
                n.put("field", o.getField());
                n.put("value", str(o.getValue()));
                n.put("target", o.getGoldenId() != null ? o.getGoldenId() : RecordIds.of(o.getSource(), o.getKey()));
                n.put("who", o.getWho());
                n.put("why", o.getWhy());
                DeadLetter refused = log.letterFor(Topics.OVERRIDES, key);
                if (refused != null) {
                    n.put("refused", refused.message());
                }
            }
        });
        ArrayNode fields = body.putArray("fields");
        config.golden().fields().keySet().forEach(fields::add);
        config.golden().rollups().keySet().forEach(fields::add);
        HttpApi.json(ctx, 200, body.toString());
    }

    private static ObjectNode quality(String identifier, QualityIssue issue) {
        ObjectNode n = GoldenJson.JSON.createObjectNode();
        n.put("identifier", identifier);
        n.put("kind", issue.getKind().name());
        n.put("records", issue.getRecords());
        n.put("limit", issue.getLimit());
        return n;
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    private void healthData(Context ctx) {
        ObjectNode body = GoldenJson.JSON.createObjectNode();
        body.put("loading", !view.isCaughtUp());
        Map<String, long[]> systems = new TreeMap<>(); // records, customers
        config.systems().keySet().forEach(s -> systems.put(s, new long[2]));
        long[] totals = new long[2];
        view.forEachCustomer(g -> {
            totals[1]++;
            Map<String, Integer> perSystem = new HashMap<>();
            for (SourceRef r : g.getSources()) {
                perSystem.merge(systemOf(r.getSource()), 1, Integer::sum);
                totals[0]++;
            }
            perSystem.forEach((s, n) -> {
                long[] c = systems.computeIfAbsent(s, k -> new long[2]);
                c[0] += n;
                c[1]++;
            });
        });
        body.put("records", totals[0]).put("customers", totals[1]).put("merged", totals[0] - totals[1]);
        ArrayNode sys = body.putArray("systems");
        systems.forEach((s, c) -> sys.addObject()
                .put("system", s)
                .put("records", c[0])
                .put("customers", c[1])
                .put("duplicatesMerged", c[0] - c[1]));
        Map<String, Integer> byField = new TreeMap<>();
        view.forEachConflict(c -> byField.merge(c.getField(), 1, Integer::sum));
        ObjectNode conflicts = body.putObject("conflictsByField");
        byField.forEach(conflicts::put);
        ArrayNode quality = body.putArray("quality");
        view.qualityIssues().forEach((identifier, issue) -> quality.add(quality(identifier, issue)));
        ObjectNode resolver = body.putObject("resolver");
        resolverMetrics.get().forEach(resolver::put);
        Double dangling = resolverMetrics.get().entrySet().stream()
                .filter(e -> e.getKey().contains("dangling"))
                .map(Map.Entry::getValue)
                .reduce(Double::sum)
                .orElse(null);
        if (dangling == null) {
            body.putNull("danglingLinks");
        } else {
            body.put("danglingLinks", dangling);
        }
        ArrayNode letters = body.putArray("deadLetters");
        Map<DeadLetters.Kind, Long> counts = new TreeMap<>(
                java.util.Comparator.comparing(DeadLetters.Kind::stage).thenComparing(DeadLetters.Kind::reason));
        counts.putAll(log.letterCounts());
        counts.forEach((k, n) -> letters.addObject()
                .put("stage", k.stage())
                .put("reason", k.reason())
                .put("count", n));
        ArrayNode recent = body.putArray("recentLetters");
        for (DeadLetter d :
                log.recentLetters().subList(0, Math.min(20, log.recentLetters().size()))) {
            recent.addObject()
                    .put("id", d.id())
                    .put("at", Instant.ofEpochMilli(d.timestamp()).toString())
                    .put("stage", d.stage())
                    .put("reason", d.reason())
                    .put("input", d.sourcePosition())
                    .put("key", DeadLetter.text(d.key()))
                    .put("replayed", log.replayed(d));
        }
        HttpApi.json(ctx, 200, body.toString());
    }

    // ---- Actions: writes to the steward topics ----

    private JsonNode body(Context ctx) throws Exception {
        JsonNode n = GoldenJson.JSON.readTree(ctx.body());
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        return n;
    }

    private static String required(JsonNode n, String field) {
        String v = n.path(field).asText("").trim();
        if (v.isEmpty()) {
            throw new IllegalArgumentException("'" + field + "' is required");
        }
        return v;
    }

    private void link(Context ctx, String type, String prefix) throws Exception {
        JsonNode in;
        try {
            in = body(ctx);
            String who = required(in, "who");
            Set<String> records = new LinkedHashSet<>();
            for (JsonNode r : in.path("records")) {
                String id = r.asText("").trim();
                int colon = id.lastIndexOf(':');
                if (colon <= 0 || !isParentSource(id.substring(0, colon)) || colon == id.length() - 1) {
                    throw new IllegalArgumentException(
                            "'" + id + "' does not name a record of a parent source as <database>.<table>:<key>");
                }
                records.add(id);
            }
            if (records.size() < 2) {
                throw new IllegalArgumentException("name two different records");
            }
            if (type.equals("cannot_link") && records.size() != 2) {
                throw new IllegalArgumentException("a cannot-link names exactly two different records");
            }
            ObjectNode value = GoldenJson.JSON.createObjectNode();
            value.put("type", type);
            ArrayNode arr = value.putArray("records");
            records.forEach(arr::add);
            value.put("who", who);
            value.put("why", in.path("why").asText(null));
            value.put("at", Instant.now().toString());
            String key = prefix + UUID.randomUUID().toString().substring(0, 8);
            written(ctx, send(Topics.ASSERTIONS, key, GoldenJson.JSON.writeValueAsBytes(value)), key);
        } catch (IllegalArgumentException e) {
            HttpApi.json(ctx, 400, HttpApi.error(e.getMessage()));
        }
    }

    private void override(Context ctx) throws Exception {
        try {
            JsonNode in = body(ctx);
            String who = required(in, "who");
            String field = required(in, "field");
            if (!config.golden().hasField(field)) {
                throw new IllegalArgumentException("unknown golden field '" + field + "'");
            }
            FieldOverride.Builder o = FieldOverride.newBuilder()
                    .setField(field)
                    .setWho(who)
                    .setWhy(in.path("why").asText(null))
                    .setAt(Instant.now());
            JsonNode v = in.get("value");
            o.setValue(v == null || v.isNull() ? null : v.isNumber() ? (Object) v.numberValue() : v.asText());
            if (v != null && v.isInt()) {
                o.setValue(v.asLong());
            }
            String target;
            if (in.hasNonNull("record")) {
                String record = in.get("record").asText();
                int colon = record.lastIndexOf(':');
                if (colon <= 0 || !isParentSource(record.substring(0, colon))) {
                    throw new IllegalArgumentException("'" + record + "' does not name a record of a parent source");
                }
                o.setSource(record.substring(0, colon)).setKey(record.substring(colon + 1));
                target = record;
            } else {
                target = required(in, "goldenId");
                o.setGoldenId(target);
            }
            String key = target + "/" + field;
            written(ctx, send(Topics.OVERRIDES, key, overrideSerializer.serialize(Topics.OVERRIDES, o.build())), key);
        } catch (IllegalArgumentException e) {
            HttpApi.json(ctx, 400, HttpApi.error(e.getMessage()));
        }
    }

    private void retract(Context ctx) throws Exception {
        try {
            JsonNode in = body(ctx);
            required(in, "who");
            String topic =
                    switch (required(in, "kind")) {
                        case "assertion" -> Topics.ASSERTIONS;
                        case "override" -> Topics.OVERRIDES;
                        default -> throw new IllegalArgumentException("kind is assertion or override");
                    };
            String key = required(in, "key");
            // A tombstone carries no value: who retracted and why travel in headers.
            ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, key, null);
            r.headers().add("aurum.steward.who", in.path("who").asText().getBytes(StandardCharsets.UTF_8));
            r.headers().add("aurum.steward.why", in.path("why").asText("").getBytes(StandardCharsets.UTF_8));
            written(ctx, producer.send(r).get(), key);
        } catch (IllegalArgumentException e) {
            HttpApi.json(ctx, 400, HttpApi.error(e.getMessage()));
        }
    }

    private RecordMetadata send(String topic, String key, byte[] value) throws Exception {
        return producer.send(new ProducerRecord<>(topic, key, value)).get();
    }

    private static void written(Context ctx, RecordMetadata m, String key) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("topic", m.topic());
        out.put("key", key);
        out.put("partition", m.partition());
        out.put("offset", m.offset());
        HttpApi.json(ctx, 200, GoldenJson.JSON.valueToTree(out).toString());
    }
}
