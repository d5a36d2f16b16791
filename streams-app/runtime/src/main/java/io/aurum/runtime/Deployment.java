package io.aurum.runtime;

import io.aurum.config.AurumConfig;
import io.aurum.config.ConfigException;
import io.aurum.topology.Topics;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.serialization.Serde;
import picocli.CommandLine.Option;

/**
 * The options the operator commands share: which deployment (its config file, as {@code aurum run} uses it) and
 * where its Kafka cluster and registry are, the command line overriding the file.
 */
public final class Deployment {
    @Option(
            names = "--config",
            description =
                    "The deployment's config file, as `aurum run` uses it (default: the demo config of `aurum local`).")
    Path config;

    @Option(names = "--bootstrap-server", description = "Overrides kafka.bootstrap_servers.")
    String bootstrap;

    @Option(names = "--registry", description = "Overrides registry.url.")
    String registry;

    /** Where `aurum local` serves its registry: the default when neither the config nor --registry names one. */
    static final String LOCAL_REGISTRY = "http://localhost:8081";

    private AurumConfig loaded;

    public AurumConfig config() {
        if (loaded == null) {
            loaded = AurumConfig.loadOrDemo(config);
        }
        return loaded;
    }

    public String bootstrapServers() {
        AurumConfig cfg = config();
        return bootstrap != null
                ? bootstrap
                : cfg.kafka()
                        .bootstrapServers()
                        .orElseThrow(() -> new ConfigException(
                                cfg.file(), 0, "kafka.bootstrap_servers", "required (or pass --bootstrap-server)"));
    }

    public String registryUrl() {
        AurumConfig cfg = config();
        return registry != null ? registry : cfg.registry().url().orElse(LOCAL_REGISTRY);
    }

    public Admin admin() {
        Properties p = new Properties();
        p.putAll(config().kafka().properties());
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return Admin.create(p);
    }

    /** The deployment's topics by name and kind (serdes left out: these commands read no values through them). */
    public Topics topicNames() {
        return new Topics(
                new Topics.AvroSerdes() {
                    @Override
                    public <T extends SpecificRecord> Serde<T> serde(Class<T> type) {
                        return null;
                    }
                },
                config());
    }
}
