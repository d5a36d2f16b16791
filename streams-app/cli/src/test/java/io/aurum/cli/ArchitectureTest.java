package io.aurum.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The architecture as rules, so that a new back-edge fails the build: Aurum's packages form one straight stack
 * (each uses only packages below it), production code never uses local mode, and the serde and the local registry
 * stay self-contained. docs/architecture.md draws the same stack.
 */
class ArchitectureTest {
    /**
     * Aurum's packages, bottom to top, by module. A package may use the packages before it, never one after it.
     * A new package must be placed here.
     */
    static final List<String> STACK = List.of(
            "schemas", // schemas/: the public Avro contract
            "infra", // infra: topic administration
            "serde", // serde: the Avro wire serde
            "client", // client: the library for downstream services
            "codec", // core: the internal binary form
            "normalize",
            "config",
            "values",
            "canonical",
            "errors", // core, bottom to top
            "steward",
            "identity",
            "cluster",
            "survivorship",
            "golden",
            "resolve", // the resolver: record, identifier and cluster nodes
            "topology",
            "capture",
            "app",
            "http",
            "runtime", // runtime: what the container ships
            "connect", // connect: Aurum's Kafka Connect converter (a Connect plugin, not in the container)
            "registry",
            "embedded", // local-servers: in-JVM registry, broker, Postgres
            "local", // local: aurum local and the demo data
            "bench", // bench: generator, evaluator, Duke
            "cli"); // cli: the aurum command of ./aurum

    /** What production runs: the core and runtime modules (the container ships these). */
    static final List<String> PRODUCTION = STACK.subList(STACK.indexOf("serde"), STACK.indexOf("runtime") + 1);

    /** Local mode, the benchmarks and the full CLI: never used by production code. */
    static final List<String> NOT_PRODUCTION = STACK.subList(STACK.indexOf("registry"), STACK.size());

    static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                // Test jars (local-servers' TestPki, for the security tests) are test code too.
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("io.aurum");
    }

    static String pkg(String name) {
        return "io.aurum." + name + "..";
    }

    static String[] pkgs(List<String> names) {
        return names.stream().map(ArchitectureTest::pkg).toArray(String[]::new);
    }

    @Test
    void everyPackageHasAPlaceInTheStack() {
        Set<String> packages = classes.stream()
                .map(JavaClass::getPackageName)
                .map(p -> p.substring("io.aurum.".length()).split("\\.")[0])
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(STACK)
                .as("ArchitectureTest.STACK (place a new package in the stack)")
                .containsAll(packages);
        assertThat(packages).as("every package of the stack has classes").containsAll(STACK);
    }

    @Test
    void eachPackageUsesOnlyThePackagesBelowIt() {
        for (int i = 0; i < STACK.size() - 1; i++) {
            noClasses()
                    .that()
                    .resideInAPackage(pkg(STACK.get(i)))
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(pkgs(STACK.subList(i + 1, STACK.size())))
                    .because(STACK.get(i) + " sits below " + STACK.subList(i + 1, STACK.size())
                            + " in the stack (ArchitectureTest.STACK, docs/architecture.md)")
                    .check(classes);
        }
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.aurum.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void productionCodeNeverUsesLocalModeTheBenchmarksOrTheFullCli() {
        noClasses()
                .that()
                .resideInAnyPackage(pkgs(PRODUCTION))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(pkgs(NOT_PRODUCTION))
                .because("the container ships core and runtime only")
                .check(classes);
    }

    @Test
    void productionCodeNeedsNoBrokerNoEmbeddedPostgresAndNoDuke() {
        noClasses()
                .that()
                .resideInAnyPackage(pkgs(PRODUCTION))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "kafka..", "io.zonky..", "no.priv.garshol.duke..", "org.apache.lucene..", "org.mapdb..")
                .because("the runtime module's class path has no Kafka broker, embedded Postgres or Duke")
                .check(classes);
    }

    @Test
    void coreHasNoDebezium() {
        noClasses()
                .that()
                .resideInAnyPackage(pkgs(STACK.subList(STACK.indexOf("serde"), STACK.indexOf("topology") + 1)))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.debezium..", "org.apache.kafka.connect..")
                .because("the topology reads Debezium's JSON as bytes; only capture runs Debezium")
                .check(classes);
    }

    @Test
    void theSerdeAndTheLocalRegistryStaySelfContained() {
        noClasses()
                .that()
                .resideInAPackage(pkg("serde"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(pkgs(without(STACK, "serde")))
                .because("the Avro wire serde is a library: it knows no Aurum code")
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage(pkg("registry"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(pkgs(without(STACK, "registry", "infra")))
                .because("the local schema registry knows no Aurum code but topic administration")
                .check(classes);
    }

    @Test
    void theClientLibraryKnowsOnlyThePublicTopics() {
        noClasses()
                .that()
                .resideInAPackage(pkg("client"))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(pkgs(without(STACK, "client", "serde", "schemas")))
                .orShould()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.kafka.streams..")
                .because(
                        "downstream services depend on the public topics and their schemas, never on Streams internals")
                .check(classes);
    }

    static List<String> without(List<String> all, String... names) {
        return all.stream().filter(n -> !List.of(names).contains(n)).toList();
    }
}
