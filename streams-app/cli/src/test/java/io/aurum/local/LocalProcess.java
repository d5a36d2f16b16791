package io.aurum.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code aurum local} in a child JVM on a fixed data directory and fixed ports, so that a test can kill it with
 * SIGKILL ({@code kill -9}) at a chosen moment and start it again on the same directory, as an operator would.
 */
final class LocalProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    /** The ports a pipeline keeps across restarts. */
    record Ports(int http, int kafka, int registry, int postgres) {
        static Ports free() {
            return new Ports(freePort(), freePort(), freePort(), freePort());
        }

        private static int freePort() {
            try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                return s.getLocalPort();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private final Process process;
    private final Ports ports;
    private final Path log;

    private LocalProcess(Process process, Ports ports, Path log) {
        this.process = process;
        this.ports = ports;
        this.log = log;
    }

    static LocalProcess start(Path dataDir, Ports ports, Path log, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-XX:+UseSerialGC",
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.aurum",
                "-cp",
                System.getProperty("java.class.path"),
                "io.aurum.cli.AurumCli",
                "local",
                "--no-demo-data",
                "--data-dir",
                dataDir.toString(),
                "--http-port",
                Integer.toString(ports.http()),
                "--kafka-port",
                Integer.toString(ports.kafka()),
                "--registry-port",
                Integer.toString(ports.registry()),
                "--postgres-port",
                Integer.toString(ports.postgres()),
                // The full log on the console, which goes to this test's log file.
                "--verbose"));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return new LocalProcess(p, ports, log);
    }

    /** The parsed {@code /health} body, or null while the HTTP API does not answer. */
    JsonNode health() {
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + ports.http() + "/health"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Polls {@code /health} until the condition holds; fails if the process dies or the time runs out. */
    JsonNode awaitHealth(Predicate<JsonNode> condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the pipeline exited (" + process.exitValue() + ") while waiting for " + what
                        + "; log: " + log);
            }
            JsonNode h = health();
            if (h != null) {
                last = h;
                if (condition.test(h)) {
                    return h;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError(
                "timed out after " + timeout + " waiting for " + what + "; last health " + last + "; log: " + log);
    }

    /** Captured change events so far, over all databases (0 before capture reports). */
    static long captured(JsonNode health) {
        long n = 0;
        for (JsonNode db : health.path("capture")) {
            n += db.path("events").asLong();
        }
        return n;
    }

    static boolean snapshotting(JsonNode health) {
        for (JsonNode db : health.path("capture")) {
            if (!db.path("snapshotCompleted").asBoolean()) {
                return true;
            }
        }
        return false;
    }

    /** SIGKILL: no shutdown hook, no flush, no clean leave; as a crash or an OOM killer would. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the pipeline did not die");
        }
    }

    /** SIGTERM: the shutdown hook stops everything cleanly, as Ctrl-C does. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the pipeline did not stop on SIGTERM within 90 s; log: " + log);
        }
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the pipeline did not finish within " + timeout + "; log: " + log);
        }
        return process.exitValue();
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
