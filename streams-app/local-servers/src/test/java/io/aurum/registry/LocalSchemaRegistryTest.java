package io.aurum.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LocalSchemaRegistryTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String V1 = "{\"type\":\"record\",\"name\":\"Customer\",\"namespace\":\"t\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"string\"}]}";
    /** V1 laid out differently: must not become a new version. */
    static final String V1_SPACED = "{ \"namespace\" : \"t\",\n  \"type\": \"record\", \"name\": \"Customer\",\n"
            + "  \"fields\": [ { \"type\": \"string\", \"name\": \"id\" } ] }";
    /** Adds a field with a default: BACKWARD-compatible. */
    static final String V2 = "{\"type\":\"record\",\"name\":\"Customer\",\"namespace\":\"t\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
    /** Adds a required field: a new reader cannot read old data. */
    static final String INCOMPATIBLE = "{\"type\":\"record\",\"name\":\"Customer\",\"namespace\":\"t\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"tier\",\"type\":\"int\"}]}";

    LocalSchemaRegistry registry;
    final HttpClient http = HttpClient.newHttpClient();

    record Reply(int status, JsonNode body, String contentType) {
        int errorCode() {
            return body.path("error_code").asInt();
        }
    }

    @BeforeEach
    void start() throws IOException {
        registry = new LocalSchemaRegistry(0, new InMemorySchemaStore()).start();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    Reply get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(registry.url() + path)).GET());
    }

    Reply post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(registry.url() + path))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Reply postSchema(String path, String schema) throws Exception {
        return post(path, JSON.createObjectNode().put("schema", schema).toString());
    }

    Reply send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(
                r.statusCode(),
                JSON.readTree(r.body()),
                r.headers().firstValue("Content-Type").orElse(""));
    }

    @Test
    void registerAndReadBackThroughEveryEndpoint() throws Exception {
        assertThat(get("/subjects").body()).isEmpty();

        Reply registered = postSchema("/subjects/customers-value/versions", V1);
        assertThat(registered.status()).isEqualTo(200);
        assertThat(registered.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
        int id = registered.body().get("id").asInt();

        assertThat(get("/subjects").body().toString()).isEqualTo("[\"customers-value\"]");
        assertThat(get("/subjects/customers-value/versions").body().toString()).isEqualTo("[1]");
        JsonNode v1 = get("/subjects/customers-value/versions/1").body();
        assertThat(v1.get("subject").asText()).isEqualTo("customers-value");
        assertThat(v1.get("version").asInt()).isEqualTo(1);
        assertThat(v1.get("id").asInt()).isEqualTo(id);
        assertThat(JSON.readTree(v1.get("schema").asText())).isEqualTo(JSON.readTree(V1));
        assertThat(get("/subjects/customers-value/versions/latest").body()).isEqualTo(v1);
        assertThat(get("/subjects/customers-value/versions/-1").body()).isEqualTo(v1);
        assertThat(get("/subjects/customers-value/versions/1/schema").body()).isEqualTo(JSON.readTree(V1));
        assertThat(JSON.readTree(get("/schemas/ids/" + id).body().get("schema").asText()))
                .isEqualTo(JSON.readTree(V1));
        assertThat(get("/schemas/ids/" + id + "/schema").body()).isEqualTo(JSON.readTree(V1));
        assertThat(get("/schemas/types").body().toString()).isEqualTo("[\"AVRO\"]");
        assertThat(get("/config").body().toString()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
        assertThat(get("/config/customers-value").body().toString()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
        assertThat(get("/").status()).isEqualTo(200);
    }

    @Test
    void theSameSchemaIsOneVersionWhateverItsLayoutAndOneIdAcrossSubjects() throws Exception {
        int id = postSchema("/subjects/a-value/versions", V1).body().get("id").asInt();

        assertThat(postSchema("/subjects/a-value/versions", V1_SPACED)
                        .body()
                        .get("id")
                        .asInt())
                .isEqualTo(id);
        assertThat(get("/subjects/a-value/versions").body().toString()).isEqualTo("[1]");
        assertThat(postSchema("/subjects/b-value/versions", V1_SPACED)
                        .body()
                        .get("id")
                        .asInt())
                .isEqualTo(id);
        assertThat(get("/subjects/b-value/versions/1").body().get("id").asInt()).isEqualTo(id);

        int id2 = postSchema("/subjects/a-value/versions", V2).body().get("id").asInt();
        assertThat(id2).isNotEqualTo(id);
        assertThat(get("/subjects/a-value/versions").body().toString()).isEqualTo("[1,2]");
        assertThat(get("/subjects/a-value/versions/latest")
                        .body()
                        .get("version")
                        .asInt())
                .isEqualTo(2);
    }

    @Test
    void lookupFindsARegisteredSchemaOrSaysWhatIsMissing() throws Exception {
        int id = postSchema("/subjects/c-value/versions", V1).body().get("id").asInt();

        Reply found = postSchema("/subjects/c-value", V1_SPACED);
        assertThat(found.status()).isEqualTo(200);
        assertThat(found.body().get("id").asInt()).isEqualTo(id);
        assertThat(found.body().get("version").asInt()).isEqualTo(1);

        Reply missingSchema = postSchema("/subjects/c-value", V2);
        assertThat(missingSchema.status()).isEqualTo(404);
        assertThat(missingSchema.errorCode()).isEqualTo(40403);

        Reply missingSubject = postSchema("/subjects/nope", V1);
        assertThat(missingSubject.status()).isEqualTo(404);
        assertThat(missingSubject.errorCode()).isEqualTo(40401);
    }

    @Test
    void compatibilityIsCheckedAndIncompatibleRegistrationsRefused() throws Exception {
        postSchema("/subjects/d-value/versions", V1);

        assertThat(postSchema("/compatibility/subjects/d-value/versions/latest", V2)
                        .body()
                        .get("is_compatible")
                        .asBoolean())
                .isTrue();
        assertThat(postSchema("/compatibility/subjects/d-value/versions/1", INCOMPATIBLE)
                        .body()
                        .get("is_compatible")
                        .asBoolean())
                .isFalse();
        JsonNode verbose = postSchema("/compatibility/subjects/d-value/versions/latest?verbose=true", INCOMPATIBLE)
                .body();
        assertThat(verbose.get("messages").toString()).contains("tier");

        Reply refused = postSchema("/subjects/d-value/versions", INCOMPATIBLE);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.errorCode()).isEqualTo(409);
        assertThat(refused.body().get("message").asText())
                .contains("incompatible")
                .contains("d-value");
        assertThat(get("/subjects/d-value/versions").body().toString()).isEqualTo("[1]");

        Reply noSubject = postSchema("/compatibility/subjects/none/versions/latest", V1);
        assertThat(noSubject.errorCode()).isEqualTo(40401);
    }

    @Test
    void errorsLookLikeConfluents() throws Exception {
        postSchema("/subjects/e-value/versions", V1);

        Reply noSubject = get("/subjects/x/versions");
        assertThat(noSubject.status()).isEqualTo(404);
        assertThat(noSubject.body().toString())
                .isEqualTo("{\"error_code\":40401,\"message\":\"Subject 'x' not found.\"}");
        assertThat(get("/subjects/x/versions/latest").errorCode()).isEqualTo(40401);

        Reply noVersion = get("/subjects/e-value/versions/7");
        assertThat(noVersion.status()).isEqualTo(404);
        assertThat(noVersion.errorCode()).isEqualTo(40402);
        assertThat(noVersion.body().get("message").asText()).isEqualTo("Version 7 not found.");

        Reply badVersion = get("/subjects/e-value/versions/seven");
        assertThat(badVersion.status()).isEqualTo(422);
        assertThat(badVersion.errorCode()).isEqualTo(42202);

        Reply noId = get("/schemas/ids/999");
        assertThat(noId.status()).isEqualTo(404);
        assertThat(noId.errorCode()).isEqualTo(40403);

        Reply invalid = postSchema("/subjects/e-value/versions", "{\"type\":\"record\",\"name\":\"X\"}");
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(invalid.errorCode()).isEqualTo(42201);

        Reply protobuf = post(
                "/subjects/e-value/versions", "{\"schema\":\"syntax = \\\"proto3\\\";\",\"schemaType\":\"PROTOBUF\"}");
        assertThat(protobuf.errorCode()).isEqualTo(42201);
        assertThat(protobuf.body().get("message").asText()).contains("PROTOBUF");

        assertThat(post("/subjects/e-value/versions", "{not json").status()).isEqualTo(400);
        assertThat(get("/nowhere").status()).isEqualTo(404);
        assertThat(get("/subjects/e-value/versions/1/nothing").status()).isEqualTo(404);
        Reply wrongMethod = send(
                HttpRequest.newBuilder(URI.create(registry.url() + "/subjects")).DELETE());
        assertThat(wrongMethod.status()).isEqualTo(405);
    }

    @Test
    void explicitAvroSchemaTypeIsAccepted() throws Exception {
        Reply r = post(
                "/subjects/f-value/versions",
                JSON.createObjectNode()
                        .put("schema", V1)
                        .put("schemaType", "AVRO")
                        .toString());
        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void aFailingStoreIsA500WithConfluentsBackendErrorCode() throws Exception {
        registry.close();
        InMemorySchemaStore delegate = new InMemorySchemaStore();
        SchemaStore broken = (SchemaStore) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {SchemaStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("put")) {
                        throw new SchemaStoreException("broker unreachable");
                    }
                    try {
                        return method.invoke(delegate, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        registry = new LocalSchemaRegistry(0, broken).start();

        Reply r = postSchema("/subjects/g-value/versions", V1);

        assertThat(r.status()).isEqualTo(500);
        assertThat(r.errorCode()).isEqualTo(50001);
        assertThat(r.body().get("message").asText()).contains("broker unreachable");
        assertThat(get("/subjects").body()).isEmpty();
    }

    @Test
    void requestsAreCounted() throws Exception {
        long before = registry.requestCount();
        get("/subjects");
        get("/config");
        assertThat(registry.requestCount() - before).isEqualTo(2);
    }

    @Test
    void pathSegmentsArePercentDecodedOneByOne() {
        assertThat(LocalSchemaRegistry.segments("/subjects/a%2Fb+c%20d/versions/"))
                .containsExactly("subjects", "a/b+c d", "versions");
    }
}
