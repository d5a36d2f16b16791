package io.aurum.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.aurum.app.AurumStreams;
import io.aurum.app.GoldenJson;
import io.aurum.canonical.RecordIds;
import io.aurum.identity.Membership;
import io.aurum.schemas.GoldenCustomer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operational HTTP API:
 * <ul>
 *   <li>{@code GET /health}: 200 when the Streams job runs (and capture, where Aurum runs it, has not failed) and
 *   makes progress, else 503 with status DOWN or STALLED (work waits and nothing was committed for a while);</li>
 *   <li>{@code GET /golden/{id}}: one golden customer, in the same JSON as {@code aurum golden};</li>
 *   <li>{@code GET /xref/{source}/{key}}: "my local id → golden id", e.g. {@code /xref/billing.customers/42};</li>
 *   <li>{@code GET /metrics}: Prometheus text format.</li>
 * </ul>
 * Lookups are answered from this instance's state stores; with several instances, a key hosted elsewhere answers
 * 404 here (route through the golden topic or any instance's xref for a fleet).
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

    private final HttpServer server;
    private final AurumStreams app;
    private final Supplier<ObjectNode> extraHealth;
    private final PrometheusMeterRegistry metrics;

    public HttpApi(
            String bindAddress,
            int port,
            AurumStreams app,
            PrometheusMeterRegistry metrics,
            Supplier<ObjectNode> extraHealth)
            throws IOException {
        this.app = app;
        this.metrics = metrics;
        this.extraHealth = extraHealth;
        this.server = HttpServer.create(new InetSocketAddress(bindAddress, port), 0);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "aurum-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/health", this::health);
        server.createContext("/golden/", this::golden);
        server.createContext("/xref/", this::xref);
        server.createContext("/metrics", this::metrics);
        server.createContext(
                "/",
                ex -> send(
                        ex,
                        404,
                        error("no such endpoint; try /health, /golden/{id}, " + "/xref/{source}/{key} or /metrics")));
    }

    public HttpApi start() {
        server.start();
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void health(HttpExchange ex) throws IOException {
        ObjectNode body = GoldenJson.JSON.createObjectNode();
        boolean up = app.isRunning();
        body.put(
                "streams",
                app.streams() == null ? "NOT_STARTED" : app.streams().state().name());
        if (extraHealth != null) {
            ObjectNode extra = extraHealth.get();
            if (extra.path("failed").asBoolean(false)) {
                up = false;
            }
            body.setAll(extra);
        }
        // Up but making no progress while work waits is not healthy either: say so, so that a probe restarts it.
        boolean stalled =
                extraHealth != null && body.path("progress").path("stalled").asBoolean(false);
        body.put("status", stalled ? "STALLED" : up ? "UP" : "DOWN");
        send(ex, up && !stalled ? 200 : 503, body.toString());
    }

    private void golden(HttpExchange ex) throws IOException {
        String id = tail(ex, "/golden/");
        if (!app.isRunning()) {
            send(ex, 503, error("the Streams job is not running yet"));
            return;
        }
        GoldenCustomer golden = app.golden(id);
        if (golden == null) {
            send(ex, 404, error("no golden customer " + id));
            return;
        }
        send(ex, 200, GoldenJson.of(golden).toString());
    }

    private void xref(HttpExchange ex) throws IOException {
        String rest = tail(ex, "/xref/");
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            send(ex, 400, error("expected /xref/{database.table}/{key}"));
            return;
        }
        String recordId = RecordIds.of(rest.substring(0, slash), rest.substring(slash + 1));
        if (!app.isRunning()) {
            send(ex, 503, error("the Streams job is not running yet"));
            return;
        }
        Membership m = app.membership(recordId);
        if (m == null) {
            send(ex, 404, error("no source record " + recordId));
            return;
        }
        ObjectNode body = GoldenJson.JSON.createObjectNode();
        body.put("record", recordId);
        body.put("goldenId", m.goldenId());
        body.put("reason", m.reason());
        send(ex, 200, body.toString());
    }

    private void metrics(HttpExchange ex) throws IOException {
        byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static String tail(HttpExchange ex, String prefix) {
        String path = ex.getRequestURI().getRawPath();
        return URLDecoder.decode(path.substring(prefix.length()), StandardCharsets.UTF_8);
    }

    private static String error(String message) {
        return GoldenJson.JSON.createObjectNode().put("error", message).toString();
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        } catch (IOException e) {
            LOG.debug("client went away", e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
