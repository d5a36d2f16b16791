package io.aurum.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresServerTest {

    @TempDir
    Path dir;

    @Test
    void dataSurvivesRestartAndLogicalReplicationIsEnabled() throws Exception {
        Path dataDir = dir.resolve("pg");
        try (EmbeddedPostgresServer pg = new EmbeddedPostgresServer(dataDir).start()) {
            assertThat(pg.createDatabaseIfMissing("crm")).isTrue();
            assertThat(pg.createDatabaseIfMissing("crm")).isFalse();
            pg.executeSql("crm", """
                    CREATE TABLE contacts (id int PRIMARY KEY, name text);
                    INSERT INTO contacts VALUES (1, 'Ada');
                    INSERT INTO contacts VALUES (2, 'Grace');
                    """);
            assertThat(query(pg, "crm", "SHOW wal_level")).containsExactly("logical");
            assertThatThrownBy(() -> pg.executeSql("crm", "SELECT * FROM missing_table"))
                    .hasMessageContaining("crm")
                    .hasCauseInstanceOf(java.sql.SQLException.class);
        }
        try (EmbeddedPostgresServer pg = new EmbeddedPostgresServer(dataDir).start()) {
            assertThat(pg.createDatabaseIfMissing("crm")).isFalse();
            assertThat(query(pg, "crm", "SELECT name FROM contacts ORDER BY id"))
                    .containsExactly("Ada", "Grace");
        }
    }

    private static List<String> query(EmbeddedPostgresServer pg, String db, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = pg.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
