package io.aurum.runtime;

import io.aurum.app.GoldenJson;
import io.aurum.app.GoldenReader;
import io.aurum.app.RegistrySerdes;
import io.aurum.schemas.GoldenCustomer;
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
    @Option(names = "--bootstrap-server", required = true)
    String bootstrap;

    @Option(
            names = "--registry",
            defaultValue = "http://localhost:8081",
            description = "Schema registry URL (default: ${DEFAULT-VALUE}).")
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
        Serde<GoldenCustomer> serde = new RegistrySerdes(Map.of(), registry).golden();
        try (GoldenReader reader = new GoldenReader(bootstrap, properties, serde.deserializer())) {
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
