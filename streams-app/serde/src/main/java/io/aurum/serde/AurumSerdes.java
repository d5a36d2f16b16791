package io.aurum.serde;

import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serde;

/**
 * Where Aurum gets its Avro serdes. By default {@link AvroWireSerde}; a user who wants another implementation of the
 * same wire format (Confluent's {@code io.confluent.kafka.streams.serdes.avro.SpecificAvroSerde}, say, for its
 * subject strategies or schema references) names its class in {@code aurum.value.serde} / {@code aurum.key.serde}
 * and puts its jar on the class path; Aurum then never touches our serde.
 */
public final class AurumSerdes {
    public static final String VALUE_SERDE_CONFIG = "aurum.value.serde";
    public static final String KEY_SERDE_CONFIG = "aurum.key.serde";

    private AurumSerdes() {}

    /** A configured value serde for {@code type}: the class named by {@code aurum.value.serde}, else ours. */
    public static <T extends SpecificRecord> Serde<T> valueSerde(Class<T> type, Map<String, ?> config) {
        return serde(type, config, false);
    }

    /** A configured key serde for {@code type}: the class named by {@code aurum.key.serde}, else ours. */
    public static <T extends SpecificRecord> Serde<T> keySerde(Class<T> type, Map<String, ?> config) {
        return serde(type, config, true);
    }

    private static <T extends SpecificRecord> Serde<T> serde(Class<T> type, Map<String, ?> config, boolean isKey) {
        String key = isKey ? KEY_SERDE_CONFIG : VALUE_SERDE_CONFIG;
        Object override = config.get(key);
        Serde<T> serde;
        if (override == null || (override instanceof String s && s.isBlank())) {
            serde = new AvroWireSerde<>(type);
        } else {
            serde = instantiate(key, override);
        }
        serde.configure(config, isKey);
        return serde;
    }

    @SuppressWarnings("unchecked")
    private static <T> Serde<T> instantiate(String key, Object override) {
        Class<?> c;
        if (override instanceof Class<?> given) {
            c = given;
        } else {
            String name = override.toString().trim();
            try {
                c = Class.forName(name, true, classLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                throw new ConfigException(
                        key,
                        name,
                        "Serde class " + name + " is not on the class path: add the jar"
                                + " that provides it (e.g. Confluent's kafka-streams-avro-serde with its dependencies), or remove "
                                + key + " to use Aurum's built-in Avro serde");
            }
        }
        if (!Serde.class.isAssignableFrom(c)) {
            throw new ConfigException(key, c.getName(), c.getName() + " does not implement " + Serde.class.getName());
        }
        try {
            return (Serde<T>) c.getDeclaredConstructor().newInstance();
        } catch (NoSuchMethodException e) {
            throw new ConfigException(key, c.getName(), c.getName() + " has no public no-argument constructor");
        } catch (InvocationTargetException e) {
            throw new ConfigException(key, c.getName(), "Constructing " + c.getName() + " failed: " + e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new ConfigException(key, c.getName(), "Cannot instantiate " + c.getName() + ": " + e);
        }
    }

    /** Plugin-style deployments put extra jars on the context class loader, not on ours. */
    private static ClassLoader classLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : AurumSerdes.class.getClassLoader();
    }
}
