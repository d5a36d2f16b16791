package io.aurum.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aurum.app.AurumStreams;
import io.aurum.app.GoldenJson;
import io.aurum.canonical.RecordIds;
import io.aurum.identity.Membership;
import io.aurum.schemas.GoldenCustomer;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operational HTTP API, on Javalin (Jetty):
 * <ul>
 *   <li>{@code GET /health}: 200 when the Streams job runs (and capture, where Aurum runs it, has not failed) and
 *   makes progress, else 503 with status DOWN or STALLED (work waits and nothing was committed for a while);</li>
 *   <li>{@code GET /golden/{id}}: one golden customer, in the same JSON as {@code aurum golden};</li>
 *   <li>{@code GET /xref/{source}/{key}}: "my local id → golden id", e.g. {@code /xref/billing.customers/42};</li>
 *   <li>{@code GET /metrics}: Prometheus text format;</li>
 *   <li>{@code /console} and {@code /api/...}: the steward console ({@link Console}), when enabled.</li>
 * </ul>
 * Any instance answers any lookup: the key's owner comes from Kafka Streams' metadata ({@code application.server}
 * of each instance) and a key held elsewhere is fetched from its owner over HTTP (header
 * {@code X-Aurum-Served-By} names who answered).
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    static final String SERVED_BY = "X-Aurum-Served-By";
    /** Asks the receiving instance to answer from its own state, never to forward again. */
    static final String LOCAL_ONLY = "local";

    private final Javalin app;
    private final AurumStreams streams;
    private final Supplier<ObjectNode> extraHealth;
    private final PrometheusMeterRegistry metrics;
    private final HttpClient forward =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String bindAddress;
    private final int requestedPort;

    public HttpApi(
            String bindAddress,
            int port,
            AurumStreams streams,
            PrometheusMeterRegistry metrics,
            Supplier<ObjectNode> extraHealth,
            Console console) {
        this.streams = streams;
        this.metrics = metrics;
        this.extraHealth = extraHealth;
        this.bindAddress = bindAddress;
        this.requestedPort = port;
        // Javalin 7: everything, routes and handlers included, is configured before the server exists.
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.startupWatcherEnabled = false;
            if (console != null) {
                console.configure(cfg);
            }
            cfg.routes.get("/health", this::health);
            cfg.routes.get("/golden/{id}", this::golden);
            cfg.routes.get("/xref/{source}/<key>", this::xref);
            cfg.routes.get("/metrics", this::metrics);
            if (console != null) {
                console.routes(cfg.routes);
            }
            cfg.routes.error(404, ctx -> {
                if (ctx.result() == null) {
                    json(
                            ctx,
                            404,
                            error("no such endpoint; try /health, /golden/{id}, /xref/{source}/{key}, /metrics"
                                    + (console != null ? " or /console" : "")));
                }
            });
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                LOG.warn("HTTP {} {} failed", ctx.method(), ctx.path(), e);
                json(ctx, 500, error(e.getClass().getSimpleName() + ": " + e.getMessage()));
            });
        });
    }

    /** Binds the port (so that its number is known before the Streams job starts) and serves. */
    public HttpApi start() {
        app.start(bindAddress, requestedPort);
        return this;
    }

    public int port() {
        return app.port();
    }

    private void health(Context ctx) {
        ObjectNode body = GoldenJson.JSON.createObjectNode();
        boolean up = streams.isRunning();
        body.put(
                "streams",
                streams.streams() == null
                        ? "NOT_STARTED"
                        : streams.streams().state().name());
        if (extraHealth != null) {
            ObjectNode extra = extraHealth.get();
            if (extra.path("failed").asBoolean(false)) {
                up = false;
            }
            body.setAll(extra);
        }
        // Up but making no progress while work waits is not healthy either: say so, so that a probe restarts it.
        boolean stalled = body.path("progress").path("stalled").asBoolean(false);
        body.put("status", stalled ? "STALLED" : up ? "UP" : "DOWN");
        json(ctx, up && !stalled ? 200 : 503, body.toString());
    }

    private void golden(Context ctx) {
        String id = ctx.pathParam("id");
        if (!streams.isRunning()) {
            json(ctx, 503, error("the Streams job is not running yet"));
            return;
        }
        if (forwarded(ctx, streams.ownerOfGolden(id), "/golden/" + enc(id))) {
            return;
        }
        GoldenCustomer golden = streams.golden(id);
        if (golden == null) {
            json(ctx, 404, error("no golden customer " + id));
            return;
        }
        json(ctx, 200, GoldenJson.of(golden).toString());
    }

    private void xref(Context ctx) {
        String source = ctx.pathParam("source");
        String key = ctx.pathParam("key");
        if (source.isEmpty() || key.isEmpty()) {
            json(ctx, 400, error("expected /xref/{database.table}/{key}"));
            return;
        }
        String recordId = RecordIds.of(source, key);
        if (!streams.isRunning()) {
            json(ctx, 503, error("the Streams job is not running yet"));
            return;
        }
        if (forwarded(ctx, streams.ownerOfRecord(recordId), "/xref/" + enc(source) + "/" + enc(key))) {
            return;
        }
        Membership m = streams.membership(recordId);
        if (m == null) {
            json(ctx, 404, error("no source record " + recordId));
            return;
        }
        ObjectNode body = GoldenJson.JSON.createObjectNode();
        body.put("record", recordId);
        body.put("goldenId", m.goldenId());
        body.put("reason", m.reason());
        json(ctx, 200, body.toString());
    }

    /**
     * Answers from the owner when another instance holds the key: relays its status and body. Returns false when
     * this instance should answer itself (it owns the key, the owner is unknown, or the request was forwarded).
     */
    private boolean forwarded(Context ctx, Optional<HostInfo> owner, String path) {
        String self = streams.applicationServer();
        ctx.header(SERVED_BY, self == null ? "local" : self);
        if (ctx.queryParam(LOCAL_ONLY) != null || owner.isEmpty() || self == null) {
            return false;
        }
        HostInfo host = owner.get();
        if ((host.host() + ":" + host.port()).equals(self)) {
            return false;
        }
        try {
            HttpResponse<String> r = forward.send(
                    HttpRequest.newBuilder(URI.create(
                                    "http://" + host.host() + ":" + host.port() + path + "?" + LOCAL_ONLY + "=true"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            ctx.header(SERVED_BY, host.host() + ":" + host.port());
            json(ctx, r.statusCode(), r.body());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            json(
                    ctx,
                    502,
                    error("the instance holding this key (" + host.host() + ":" + host.port() + ") did not answer: "
                            + e));
        }
        return true;
    }

    private void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8");
        ctx.result(metrics.scrape());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String error(String message) {
        return GoldenJson.JSON.createObjectNode().put("error", message).toString();
    }

    static void json(Context ctx, int status, String json) {
        ctx.status(status);
        ctx.contentType("application/json");
        ctx.result(json);
    }

    @Override
    public void close() {
        app.stop();
    }
}
