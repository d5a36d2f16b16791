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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One production instance, {@code aurum run --config FILE --state-dir DIR}, in a child JVM, as a platform team runs
 * several of them against one Kafka cluster: it can be killed with SIGKILL, stopped with SIGTERM, and started again
 * on the same state directory.
 */
final class RunProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    final String name;
    private final Process process;
    private final int httpPort;
    private final Path log;

    private RunProcess(String name, Process process, int httpPort, Path log) {
        this.name = name;
        this.process = process;
        this.httpPort = httpPort;
        this.log = log;
    }

    static RunProcess start(String name, Path config, Path stateDir, int httpPort, Path log) throws IOException {
        return start(name, config, stateDir, httpPort, log, Map.of());
    }

    /** @param env environment variables added to the child's (secrets the config names as {@code ${NAME}}) */
    static RunProcess start(String name, Path config, Path stateDir, int httpPort, Path log, Map<String, String> env)
            throws IOException {
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.aurum",
                "-cp",
                System.getProperty("java.class.path"),
                "io.aurum.cli.AurumCli",
                "run",
                "--config",
                config.toString(),
                "--state-dir",
                stateDir.toString());
        ProcessBuilder builder = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        Process p = builder.start();
        return new RunProcess(name, p, httpPort, log);
    }

    Path log() {
        return log;
    }

    boolean alive() {
        return process.isAlive();
    }

    JsonNode health() {
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health"))
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

    JsonNode awaitHealth(Predicate<JsonNode> condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(
                        name + " exited (" + process.exitValue() + ") while waiting for " + what + "; log: " + log);
            }
            JsonNode h = health();
            if (h != null) {
                last = h;
                if (condition.test(h)) {
                    return h;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError(name + ": timed out after " + timeout + " waiting for " + what + "; last health "
                + last + "; log: " + log);
    }

    /** Waits until the instance answers and its Streams job is running (or rebalancing into the group). */
    RunProcess awaitStarted(Duration timeout) throws InterruptedException {
        awaitHealth(
                h -> List.of("RUNNING", "REBALANCING")
                        .contains(h.path("streams").asText()),
                timeout,
                "its Streams job to start");
        return this;
    }

    /** SIGKILL: no shutdown hook, no flush, no leaving the group. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " did not die");
        }
    }

    /** SIGTERM: the shutdown hook closes the Streams job cleanly. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(name + " did not stop on SIGTERM within 90 s; log: " + log);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
