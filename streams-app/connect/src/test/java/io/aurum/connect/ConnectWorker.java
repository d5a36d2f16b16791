package io.aurum.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;

/**
 * A real Kafka Connect worker (distributed mode, one node) inside the test JVM, against local mode's broker, driven
 * through its REST API as an operator would. Its connectors come from {@code plugin.path}, one directory each, as in
 * a Connect deployment (Debezium's Postgres source and JDBC sink, laid out by streams-app/connect-plugins); Aurum's
 * converter is on the class path.
 */
final class ConnectWorker implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Connect<DistributedHerder> connect;
    private final String url;

    private ConnectWorker(Connect<DistributedHerder> connect, String url) {
        this.connect = connect;
        this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Starts a worker for {@code bootstrap}; its internal topics are named after {@code group}. */
    static ConnectWorker start(String bootstrap, String group) {
        Path plugins = Path.of(System.getProperty("aurum.connect.plugins", "../connect-plugins/target/plugins"))
                .toAbsolutePath()
                .normalize();
        if (!Files.isDirectory(plugins.resolve("debezium-jdbc"))
                || !Files.isDirectory(plugins.resolve("debezium-postgres"))) {
            throw new IllegalStateException("no plugin directories under " + plugins
                    + ": build streams-app/connect-plugins first (mvn -pl streams-app/connect -am test does)");
        }
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", group);
        p.put("config.storage.topic", group + "-configs");
        p.put("offset.storage.topic", group + "-offsets");
        p.put("status.storage.topic", group + "-status");
        p.put("config.storage.replication.factor", "1");
        p.put("offset.storage.replication.factor", "1");
        p.put("status.storage.replication.factor", "1");
        p.put("offset.storage.partitions", "1");
        p.put("status.storage.partitions", "1");
        p.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        p.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        p.put("listeners", "http://127.0.0.1:0");
        p.put("plugin.path", plugins.toString());
        // Plugins declare themselves in META-INF/services; skipping the reflective scan of every jar saves seconds.
        p.put("plugin.discovery", "service_load");
        p.put("offset.flush.interval.ms", "1000");
        p.put("scheduled.rebalance.max.delay.ms", "0");
        // docker/connect/*.json read credentials as ${env:...}: in one JVM the "environment" is system properties.
        p.put("config.providers", "env");
        p.put("config.providers.env.class", PropertyConfigProvider.class.getName());
        // Connect exits the JVM when it cannot start or its herder dies: in a test that would kill Surefire's fork.
        Exit.setExitProcedure((code, message) -> {
            throw new IllegalStateException("Kafka Connect called Exit.exit(" + code + "): " + message);
        });
        Exit.setHaltProcedure((code, message) -> {
            throw new IllegalStateException("Kafka Connect called Exit.halt(" + code + "): " + message);
        });
        Exit.setShutdownHookAdder((name, runnable) -> {});
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        Connect<DistributedHerder> connect;
        try {
            connect = new ConnectDistributed().startConnect(p);
        } finally {
            Thread.currentThread().setContextClassLoader(context);
        }
        ConnectWorker worker =
                new ConnectWorker(connect, connect.rest().serverUrl().toString());
        worker.await("/health", r -> r.status() == 200, Duration.ofSeconds(90));
        return worker;
    }

    record Response(int status, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON: " + body, e);
            }
        }
    }

    Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create(url + path)).GET());
    }

    /** PUT /connectors/NAME/config: creates or updates a connector from a flat config, as docker/connect/*.json are. */
    Response putConnector(String name, Map<String, String> config) {
        try {
            Response r = send(HttpRequest.newBuilder(URI.create(url + "/connectors/" + name + "/config"))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(config))));
            if (r.status() / 100 != 2) {
                throw new IllegalStateException("PUT connector " + name + ": " + r.status() + " " + r.body());
            }
            return r;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Response send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r =
                    HTTP.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            return new Response(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Response await(String path, Predicate<Response> until, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Response last = get(path);
            if (until.test(last)) {
                return last;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting on GET " + path + "; last answer: " + last);
            }
            sleep(200);
        }
    }

    /** Waits until the connector and its tasks run; a FAILED one fails at once, with its trace. */
    void awaitRunning(String connector) {
        await(
                "/connectors/" + connector + "/status",
                r -> {
                    if (r.status() != 200) {
                        return false;
                    }
                    JsonNode s = r.json();
                    failIfFailed(connector, s);
                    boolean running =
                            "RUNNING".equals(s.path("connector").path("state").asText())
                                    && s.path("tasks").size() > 0;
                    for (JsonNode t : s.path("tasks")) {
                        running &= "RUNNING".equals(t.path("state").asText());
                    }
                    return running;
                },
                Duration.ofSeconds(90));
    }

    /** Throws when the connector or a task failed (a sink that cannot write its rows, say). */
    void assertNotFailed(String connector) {
        failIfFailed(connector, get("/connectors/" + connector + "/status").json());
    }

    private static void failIfFailed(String connector, JsonNode s) {
        if ("FAILED".equals(s.path("connector").path("state").asText())) {
            throw new IllegalStateException(
                    connector + " FAILED: " + s.path("connector").path("trace").asText());
        }
        for (JsonNode t : s.path("tasks")) {
            if ("FAILED".equals(t.path("state").asText())) {
                throw new IllegalStateException(
                        connector + " task FAILED: " + t.path("trace").asText());
            }
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        connect.stop();
        connect.awaitStop();
    }
}
