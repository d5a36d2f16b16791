package io.aurum.app;

import io.aurum.config.AurumConfig;
import io.aurum.schemas.GoldenCustomer;
import io.aurum.serde.AurumSerdes;
import io.aurum.topology.Topics;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * The Avro serdes of the public topics as a deployment configures them: the registry URL plus the config's
 * {@code registry.properties} (credentials, {@code aurum.value.serde}, ...). Every reader and writer of those
 * topics gets its serde here, so none of them can forget the properties.
 */
public final class RegistrySerdes implements Topics.AvroSerdes {
    private final Map<String, Object> config;

    public RegistrySerdes(Map<String, String> registryProperties, String registryUrl) {
        Map<String, Object> m = new HashMap<>(registryProperties);
        m.put("schema.registry.url", registryUrl);
        this.config = Map.copyOf(m);
    }

    /** The serdes of the deployment {@code config} describes, against the registry at {@code registryUrl}. */
    public static RegistrySerdes of(AurumConfig config, String registryUrl) {
        return new RegistrySerdes(config.registry().properties(), registryUrl);
    }

    @Override
    public <T extends SpecificRecord> Serde<T> serde(Class<T> type) {
        return AurumSerdes.valueSerde(type, config);
    }

    /** The value serde of customers.golden. */
    public Serde<GoldenCustomer> golden() {
        return serde(GoldenCustomer.class);
    }

    @Override
    public Map<String, ?> registryConfig() {
        return config;
    }

    /** What the serdes are configured with: the registry URL and any {@code registry.properties}. */
    public Map<String, Object> config() {
        return config;
    }
}
