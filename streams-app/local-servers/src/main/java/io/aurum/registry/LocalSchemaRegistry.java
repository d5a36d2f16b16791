package io.aurum.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small Schema Registry speaking the subset of Confluent's REST API that wire-format serdes and the usual tools
 * (kcat, ksqlDB, Kafka UIs) need, so Aurum's local mode runs without a Confluent installation. AVRO only, global
 * compatibility level BACKWARD (checked against the latest version, as Confluent does), no schema references, no
 * deletes, no modes.
 *
 * <p>Schemas are normalized to Avro's own JSON rendering of the parsed schema ({@code Schema.toString()}), so
 * whitespace and key order do not create new versions while docs, defaults and logical types still count. Avro's
 * Parsing Canonical Form would be too coarse for this: it drops defaults and logical types, which matter to readers.
 * The same normalized text under another subject gets the same global id, as in Confluent.
 *
 * <p>Registration is serialized by one lock: the check against existing versions, the compatibility check and the
 * store write must be atomic, and registrations are rare.
 *
 * <p>It serves plain HTTP unless given a TLS context ({@link #tls}), and anyone unless given a user
 * ({@link #basicAuth}), as a registry behind TLS and HTTP basic authentication does (Confluent's
 * {@code authentication.method=BASIC}): a request without valid credentials gets 401 and touches nothing.
 */
public final class LocalSchemaRegistry implements AutoCloseable {
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    public static final String COMPATIBILITY_LEVEL = "BACKWARD";

    static final int SUBJECT_NOT_FOUND = 40401;
    static final int VERSION_NOT_FOUND = 40402;
    static final int SCHEMA_NOT_FOUND = 40403;
    static final int INVALID_SCHEMA = 42201;
    static final int INVALID_VERSION = 42202;
    static final int INCOMPATIBLE = 409;
    static final int STORE_ERROR = 50001;

    private static final Logger LOG = LoggerFactory.getLogger(LocalSchemaRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InetSocketAddress address;
    private final SchemaStore store;
    private final Object registerLock = new Object();
    private final Map<String, Schema> parsed = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private HttpServer server;
    private ExecutorService executor;
    private SSLContext tls;
    private String user;
    private byte[] password;

    /** Listens on the loopback interface; {@code port} 0 picks a free one (see {@link #url()}). */
    public LocalSchemaRegistry(int port, SchemaStore store) {
        this(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), store);
    }

    public LocalSchemaRegistry(InetSocketAddress address, SchemaStore store) {
        this.address = address;
        this.store = store;
    }

    /** Serve HTTPS with this context's key (call before {@link #start}). */
    public synchronized LocalSchemaRegistry tls(SSLContext context) {
        requireNotStarted();
        this.tls = context;
        return this;
    }

    /** Require HTTP basic authentication as this user (call before {@link #start}). */
    public synchronized LocalSchemaRegistry basicAuth(String user, String password) {
        requireNotStarted();
        if (user == null || user.isEmpty() || user.contains(":") || password == null || password.isEmpty()) {
            throw new IllegalArgumentException("basic auth needs a user (without ':') and a password");
        }
        this.user = user;
        this.password = password.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    private void requireNotStarted() {
        if (server != null) {
            throw new IllegalStateException("the registry is already serving on " + url());
        }
    }

    /** Loads the store and starts serving. */
    public synchronized LocalSchemaRegistry start() throws IOException {
        if (server != null) {
            return this;
        }
        store.start();
        if (tls != null) {
            HttpsServer https = HttpsServer.create(address, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        } else {
            server = HttpServer.create(address, 0);
        }
        AtomicInteger n = new AtomicInteger();
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "local-schema-registry-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        HttpContext context = server.createContext("/", this::handle);
        if (user != null) {
            String expectedUser = user;
            byte[] expectedPassword = password;
            context.setAuthenticator(new BasicAuthenticator("aurum-schema-registry", StandardCharsets.UTF_8) {
                @Override
                public boolean checkCredentials(String givenUser, String givenPassword) {
                    // Constant time in the password, so that timing does not tell how much of it was right.
                    return MessageDigest.isEqual(expectedPassword, givenPassword.getBytes(StandardCharsets.UTF_8))
                            & expectedUser.equals(givenUser);
                }
            });
        }
        server.start();
        LOG.info("Local schema registry listening on {}{}", url(), user != null ? " (basic auth)" : "");
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The base URL to put in {@code schema.registry.url}. */
    public String url() {
        InetSocketAddress bound = server.getAddress();
        String host = bound.getAddress().isAnyLocalAddress()
                ? "localhost"
                : bound.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return (tls != null ? "https://" : "http://") + host + ":" + bound.getPort();
    }

    /** HTTP requests served so far; lets tests prove that clients cache. */
    public long requestCount() {
        return requests.get();
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            server = null;
        }
        store.close();
    }

    /**
     * Registers {@code schemaText} under {@code subject} as POST /subjects/{s}/versions does, for callers in the same
     * process (preloading Aurum's schemas in local mode).
     *
     * @throws RegistryException with Confluent's status and error code
     */
    public int register(String subject, String schemaText) {
        Schema schema = parse(schemaText);
        String normalized = schema.toString();
        synchronized (registerLock) {
            List<SchemaRecord> versions = store.versions(subject);
            for (SchemaRecord r : versions) {
                if (r.schema().equals(normalized)) {
                    return r.id();
                }
            }
            if (!versions.isEmpty()) {
                SchemaRecord latest = versions.get(versions.size() - 1);
                SchemaPairCompatibility compat = backward(schema, latest);
                if (compat.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                    throw new RegistryException(
                            409,
                            INCOMPATIBLE,
                            "Schema being registered is incompatible with an earlier" + " schema for subject \""
                                    + subject + "\", details: [" + messages(compat) + "]");
                }
            }
            int id = store.idOf(normalized).orElseGet(store::nextId);
            store.put(new SchemaRecord(subject, store.nextVersion(subject), id, normalized));
            return id;
        }
    }

    private void handle(HttpExchange exchange) {
        requests.incrementAndGet();
        try (exchange) {
            int status = 200;
            Object body;
            try {
                body = route(
                        exchange.getRequestMethod(),
                        segments(exchange.getRequestURI().getRawPath()),
                        exchange);
            } catch (RegistryException e) {
                status = e.status();
                body = error(e.errorCode(), e.getMessage());
            } catch (SchemaStoreException e) {
                LOG.error("Schema store failed", e);
                status = 500;
                body = error(STORE_ERROR, "Error in the backend data store - " + e.getMessage());
            } catch (RuntimeException e) {
                LOG.error("Request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                status = 500;
                body = error(500, "Internal Server Error: " + e);
            }
            byte[] bytes = JSON.writeValueAsBytes(body);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        } catch (IOException e) {
            LOG.debug("Could not answer {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
        }
    }

    private Object route(String method, List<String> p, HttpExchange exchange) throws IOException {
        int n = p.size();
        if (n == 0) {
            allow(method, "GET");
            return JSON.createObjectNode();
        }
        switch (p.get(0)) {
            case "subjects" -> {
                if (n == 1) {
                    allow(method, "GET");
                    return store.subjects();
                }
                String subject = p.get(1);
                if (n == 2) {
                    allow(method, "POST");
                    return lookup(subject, body(exchange));
                }
                if (!"versions".equals(p.get(2))) {
                    break;
                }
                if (n == 3) {
                    if ("POST".equals(method)) {
                        return JSON.createObjectNode().put("id", register(subject, schemaText(body(exchange))));
                    }
                    allow(method, "GET");
                    List<Integer> versions = existing(subject).stream()
                            .map(SchemaRecord::version)
                            .toList();
                    return versions;
                }
                if (n == 4) {
                    allow(method, "GET");
                    return metadata(version(subject, p.get(3)));
                }
                if (n == 5 && "schema".equals(p.get(4))) {
                    allow(method, "GET");
                    return JSON.readTree(version(subject, p.get(3)).schema());
                }
            }
            case "schemas" -> {
                if (n == 2 && "types".equals(p.get(1))) {
                    allow(method, "GET");
                    return List.of("AVRO");
                }
                if (n >= 3 && "ids".equals(p.get(1)) && (n == 3 || (n == 4 && "schema".equals(p.get(3))))) {
                    allow(method, "GET");
                    String schema = schemaById(p.get(2));
                    return n == 3 ? JSON.createObjectNode().put("schema", schema) : JSON.readTree(schema);
                }
            }
            case "config" -> {
                if (n <= 2) {
                    allow(method, "GET");
                    return JSON.createObjectNode().put("compatibilityLevel", COMPATIBILITY_LEVEL);
                }
            }
            case "compatibility" -> {
                if (n == 5 && "subjects".equals(p.get(1)) && "versions".equals(p.get(3))) {
                    allow(method, "POST");
                    return compatibility(
                            p.get(2), p.get(4), body(exchange), query(exchange).contains("verbose=true"));
                }
            }
            default -> {}
        }
        throw new RegistryException(404, 404, "HTTP 404 Not Found");
    }

    private ObjectNode lookup(String subject, JsonNode body) {
        Schema schema = parse(schemaText(body));
        String normalized = schema.toString();
        return existing(subject).stream()
                .filter(r -> r.schema().equals(normalized))
                .findFirst()
                .map(this::metadata)
                .orElseThrow(() -> new RegistryException(404, SCHEMA_NOT_FOUND, "Schema not found"));
    }

    private ObjectNode compatibility(String subject, String version, JsonNode body, boolean verbose) {
        Schema candidate = parse(schemaText(body));
        SchemaPairCompatibility compat = backward(candidate, version(subject, version));
        boolean ok = compat.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
        ObjectNode answer = JSON.createObjectNode().put("is_compatible", ok);
        if (verbose) {
            ArrayNode messages = answer.putArray("messages");
            if (!ok) {
                messages.add(messages(compat));
            }
        }
        return answer;
    }

    /** BACKWARD: a consumer on the new schema must read what was written with the existing one. */
    private SchemaPairCompatibility backward(Schema candidate, SchemaRecord existing) {
        return SchemaCompatibility.checkReaderWriterCompatibility(candidate, parse(existing.schema()));
    }

    private static String messages(SchemaPairCompatibility compat) {
        List<String> out = new ArrayList<>();
        compat.getResult()
                .getIncompatibilities()
                .forEach(i -> out.add("{errorType:'" + i.getType() + "', description:'" + i.getMessage()
                        + "', location:'" + i.getLocation() + "'}"));
        return out.isEmpty() ? compat.getDescription() : String.join(", ", out);
    }

    private List<SchemaRecord> existing(String subject) {
        List<SchemaRecord> versions = store.versions(subject);
        if (versions.isEmpty()) {
            throw subjectNotFound(subject);
        }
        return versions;
    }

    private SchemaRecord version(String subject, String version) {
        if ("latest".equals(version) || "-1".equals(version)) {
            return store.latest(subject).orElseThrow(() -> subjectNotFound(subject));
        }
        int v;
        try {
            v = Integer.parseInt(version);
        } catch (NumberFormatException e) {
            v = 0;
        }
        if (v < 1) {
            throw new RegistryException(
                    422,
                    INVALID_VERSION,
                    "The specified version '" + version + "' is not a valid"
                            + " version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
        }
        Optional<SchemaRecord> found = store.version(subject, v);
        if (found.isEmpty()) {
            existing(subject);
            throw new RegistryException(404, VERSION_NOT_FOUND, "Version " + v + " not found.");
        }
        return found.get();
    }

    private String schemaById(String idText) {
        int id;
        try {
            id = Integer.parseInt(idText);
        } catch (NumberFormatException e) {
            throw new RegistryException(404, SCHEMA_NOT_FOUND, "Schema " + idText + " not found");
        }
        return store.schemaById(id)
                .orElseThrow(() -> new RegistryException(404, SCHEMA_NOT_FOUND, "Schema " + id + " not found"));
    }

    private ObjectNode metadata(SchemaRecord r) {
        return JSON.createObjectNode()
                .put("subject", r.subject())
                .put("version", r.version())
                .put("id", r.id())
                .put("schema", r.schema());
    }

    private Schema parse(String text) {
        Schema known = parsed.get(text);
        if (known != null) {
            return known;
        }
        Schema schema;
        try {
            schema = new Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            throw new RegistryException(422, INVALID_SCHEMA, "Invalid schema " + text + ": " + e.getMessage());
        }
        if (parsed.size() < 10_000) {
            parsed.put(text, schema);
        }
        return schema;
    }

    private static String schemaText(JsonNode body) {
        String type = body.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(type)) {
            throw new RegistryException(
                    422,
                    INVALID_SCHEMA,
                    "Schema type " + type + " is not supported by this" + " registry; only AVRO is");
        }
        JsonNode refs = body.get("references");
        if (refs != null && refs.isArray() && !refs.isEmpty()) {
            throw new RegistryException(422, INVALID_SCHEMA, "Schema references are not supported by this registry");
        }
        JsonNode schema = body.get("schema");
        if (schema == null || !schema.isTextual() || schema.asText().isBlank()) {
            throw new RegistryException(422, INVALID_SCHEMA, "Empty schema: the body needs a \"schema\" string");
        }
        return schema.asText();
    }

    private static JsonNode body(HttpExchange exchange) throws IOException {
        byte[] bytes = exchange.getRequestBody().readAllBytes();
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new RegistryException(400, 400, "The request body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new RegistryException(400, 400, "Malformed JSON body: " + e.getOriginalMessage());
        }
    }

    private static String query(HttpExchange exchange) {
        String q = exchange.getRequestURI().getRawQuery();
        return q == null ? "" : q;
    }

    private static void allow(String method, String expected) {
        if (!expected.equals(method)) {
            throw new RegistryException(405, 405, "HTTP 405 Method Not Allowed");
        }
    }

    private static RegistryException subjectNotFound(String subject) {
        return new RegistryException(404, SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }

    private static ObjectNode error(int code, String message) {
        return JSON.createObjectNode().put("error_code", code).put("message", message);
    }

    /** Path segments, percent-decoded one by one so an encoded '/' stays inside its subject name. */
    static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                // URLDecoder is a form decoder: protect '+', which is literal in a path.
                out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
