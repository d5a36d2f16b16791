package io.aurum.serde;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;

/**
 * Settings of the wire-format serde and its registry client. Key names are Confluent's so that a configuration
 * written for {@code KafkaAvroSerializer} works unchanged here and the other way round.
 */
public final class AvroWireSerdeConfig extends AbstractConfig {
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    public static final String USE_LATEST_VERSION = "use.latest.version";
    public static final String LATEST_CACHE_TTL_SEC = "latest.cache.ttl.sec";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    /** Confluent accepts the key with this prefix too; so do we. */
    public static final String SR_BASIC_AUTH_USER_INFO = "schema.registry.basic.auth.user.info";

    /**
     * TLS to the registry, with Confluent's key names: {@code schema.registry.ssl.truststore.location},
     * {@code .truststore.type} (JKS, PKCS12 or PEM), {@code .truststore.password}, and for a client certificate
     * {@code .keystore.location}, {@code .keystore.type}, {@code .keystore.password}, {@code .key.password}: Kafka's
     * {@code ssl.*} settings under this prefix, read by Kafka's own {@link DefaultSslEngineFactory}. Without them the
     * JVM's default trust store applies.
     */
    public static final String SSL_PREFIX = "schema.registry.ssl.";

    public static final String HTTP_CONNECT_TIMEOUT_MS = "http.connect.timeout.ms";
    public static final String HTTP_READ_TIMEOUT_MS = "http.read.timeout.ms";

    private static final ConfigDef DEF = new ConfigDef()
            .define(
                    SCHEMA_REGISTRY_URL,
                    Type.LIST,
                    List.of(),
                    Importance.HIGH,
                    "Comma-separated registry URLs; tried in turn when one is unreachable or answers 5xx.")
            .define(
                    AUTO_REGISTER_SCHEMAS,
                    Type.BOOLEAN,
                    true,
                    Importance.MEDIUM,
                    "Register the record's schema on first use. When false the schema must already be registered.")
            .define(
                    USE_LATEST_VERSION,
                    Type.BOOLEAN,
                    false,
                    Importance.MEDIUM,
                    "Write with the subject's latest registered schema instead of the record's own; the latest must be"
                            + " able to read the record's schema.")
            .define(
                    LATEST_CACHE_TTL_SEC,
                    Type.LONG,
                    -1L,
                    Importance.LOW,
                    "How long use.latest.version trusts a fetched latest version; -1 = for the serializer's life.")
            .define(
                    BASIC_AUTH_USER_INFO,
                    Type.PASSWORD,
                    null,
                    Importance.MEDIUM,
                    "user:password for HTTP basic authentication against the registry.")
            .define(SR_BASIC_AUTH_USER_INFO, Type.PASSWORD, null, Importance.LOW, "Alias of basic.auth.user.info.")
            .define(
                    HTTP_CONNECT_TIMEOUT_MS,
                    Type.INT,
                    10_000,
                    ConfigDef.Range.atLeast(1),
                    Importance.LOW,
                    "TCP connect timeout per registry URL.")
            .define(
                    HTTP_READ_TIMEOUT_MS,
                    Type.INT,
                    30_000,
                    ConfigDef.Range.atLeast(1),
                    Importance.LOW,
                    "Timeout of one registry request, after which the next URL is tried.");

    public AvroWireSerdeConfig(Map<String, ?> originals) {
        // doLog=false: Kafka Streams hands the whole application config over, which we must not echo to the log.
        super(DEF, originals, false);
    }

    public static ConfigDef configDef() {
        return new ConfigDef(DEF);
    }

    public List<String> urls() {
        return getList(SCHEMA_REGISTRY_URL);
    }

    public boolean autoRegister() {
        return getBoolean(AUTO_REGISTER_SCHEMAS);
    }

    public boolean useLatestVersion() {
        return getBoolean(USE_LATEST_VERSION);
    }

    public long latestCacheTtlSec() {
        return getLong(LATEST_CACHE_TTL_SEC);
    }

    /** The basic-auth credentials, or null. */
    public String userInfo() {
        Password p = getPassword(BASIC_AUTH_USER_INFO);
        if (p == null) {
            p = getPassword(SR_BASIC_AUTH_USER_INFO);
        }
        return p == null || p.value().isEmpty() ? null : p.value();
    }

    public int connectTimeoutMs() {
        return getInt(HTTP_CONNECT_TIMEOUT_MS);
    }

    public int readTimeoutMs() {
        return getInt(HTTP_READ_TIMEOUT_MS);
    }

    /**
     * The TLS context that {@value #SSL_PREFIX}{@code *} describes, or empty when none is set (the JVM's defaults).
     *
     * @throws ConfigException naming the setting when a store cannot be read (never a password)
     */
    public Optional<SSLContext> sslContext() {
        Map<String, Object> ssl = new LinkedHashMap<>();
        originals().forEach((k, v) -> {
            if (k.startsWith(SSL_PREFIX)) {
                ssl.put("ssl." + k.substring(SSL_PREFIX.length()), v);
            }
        });
        if (ssl.isEmpty()) {
            return Optional.empty();
        }
        ConfigDef def = new ConfigDef();
        SslConfigs.addClientSslSupport(def);
        for (String key : ssl.keySet()) {
            if (!def.names().contains(key)) {
                throw new ConfigException(
                        "schema.registry." + key,
                        "(not shown)",
                        "unknown TLS setting; known: "
                                + def.names().stream()
                                        .sorted()
                                        .map(n -> "schema.registry." + n)
                                        .toList());
            }
        }
        DefaultSslEngineFactory factory = new DefaultSslEngineFactory();
        try {
            factory.configure(def.parse(ssl));
            return Optional.of(factory.sslContext());
        } catch (KafkaException e) {
            throw new ConfigException(
                    "TLS settings " + SSL_PREFIX + "* of the schema registry client: " + e.getMessage());
        }
    }
}
