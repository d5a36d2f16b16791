package io.aurum.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * {@link SchemaRegistryClient} over the Confluent Schema Registry REST API, which Confluent SR, Apicurio (ccompat),
 * Karapace and Redpanda all speak. Only AVRO schemas are handled.
 *
 * <p>Ids are cached both ways for the client's life: ids are immutable in every one of those registries, so a
 * cached answer can never go stale, and a serde must not pay a round trip per record. "Latest version" is not
 * cached here because it changes; the serializer decides how long to trust it.
 *
 * <p>With several URLs the client sticks to the last one that answered and moves on to the next when a request
 * cannot be sent, times out or gets a 5xx; a 4xx is the registry's verdict and is not retried elsewhere.
 *
 * <p>HTTPS URLs are verified against {@code schema.registry.ssl.truststore.*} when set (else the JVM's trust store),
 * and the certificate must name the URL's host; credentials go as HTTP basic auth ({@code basic.auth.user.info}).
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT =
            CONTENT_TYPE + ", application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> urls;
    private final String authorization;
    private final Duration requestTimeout;
    private final HttpClient http;
    private final AtomicInteger preferred = new AtomicInteger();

    // Keyed by the schema's JSON text rather than the Schema object: Schema.equals ignores docs, which the registry
    // does not, so two schemas differing only in doc may have different ids.
    private final Map<String, Map<String, Integer>> idsBySubject = new ConcurrentHashMap<>();
    private final Map<String, Map<String, SchemaMetadata>> lookupsBySubject = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    /**
     * Reads {@code schema.registry.url}, {@code basic.auth.user.info}, {@code schema.registry.ssl.*} and the timeouts
     * of {@link AvroWireSerdeConfig}.
     */
    public RestSchemaRegistryClient(Map<String, ?> config) {
        this(new AvroWireSerdeConfig(config));
    }

    public RestSchemaRegistryClient(AvroWireSerdeConfig config) {
        this(
                config.urls(),
                config.userInfo(),
                Duration.ofMillis(config.connectTimeoutMs()),
                Duration.ofMillis(config.readTimeoutMs()),
                config.sslContext().orElse(null));
    }

    public RestSchemaRegistryClient(String urls) {
        this(Map.of(AvroWireSerdeConfig.SCHEMA_REGISTRY_URL, urls));
    }

    /**
     * @param urls base URLs, tried in order
     * @param userInfo {@code user:password} for basic auth, or null
     */
    public RestSchemaRegistryClient(
            List<String> urls, String userInfo, Duration connectTimeout, Duration requestTimeout) {
        this(urls, userInfo, connectTimeout, requestTimeout, null);
    }

    /** @param tls the TLS context of HTTPS requests, or null for the JVM's default */
    public RestSchemaRegistryClient(
            List<String> urls, String userInfo, Duration connectTimeout, Duration requestTimeout, SSLContext tls) {
        if (urls == null || urls.isEmpty() || urls.stream().allMatch(String::isBlank)) {
            throw new IllegalArgumentException("No schema registry URL: set " + AvroWireSerdeConfig.SCHEMA_REGISTRY_URL
                    + " (comma-separated list)");
        }
        List<URI> parsed = urls.stream()
                .map(String::trim)
                .filter(u -> !u.isEmpty())
                .map(u -> URI.create(stripSlash(u)))
                .toList();
        if (userInfo == null) {
            // Confluent's basic.auth.credentials.source=URL: credentials in http://user:pw@host.
            userInfo = parsed.stream()
                    .map(URI::getUserInfo)
                    .filter(java.util.Objects::nonNull)
                    .findFirst()
                    .orElse(null);
        }
        this.urls =
                parsed.stream().map(RestSchemaRegistryClient::withoutUserInfo).toList();
        this.authorization = userInfo == null
                ? null
                : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
        this.requestTimeout = requestTimeout;
        HttpClient.Builder http =
                HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NORMAL);
        if (tls != null) {
            http.sslContext(tls);
        }
        this.http = http.build();
    }

    public List<String> urls() {
        return urls;
    }

    @Override
    public int register(String subject, Schema schema) {
        String text = schema.toString();
        Map<String, Integer> ids = idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = ids.get(text);
        if (cached != null) {
            return cached;
        }
        // schemaType is left out: AVRO is its default everywhere, and old registries reject the field.
        JsonNode answer = call("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(text));
        int id = requiredInt(answer, "id");
        ids.put(text, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    @Override
    public Schema getSchemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = call("GET", "/schemas/ids/" + id, null);
        Schema schema = parse(answer, "schema id " + id);
        Schema raced = schemasById.putIfAbsent(id, schema);
        return raced != null ? raced : schema;
    }

    @Override
    public SchemaMetadata getLatestSchemaMetadata(String subject) {
        return metadata(call("GET", "/subjects/" + encode(subject) + "/versions/latest", null), subject);
    }

    /** One version of {@code subject}. */
    public SchemaMetadata getSchemaMetadata(String subject, int version) {
        return metadata(call("GET", "/subjects/" + encode(subject) + "/versions/" + version, null), subject);
    }

    @Override
    public SchemaMetadata lookup(String subject, Schema schema) {
        String text = schema.toString();
        Map<String, SchemaMetadata> known = lookupsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        SchemaMetadata cached = known.get(text);
        if (cached != null) {
            return cached;
        }
        SchemaMetadata found = metadata(call("POST", "/subjects/" + encode(subject), schemaBody(text)), subject);
        known.put(text, found);
        idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(text, found.id());
        return found;
    }

    /** All subjects, uncached. */
    public List<String> getAllSubjects() {
        JsonNode answer = call("GET", "/subjects", null);
        return JSON.convertValue(answer, JSON.getTypeFactory().constructCollectionType(List.class, String.class));
    }

    /** Whether the registry would accept {@code schema} as the next version of {@code subject}. */
    public boolean testCompatibility(String subject, Schema schema) {
        JsonNode answer = call(
                "POST",
                "/compatibility/subjects/" + encode(subject) + "/versions/latest",
                schemaBody(schema.toString()));
        return answer.path("is_compatible").asBoolean(false);
    }

    private SchemaMetadata metadata(JsonNode answer, String subject) {
        String s = answer.path("subject").asText(subject);
        return new SchemaMetadata(
                s, requiredInt(answer, "version"), requiredInt(answer, "id"), parse(answer, "subject " + s));
    }

    private static ObjectNode schemaBody(String schemaText) {
        return JSON.createObjectNode().put("schema", schemaText);
    }

    private Schema parse(JsonNode answer, String what) {
        String type = answer.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(type)) {
            throw new SchemaRegistryException(
                    "The registry holds a " + type + " schema for " + what + "; this client handles AVRO only", 200, 0);
        }
        JsonNode schema = answer.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw new SchemaRegistryException("Registry answer for " + what + " has no schema: " + answer, 200, 0);
        }
        try {
            return new Schema.Parser().parse(schema.asText());
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException(
                    "Registry returned an unparsable Avro schema for " + what + ": " + e.getMessage(), 200, 0, e);
        }
    }

    private static int requiredInt(JsonNode answer, String field) {
        JsonNode n = answer.get(field);
        if (n == null || !n.canConvertToInt()) {
            throw new SchemaRegistryException("Registry answer lacks '" + field + "': " + answer, 200, 0);
        }
        return n.asInt();
    }

    private JsonNode call(String method, String path, JsonNode body) {
        String payload;
        try {
            payload = body == null ? null : JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int start = preferred.get();
        SchemaRegistryException last = null;
        for (int i = 0; i < urls.size(); i++) {
            int index = (start + i) % urls.size();
            String target = urls.get(index) + path;
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target))
                    .timeout(requestTimeout)
                    .header("Accept", ACCEPT);
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            if (payload == null) {
                request.GET();
            } else {
                request.header("Content-Type", CONTENT_TYPE)
                        .method(method, HttpRequest.BodyPublishers.ofString(payload, StandardCharsets.UTF_8));
            }
            HttpResponse<String> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                last = new SchemaRegistryException(
                        "Schema registry " + method + " " + target + " failed: " + e, 0, 0, e);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException("Interrupted during " + method + " " + target, 0, 0, e);
            }
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                preferred.set(index);
                try {
                    return JSON.readTree(response.body());
                } catch (IOException e) {
                    throw new SchemaRegistryException(
                            method + " " + target + " answered " + status + " with a body that is not JSON",
                            status,
                            0,
                            e);
                }
            }
            SchemaRegistryException error = error(method, target, response);
            if (status < 500) {
                throw error;
            }
            last = error;
        }
        throw last;
    }

    private static SchemaRegistryException error(String method, String target, HttpResponse<String> response) {
        int status = response.statusCode();
        int code = status;
        String message = response.body();
        try {
            JsonNode body = JSON.readTree(response.body());
            if (body != null && body.isObject()) {
                code = body.path("error_code").asInt(status);
                message = body.path("message").asText(message);
            }
        } catch (IOException notJson) {
            // Proxies and load balancers answer with HTML; the raw body is the best message we have.
        }
        return new SchemaRegistryException(
                "Schema registry " + method + " " + target + " failed: HTTP " + status + ", error_code " + code + ": "
                        + message,
                status,
                code);
    }

    /** Subjects may hold any character; '+' must not survive as form encoding would have it. */
    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String withoutUserInfo(URI u) {
        if (u.getRawUserInfo() == null) {
            return u.toString();
        }
        return u.toString().replace(u.getRawUserInfo() + "@", "");
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
