package io.aurum.runtime;

import io.aurum.capture.CaptureSource;
import io.aurum.config.AurumConfig;
import io.aurum.config.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code aurum run}: one production deployment (see {@link AurumRuntime}) against external systems. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Run the Streams job (and Debezium, if capture is enabled) against external systems.")
public final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The deployment's config file.")
    Path config;

    @Option(names = "--bootstrap-server", description = "Overrides kafka.bootstrap_servers.")
    String bootstrap;

    @Option(names = "--registry", description = "Overrides registry.url.")
    String registry;

    @Option(
            names = "--state-dir",
            defaultValue = "/var/lib/aurum",
            description = "Streams state and capture offsets (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Override
    public Integer call() throws Exception {
        AurumConfig cfg = AurumConfig.load(config);
        String servers = bootstrap != null
                ? bootstrap
                : cfg.kafka()
                        .bootstrapServers()
                        .orElseThrow(() -> new ConfigException(
                                cfg.file(), 0, "kafka.bootstrap_servers", "required (or pass --bootstrap-server)"));
        String registryUrl = registry != null
                ? registry
                : cfg.registry()
                        .url()
                        .orElseThrow(() ->
                                new ConfigException(cfg.file(), 0, "registry.url", "required (or pass --registry)"));
        List<CaptureSource> sources = !cfg.capture().enabled()
                ? List.of()
                : cfg.capture().databases().values().stream()
                        .map(d -> CaptureSource.of(d.name(), d.host(), d.port(), d.database(), d.user(), d.password())
                                .withSsl(d.ssl()))
                        .toList();
        if (cfg.capture().enabled() && sources.isEmpty()) {
            throw new ConfigException(
                    cfg.file(),
                    0,
                    "capture.databases",
                    "capture is enabled but no databases are listed; list them or set capture.enabled: false");
        }
        AurumRuntime runtime = new AurumRuntime(
                        cfg, servers, registryUrl, sources, stateDir, cfg.http().port())
                .start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            runtime.close();
                            stopped.countDown();
                        },
                        "aurum-shutdown"));
        System.out.printf(
                "Aurum running: Kafka %s, registry %s, HTTP port %d%n", servers, registryUrl, runtime.httpPort());
        while (!stopped.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
            runtime.failIfBroken();
        }
        return 0;
    }
}
