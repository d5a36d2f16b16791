package io.aurum.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AurumConfigTest {
    static final String BASE = """
            systems:
              crm: {priority: 1}
              billing: {priority: 2}
            match_keys:
              email: {type: email}
            sources:
              crm.contacts:
                system: crm
                attributes:
                  email: email
                  name: {concat: [first_name, last_name]}
                match:
                  email: email
              billing.subscriptions:
                parent: {source: crm.contacts, column: contact_id}
                attributes:
                  status: status
            golden:
              fields:
                email: {owner: crm, fallback: [billing]}
              rollups:
                active: {child: billing.subscriptions, function: count, where: {status: [active]}}
            """;

    static AurumConfig parse(String yaml) {
        return AurumConfig.from(YamlDocument.parse("test.yaml", yaml, Map.of("KAFKA", "broker:9092")));
    }

    @Test
    void theDemoConfigLoads() {
        AurumConfig c = AurumConfig.fromClasspath("config/demo.yaml");
        assertThat(c.pipeline().sources())
                .containsKeys(
                        "crm.contacts",
                        "billing.customers",
                        "support.users",
                        "billing.subscriptions",
                        "billing.invoices",
                        "support.tickets");
        assertThat(c.pipeline().sources().get("billing.customers").links()).hasSize(1);
        assertThat(c.pipeline().golden().fields().get("name").owner()).isEqualTo("crm");
        assertThat(c.pipeline().golden().fields().get("name").systems()).containsExactly("billing", "support");
        assertThat(c.streams().partitions()).isEqualTo(4);
    }

    @Test
    void defaultsAndDerivedValues() {
        AurumConfig c = parse(BASE);
        assertThat(c.pipeline().sources().get("crm.contacts").topic()).isEqualTo("crm.public.contacts");
        assertThat(c.pipeline().sources().get("crm.contacts").keyColumns()).containsExactly("id");
        assertThat(c.pipeline()
                        .sources()
                        .get("crm.contacts")
                        .attributes()
                        .get("name")
                        .separator())
                .isEqualTo(" ");
        assertThat(c.streams().applicationId()).isEqualTo("aurum");
        assertThat(c.capture().enabled()).isTrue();
        assertThat(c.http().port()).isEqualTo(8080);
    }

    @Test
    void environmentVariablesAreSubstitutedWithDefaults() {
        AurumConfig c =
                parse("kafka:\n  bootstrap_servers: ${KAFKA}\nregistry:\n  url: ${REGISTRY:-http://reg:8081}\n" + BASE);
        assertThat(c.kafka().bootstrapServers()).contains("broker:9092");
        assertThat(c.registry().url()).contains("http://reg:8081");
        assertThatThrownBy(() -> parse("kafka:\n  bootstrap_servers: ${NOPE}\n" + BASE))
                .isInstanceOf(ConfigException.class)
                .hasMessage("test.yaml:2: environment variable NOPE is not set and has no default (${NOPE:-default})");
    }

    @Test
    void anUnknownKeyNamesFileLineAndKey() {
        String yaml = BASE.replace("    match:\n      email: email\n", "    match:\n      emial: email\n");
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("test.yaml:13: sources.crm.contacts.match.emial: unknown match key 'emial'")
                .satisfies(e -> {
                    ConfigException ce = (ConfigException) e;
                    assertThat(ce.file()).isEqualTo("test.yaml");
                    assertThat(ce.line()).isEqualTo(13);
                    assertThat(ce.key()).isEqualTo("sources.crm.contacts.match.emial");
                });
    }

    @Test
    void aMisspeltSectionKeyIsRejected() {
        assertThatThrownBy(() -> parse("streams:\n  partitons: 3\n" + BASE))
                .hasMessageStartingWith("test.yaml:2: streams.partitons: unknown key; expected one of");
    }

    @Test
    void unknownSystemsAttributesAndSourcesAreReportedWhereTheyAreUsed() {
        assertThatThrownBy(() -> parse(BASE.replace("fallback: [billing]", "fallback: [biling]")))
                .hasMessage(
                        "test.yaml:20: golden.fields.email.fallback[0]: unknown system 'biling'; declared: [crm, billing]");
        assertThatThrownBy(() -> parse(BASE.replace("system: crm", "system: erp")))
                .hasMessage("test.yaml:8: sources.crm.contacts.system: unknown system 'erp'; declared: [crm, billing]");
        assertThatThrownBy(() -> parse(BASE.replace("email: {owner", "phone: {owner")))
                .hasMessage("test.yaml:20: golden.fields.phone: no parent source maps an attribute named 'phone'");
        assertThatThrownBy(() -> parse(BASE.replace("parent: {source: crm.contacts", "parent: {source: crm.people")))
                .hasMessage("test.yaml:15: sources.billing.subscriptions.parent.source: unknown source 'crm.people'");
        assertThatThrownBy(() -> parse(BASE.replace("function: count", "function: average")))
                .hasMessageStartingWith("test.yaml:22: golden.rollups.active.function: unknown value 'average'");
    }

    @Test
    void badValuesAndBadYaml() {
        assertThatThrownBy(() -> parse("streams:\n  partitions: many\n" + BASE))
                .hasMessage("test.yaml:2: streams.partitions: expected a whole number, got 'many'");
        assertThatThrownBy(() -> parse("http:\n  port: 70000\n" + BASE))
                .hasMessage("test.yaml:2: http.port: not a TCP port: 70000");
        assertThatThrownBy(() -> parse("systems: [\n" + BASE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("test.yaml:")
                .hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> parse("capture:\n  databases:\n    crm: {jdbc_url: 'postgres://x/crm'}\n" + BASE))
                .hasMessage(
                        "test.yaml:3: capture.databases.crm.jdbc_url: expected jdbc:postgresql://host[:port]/database");
    }

    @Test
    void secretsComeFromFilesAndNeverAppearInErrors(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        java.nio.file.Path secret = tmp.resolve("pg-password");
        java.nio.file.Files.writeString(secret, "s3cr#t:pw\n");
        AurumConfig c = parse("capture:\n  databases:\n    crm:\n      jdbc_url: jdbc:postgresql://pg:5432/crm\n"
                + "      password: '${file:" + secret + "}'\n      sslmode: verify-full\n"
                + "      sslrootcert: /etc/aurum/ca.pem\n"
                + BASE);
        AurumConfig.CaptureDatabase db = c.capture().databases().get("crm");
        assertThat(db.password()).isEqualTo("s3cr#t:pw");
        assertThat(db.ssl()).containsEntry("sslmode", "verify-full").containsEntry("sslrootcert", "/etc/aurum/ca.pem");
        assertThat(db.toString()).doesNotContain("s3cr#t");
        assertThatThrownBy(() -> parse(
                        "kafka:\n  properties:\n    sasl.jaas.config: ${file:" + tmp.resolve("missing") + "}\n" + BASE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("test.yaml:3: cannot read " + tmp.resolve("missing"));
        assertThatThrownBy(() -> parse("capture:\n  databases:\n    crm: {jdbc_url: 'jdbc:postgresql://pg/crm', "
                        + "sslmode: verify-everything}\n" + BASE))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sslmode: expected one of disable");
    }

    @Test
    void captureDatabasesParseJdbcUrls() {
        AurumConfig c = parse(
                "capture:\n  databases:\n    crm: {jdbc_url: 'jdbc:postgresql://pg.internal:6543/crm_prod', user: aurum, password: s}\n"
                        + BASE);
        AurumConfig.CaptureDatabase db = c.capture().databases().get("crm");
        assertThat(db.host()).isEqualTo("pg.internal");
        assertThat(db.port()).isEqualTo(6543);
        assertThat(db.database()).isEqualTo("crm_prod");
        assertThat(db.user()).isEqualTo("aurum");
    }

    @Test
    void theDockerConfigRunsTheDemoPipelineAgainstExternalSystems() {
        java.nio.file.Path dir =
                java.nio.file.Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (!java.nio.file.Files.exists(dir.resolve("docker/aurum.yaml"))) {
            dir = dir.getParent();
        }
        java.nio.file.Path file = dir.resolve("docker/aurum.yaml");
        AurumConfig docker = AurumConfig.from(YamlDocument.load(file, Map.of()));
        assertThat(docker.capture().enabled()).isFalse();
        assertThat(docker.kafka().bootstrapServers()).contains("kafka:9092");
        assertThat(docker.registry().url()).contains("http://registry:8080/apis/ccompat/v7");
        assertThat(docker.pipeline())
                .isEqualTo(AurumConfig.fromClasspath("config/demo.yaml").pipeline());
    }
}
