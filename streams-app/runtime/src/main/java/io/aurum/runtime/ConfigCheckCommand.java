package io.aurum.runtime;

import io.aurum.config.AurumConfig;
import io.aurum.config.AurumConfig.CaptureDatabase;
import io.aurum.golden.GoldenTable;
import io.aurum.topology.Topics;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code aurum config check FILE [--connect [DB=JDBC_URL]...]}: validates a config without starting the pipeline. A
 * mistake in the file is reported with file, line and key (exit 2, like every command). Then it prints what the
 * config captures and produces. With {@code --connect} it also connects to each source database (the config's
 * {@code capture.databases}, or the URLs given) and checks what Debezium and Aurum will need there: every configured
 * table and column exists, every column's type is one Aurum decodes and fits its golden field, each table is in the
 * capture's publication or can be added to it, and logical replication is on. Exit 1 when a check fails.
 */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = "Validate a config file (file, line and key of each mistake) and print what it captures and"
                + " produces; with --connect, check the source databases too.")
public final class ConfigCheckCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The config file.")
    Path file;

    @Option(
            names = "--connect",
            arity = "0..*",
            paramLabel = "DB=JDBC_URL",
            description = "Connect to the source databases and check their tables, columns, types, publications and"
                    + " wal_level. Without values: the config's capture.databases; DB=jdbc:postgresql://host:port/db"
                    + " adds or overrides one.")
    List<String> connect;

    @Option(
            names = "--user",
            description = "Database user for --connect URLs (default: capture.databases' or postgres).")
    String user;

    @Option(names = "--password", description = "Database password for --connect URLs.")
    String password;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        AurumConfig config = AurumConfig.load(file);
        // Building the typed table's schema validates the golden field names and types once more, as Avro sees them.
        GoldenTable.schemaFor(config.pipeline());
        out.println("config ok: " + file);
        out.println();
        ConfigSummary.print(config, out);
        if (connect == null) {
            out.println();
            out.println("Not checked against the databases (add --connect).");
            return 0;
        }
        Map<String, CaptureDatabase> targets = targets(config);
        out.println();
        List<String> problems = new ArrayList<>();
        for (String db : ConfigSummary.databases(config)) {
            CaptureDatabase target = targets.get(db);
            if (target == null) {
                problems.add(db + ": no JDBC URL (list it under capture.databases or pass --connect " + db
                        + "=jdbc:postgresql://host:port/" + db + ")");
                continue;
            }
            problems.addAll(new SourceDatabaseCheck(config, target, out).run());
        }
        out.println();
        if (problems.isEmpty()) {
            out.println("All source databases are ready for capture.");
            return 0;
        }
        out.println(problems.size() + " problem(s):");
        problems.forEach(p -> out.println("  - " + p));
        return 1;
    }

    private Map<String, CaptureDatabase> targets(AurumConfig config) {
        Map<String, CaptureDatabase> targets =
                new LinkedHashMap<>(config.capture().databases());
        for (String given : connect) {
            int eq = given.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--connect takes DB=JDBC_URL, got '" + given + "'");
            }
            String db = given.substring(0, eq);
            String url = given.substring(eq + 1);
            java.net.URI uri = java.net.URI.create(url.replaceFirst("^jdbc:", ""));
            CaptureDatabase existing = targets.get(db);
            targets.put(
                    db,
                    new CaptureDatabase(
                            db,
                            uri.getHost(),
                            uri.getPort() < 0 ? 5432 : uri.getPort(),
                            uri.getPath().substring(1),
                            user != null ? user : existing != null ? existing.user() : "postgres",
                            password != null ? password : existing != null ? existing.password() : "",
                            existing != null ? existing.ssl() : Map.of()));
        }
        if (user != null || password != null) {
            targets.replaceAll((db, t) -> new CaptureDatabase(
                    db,
                    t.host(),
                    t.port(),
                    t.database(),
                    user != null ? user : t.user(),
                    password != null ? password : t.password(),
                    t.ssl()));
        }
        return targets;
    }

    /** The topic names of the summary, for tests and docs. */
    static String goldenTableSubject() {
        return Topics.GOLDEN_TABLE + "-value";
    }
}
