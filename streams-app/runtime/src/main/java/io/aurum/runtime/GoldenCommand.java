package io.aurum.runtime;

import io.aurum.app.GoldenJson;
import io.aurum.app.GoldenReader;
import io.aurum.app.RegistrySerdes;
import io.aurum.config.AurumConfig;
import io.aurum.config.ConfigException;
import io.aurum.schemas.GoldenCustomer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.serialization.Serde;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code aurum golden}: golden records as JSON lines, from any running deployment. */
@Command(
        name = "golden",
        mixinStandardHelpOptions = true,
        description = "Print golden records as JSON lines, from any running deployment.")
public final class GoldenCommand implements Callable<Integer> {
    @Option(
            names = "--config",
            description = "A deployment's config file: its Kafka bootstrap servers and client properties (security),"
                    + " its registry URL and registry properties (credentials, TLS).")
    Path config;

    @Option(names = "--bootstrap-server", description = "Kafka (required unless --config names it).")
    String bootstrap;

    @Option(
            names = "--registry",
            description = "Schema registry URL (default: the config's registry.url, else http://localhost:8081).")
    String registry;

    @Option(names = "--from-beginning", description = "Start at the beginning of the topic rather than now.")
    boolean fromBeginning;

    @Option(names = "--until-idle", description = "Print the current state (latest record per id) and exit.")
    boolean untilIdle;

    @Option(
            names = "--property",
            paramLabel = "KEY=VALUE",
            description = "Extra Kafka client property (e.g. security.protocol=SSL).")
    Map<String, String> properties = new HashMap<>();

    @Override
    public Integer call() {
        Map<String, String> clientProperties = new HashMap<>();
        Map<String, String> registryProperties = Map.of();
        String servers = bootstrap;
        String registryUrl = registry;
        if (config != null) {
            AurumConfig cfg = AurumConfig.load(config);
            clientProperties.putAll(cfg.kafka().properties());
            registryProperties = cfg.registry().properties();
            servers = servers != null ? servers : cfg.kafka().bootstrapServers().orElse(null);
            registryUrl =
                    registryUrl != null ? registryUrl : cfg.registry().url().orElse(null);
        }
        if (servers == null) {
            throw config == null
                    ? new IllegalArgumentException("--bootstrap-server or --config is required")
                    : new ConfigException(
                            config.toString(), 0, "kafka.bootstrap_servers", "required (or pass --bootstrap-server)");
        }
        clientProperties.putAll(properties);
        Serde<GoldenCustomer> serde = new RegistrySerdes(
                        registryProperties, registryUrl != null ? registryUrl : "http://localhost:8081")
                .golden();
        try (GoldenReader reader = new GoldenReader(servers, clientProperties, serde.deserializer())) {
            if (untilIdle) {
                reader.snapshot().values().forEach(g -> System.out.println(GoldenJson.line(g)));
                return 0;
            }
            AtomicBoolean stop = new AtomicBoolean();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop.set(true)));
            reader.tail(
                    fromBeginning,
                    (id, g) -> System.out.println(
                            g == null
                                    ? GoldenJson.JSON
                                            .createObjectNode()
                                            .put("id", id)
                                            .put("deleted", true)
                                            .toString()
                                    : GoldenJson.line(g)),
                    stop::get);
        }
        return 0;
    }
}
