package io.aurum.cli;

import io.aurum.runtime.AurumRuntime;
import io.aurum.app.GoldenJson;
import io.aurum.app.GoldenReader;
import io.aurum.capture.CaptureSource;
import io.aurum.config.AurumConfig;
import io.aurum.config.ConfigException;
import io.aurum.local.LocalOptions;
import io.aurum.local.LocalPipeline;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.serde.AurumSerdes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.serialization.Serde;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code aurum} command line. */
@Command(name = "aurum", mixinStandardHelpOptions = true, version = "aurum 0.1.0",
        description = "Golden customer records from CDC streams.",
        subcommands = {AurumCli.Local.class, AurumCli.Run.class, AurumCli.Golden.class,
                io.aurum.bench.BenchCommand.class})
public final class AurumCli {
    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new AurumCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigException ce) {
                cmd.getErr().println("config error: " + ce.getMessage());
                return 2;
            }
            cmd.getErr().println("aurum: " + e.getMessage());
            if (!(e instanceof IllegalArgumentException)) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        System.exit(cli.execute(args));
    }

    @Command(name = "local", mixinStandardHelpOptions = true,
            description = "Run the whole pipeline in one JVM: embedded Postgres, Kafka, registry, Debezium, Streams.")
    static final class Local implements Callable<Integer> {
        @Option(names = "--config", description = "Pipeline config (default: the built-in demo config).")
        Path config;
        @Option(names = "--data-dir", defaultValue = ".aurum/local", description = "Where state is kept between runs (default: ${DEFAULT-VALUE}).")
        Path dataDir;
        @Option(names = "--fresh", description = "Delete the data directory first and start over.")
        boolean fresh;
        @Option(names = "--no-demo-data", negatable = false, description = "Create the source databases empty (tables only).")
        boolean noDemoData;
        @Option(names = "--seed", paramLabel = "DIR", description = "Apply DIR/*.sql in name order (010-crm.sql goes to database crm), waiting for idle after each; uses a temporary data directory.")
        Path seed;
        @Option(names = "--until-idle", description = "Stop once the pipeline is idle instead of running until Ctrl-C.")
        boolean untilIdle;
        @Option(names = "--dump-golden", paramLabel = "FILE", description = "Write every golden record to FILE as JSON lines before exiting.")
        Path dumpGolden;
        @Option(names = "--http-port", description = "HTTP API port (default 8080; a --seed run picks a free one).")
        Integer httpPort;
        @Option(names = "--kafka-port", description = "Kafka broker port (default 9092; a --seed run picks a free one).")
        Integer kafkaPort;
        @Option(names = "--registry-port", description = "Schema registry port (default 8081; a --seed run picks a free one).")
        Integer registryPort;
        @Option(names = "--postgres-port", description = "Postgres port (default 15432; a --seed run picks a free one).")
        Integer postgresPort;
        @Option(names = "--idle-timeout", defaultValue = "600", description = "Seconds to wait for idle (default: ${DEFAULT-VALUE}).")
        long idleTimeoutSeconds;

        @Override
        public Integer call() throws Exception {
            AurumConfig cfg = AurumConfig.loadOrDemo(config);
            if (seed != null && !Files.isDirectory(seed)) {
                throw new IllegalArgumentException("--seed " + seed + " is not a directory");
            }
            boolean ephemeral = seed != null;
            LocalOptions options = new LocalOptions(dataDir, fresh, !noDemoData, seed,
                    port(httpPort, cfg.http().port(), ephemeral), port(kafkaPort, 9092, ephemeral),
                    port(registryPort, 8081, ephemeral), port(postgresPort, 15432, ephemeral),
                    Duration.ofSeconds(idleTimeoutSeconds));
            LocalPipeline pipeline = new LocalPipeline(cfg, options);
            if (!untilIdle && dumpGolden == null && seed == null) {
                pipeline.start();
                pipeline.runUntilStopped();
                return 0;
            }
            try (pipeline) {
                pipeline.start();
                if (seed != null) {
                    pipeline.seed(seed);
                }
                if (untilIdle || seed == null) {
                    pipeline.awaitIdle();
                }
                System.out.println(pipeline.progress());
                if (dumpGolden != null) {
                    int n = pipeline.dumpGolden(dumpGolden);
                    System.out.printf("Wrote %d golden records to %s%n", n, dumpGolden);
                }
            }
            return 0;
        }

        private static int port(Integer given, int normal, boolean ephemeral) {
            return given != null ? given : ephemeral ? 0 : normal;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run the Streams job (and Debezium, if capture is enabled) against external systems.")
    static final class Run implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "The deployment's config file.")
        Path config;
        @Option(names = "--bootstrap-server", description = "Overrides kafka.bootstrap_servers.")
        String bootstrap;
        @Option(names = "--registry", description = "Overrides registry.url.")
        String registry;
        @Option(names = "--state-dir", defaultValue = "/var/lib/aurum", description = "Streams state and capture offsets (default: ${DEFAULT-VALUE}).")
        Path stateDir;

        @Override
        public Integer call() throws Exception {
            AurumConfig cfg = AurumConfig.load(config);
            String servers = bootstrap != null ? bootstrap : cfg.kafka().bootstrapServers().orElseThrow(() ->
                    new ConfigException(cfg.file(), 0, "kafka.bootstrap_servers", "required (or pass --bootstrap-server)"));
            String registryUrl = registry != null ? registry : cfg.registry().url().orElseThrow(() ->
                    new ConfigException(cfg.file(), 0, "registry.url", "required (or pass --registry)"));
            List<CaptureSource> sources = !cfg.capture().enabled() ? List.of()
                    : cfg.capture().databases().values().stream()
                        .map(d -> CaptureSource.of(d.name(), d.host(), d.port(), d.database(), d.user(), d.password()))
                        .toList();
            if (cfg.capture().enabled() && sources.isEmpty()) {
                throw new ConfigException(cfg.file(), 0, "capture.databases",
                        "capture is enabled but no databases are listed; list them or set capture.enabled: false");
            }
            AurumRuntime runtime = new AurumRuntime(cfg, servers, registryUrl, sources, stateDir, cfg.http().port()).start();
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                runtime.close();
                stopped.countDown();
            }, "aurum-shutdown"));
            System.out.printf("Aurum running: Kafka %s, registry %s, HTTP port %d%n", servers, registryUrl, runtime.httpPort());
            while (!stopped.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
                runtime.failIfBroken();
            }
            return 0;
        }
    }

    @Command(name = "golden", mixinStandardHelpOptions = true,
            description = "Print golden records as JSON lines, from any running deployment.")
    static final class Golden implements Callable<Integer> {
        @Option(names = "--bootstrap-server", required = true)
        String bootstrap;
        @Option(names = "--registry", defaultValue = "http://localhost:8081", description = "Schema registry URL (default: ${DEFAULT-VALUE}).")
        String registry;
        @Option(names = "--from-beginning", description = "Start at the beginning of the topic rather than now.")
        boolean fromBeginning;
        @Option(names = "--until-idle", description = "Print the current state (latest record per id) and exit.")
        boolean untilIdle;
        @Option(names = "--property", paramLabel = "KEY=VALUE", description = "Extra Kafka client property (e.g. security.protocol=SSL).")
        Map<String, String> properties = new HashMap<>();

        @Override
        public Integer call() {
            Serde<GoldenCustomer> serde = AurumSerdes.valueSerde(GoldenCustomer.class,
                    Map.of("schema.registry.url", registry));
            try (GoldenReader reader = new GoldenReader(bootstrap, properties, serde.deserializer())) {
                if (untilIdle) {
                    reader.snapshot().values().forEach(g -> System.out.println(GoldenJson.line(g)));
                    return 0;
                }
                AtomicBoolean stop = new AtomicBoolean();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> stop.set(true)));
                reader.tail(fromBeginning, (id, g) -> System.out.println(g == null
                        ? GoldenJson.JSON.createObjectNode().put("id", id).put("deleted", true).toString()
                        : GoldenJson.line(g)), stop::get);
            }
            return 0;
        }
    }
}
