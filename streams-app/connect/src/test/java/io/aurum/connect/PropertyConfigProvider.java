package io.aurum.connect;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigData;
import org.apache.kafka.common.config.provider.ConfigProvider;

/**
 * Kafka's EnvVarConfigProvider for a worker inside a test JVM, which cannot set its own environment: {@code ${env:X}}
 * reads the system property X first, then the environment. docker/connect/*.json keep their placeholders unchanged.
 */
public final class PropertyConfigProvider implements ConfigProvider {
    @Override
    public void configure(Map<String, ?> configs) {}

    @Override
    public ConfigData get(String path) {
        return new ConfigData(Map.of());
    }

    @Override
    public ConfigData get(String path, Set<String> keys) {
        Map<String, String> data = new HashMap<>();
        for (String key : keys) {
            String value = System.getProperty(key, System.getenv(key));
            if (value != null) {
                data.put(key, value);
            }
        }
        return new ConfigData(data);
    }

    @Override
    public void close() {}
}
