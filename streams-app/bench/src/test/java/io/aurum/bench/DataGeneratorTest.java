package io.aurum.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.aurum.bench.DataGenerator.Dataset;
import io.aurum.bench.DataGenerator.ParentRecord;
import io.aurum.embedded.EmbeddedPostgresServer;
import io.aurum.normalize.Normalizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataGeneratorTest {
    @TempDir
    Path tmp;

    @Test
    void sameSeedSameBytesOtherSeedOtherData() throws IOException {
        DataGenerator.generate(7, 5_000, tmp.resolve("a"), true, true);
        DataGenerator.generate(7, 5_000, tmp.resolve("b"), true, true);
        DataGenerator.generate(8, 5_000, tmp.resolve("c"), true, true);
        for (String f : files(tmp.resolve("a"))) {
            assertThat(Files.mismatch(
                            tmp.resolve("a").resolve(f), tmp.resolve("b").resolve(f)))
                    .as(f)
                    .isEqualTo(-1L);
        }
        assertThat(Files.mismatch(tmp.resolve("a/truth.csv"), tmp.resolve("c/truth.csv")))
                .isNotEqualTo(-1L);
        assertThat(files(tmp.resolve("a"))).contains("010-crm.sql", "020-billing.sql", "030-support.sql", "truth.csv");
    }

    @Test
    void truthCoversEveryParentRecordAndTheDataIsFragmented() throws IOException {
        Dataset d = DataGenerator.generate(42, 20_000, tmp, false, true);
        assertThat(d.rows()).isGreaterThanOrEqualTo(20_000);
        Map<String, String> truth = ClusterMetrics.readTruth(tmp.resolve("truth.csv"));
        long parents = d.count("crm.contacts") + d.count("billing.customers") + d.count("support.users");
        assertThat(truth).hasSize((int) parents);
        for (String source : List.of("crm.contacts", "billing.customers", "support.users")) {
            for (long id = 1; id <= d.count(source); id++) {
                assertThat(truth).containsKey(source + ":" + id);
            }
        }
        // A perfect resolver scores 1.0 against this truth.
        assertThat(ClusterMetrics.evaluate(truth, truth).f1()).isEqualTo(1.0);

        Map<Integer, List<ParentRecord>> byCustomer =
                d.parents().stream().collect(Collectors.groupingBy(ParentRecord::customer));
        Map<Long, Long> systemsPerCustomer = byCustomer.values().stream()
                .collect(Collectors.groupingBy(
                        rs -> rs.stream().map(ParentRecord::source).distinct().count(), Collectors.counting()));
        assertThat(systemsPerCustomer).containsKeys(1L, 2L, 3L);
        assertThat(byCustomer.values())
                .anyMatch(rs -> rs.stream()
                                .filter(r -> r.source().equals("crm.contacts"))
                                .count()
                        > 1);
        assertThat(d.parents()).anyMatch(r -> r.email() != null && !r.email().equals(Normalizers.email(r.email())));
        assertThat(d.parents()).anyMatch(r -> r.email() == null && r.phone() == null || r.email() == null);
        assertThat(d.parents()).anyMatch(r -> r.phone() != null && r.phone().contains("("));

        // Normalised identifiers belong to one customer each, except the deliberate hubs.
        Map<String, Set<Integer>> owners = new HashMap<>();
        for (ParentRecord r : d.parents()) {
            String e = Normalizers.email(r.email());
            if (e != null) {
                owners.computeIfAbsent(e, k -> new HashSet<>()).add(r.customer());
            }
            String p = Normalizers.phone(r.phone(), r.country(), "US");
            if (p != null) {
                owners.computeIfAbsent(p, k -> new HashSet<>()).add(r.customer());
            }
        }
        Set<String> shared = owners.entrySet().stream()
                .filter(e -> e.getValue().size() > 1)
                .map(Map.Entry::getKey)
                .collect(Collectors.toSet());
        assertThat(shared)
                .isNotEmpty()
                .allMatch(v -> v.startsWith("info@bookkeeping-partners") || v.startsWith("+1900555"));
    }

    @Test
    void seedFilesLoadIntoTheDemoSchema() throws Exception {
        Dataset d = DataGenerator.generate(3, 3_000, tmp.resolve("seed"), true, false);
        try (EmbeddedPostgresServer pg = new EmbeddedPostgresServer(tmp.resolve("pg")).start()) {
            for (String db : List.of("crm", "billing", "support")) {
                pg.createDatabaseIfMissing(db);
                pg.executeSql(
                        db,
                        new String(getClass()
                                .getClassLoader()
                                .getResourceAsStream("demo/schema/" + db + ".sql")
                                .readAllBytes()));
            }
            pg.executeSql("crm", Files.readString(tmp.resolve("seed/010-crm.sql")));
            pg.executeSql("billing", Files.readString(tmp.resolve("seed/020-billing.sql")));
            pg.executeSql("support", Files.readString(tmp.resolve("seed/030-support.sql")));
            for (DataGenerator.TableDef t : DataGenerator.TABLES) {
                try (Connection c = pg.connect(t.database());
                        Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + t.table())) {
                    rs.next();
                    assertThat(rs.getLong(1)).as(t.source()).isEqualTo(d.count(t.source()));
                }
            }
        }
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
