package io.aurum.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local PostgreSQL 14 server (zonky embedded binaries) prepared for logical replication, with a persistent data
 * directory: a restart on the same directory keeps databases, data and replication slots.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final String USER = "postgres";
    private static final String PASSWORD = "postgres";
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]{0,62}");

    private final Path dataDir;
    private final int requestedPort;
    private boolean shutdownHook = true;
    private final Map<String, String> serverConfig = new LinkedHashMap<>();
    private EmbeddedPostgres postgres;

    /** @param port 0 picks a free port */
    public EmbeddedPostgresServer(Path dataDir, int port) {
        this.dataDir = Objects.requireNonNull(dataDir, "dataDir").toAbsolutePath();
        if (port < 0) {
            throw new IllegalArgumentException("port must be >= 0 (0 picks a free port)");
        }
        this.requestedPort = port;
    }

    public EmbeddedPostgresServer(Path dataDir) {
        this(dataDir, 0);
    }

    /**
     * Postgres is not stopped by a JVM shutdown hook of its own: the owner stops it ({@link #close()}) in its own
     * order, e.g. after the capture that reads from it. (By default a hook stops it when the JVM exits.)
     */
    public synchronized EmbeddedPostgresServer withoutShutdownHook() {
        this.shutdownHook = false;
        return this;
    }

    /**
     * A {@code postgresql.conf} setting applied over Aurum's at the next start, e.g. TLS: {@code ssl=on},
     * {@code ssl_cert_file}, {@code ssl_key_file} (absolute paths; the key readable by its owner only).
     */
    public synchronized EmbeddedPostgresServer withServerConfig(String key, String value) {
        serverConfig.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    public synchronized EmbeddedPostgresServer start() {
        if (postgres != null) {
            throw new IllegalStateException("Postgres already started on port " + port());
        }
        long startNanos = System.nanoTime();
        boolean existing = Files.exists(dataDir.resolve("PG_VERSION"));
        try {
            Files.createDirectories(dataDir);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(shutdownHook)
                    // A loaded machine (or a restart right after a stop) can take longer than zonky's 10 s.
                    .setPGStartupWait(java.time.Duration.ofSeconds(60))
                    .setPort(requestedPort)
                    .setServerConfig("wal_level", "logical")
                    .setServerConfig("max_wal_senders", "10")
                    .setServerConfig("max_replication_slots", "10")
                    // Local development trades crash durability for speed: a power cut may lose the last commits of
                    // a scratch database, which is re-creatable, while every write gets much cheaper.
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off");
            serverConfig.forEach(builder::setServerConfig);
            postgres = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start embedded Postgres in " + dataDir, e);
        }
        LOG.info(
                "Postgres started on port {} in {} ms ({} data dir {})",
                postgres.getPort(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
                existing ? "reused" : "new",
                dataDir);
        return this;
    }

    public String host() {
        return "localhost";
    }

    public synchronized int port() {
        return running().getPort();
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    /** Opens a new connection (autocommit) that the caller closes. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), USER, PASSWORD);
    }

    /** @return true if the database was created, false if it already existed */
    public boolean createDatabaseIfMissing(String database) {
        if (!DATABASE_NAME.matcher(database).matches()) {
            // CREATE DATABASE takes no bind parameters, so only plain identifiers are accepted.
            throw new IllegalArgumentException("Unsupported database name: " + database);
        }
        try (Connection connection = connect("postgres")) {
            try (PreparedStatement exists =
                    connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                exists.setString(1, database);
                try (ResultSet rs = exists.executeQuery()) {
                    if (rs.next()) {
                        return false;
                    }
                }
            }
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE DATABASE \"" + database + "\"");
            }
            LOG.info("Created database {}", database);
            return true;
        } catch (SQLException e) {
            if ("42P04".equals(e.getSQLState())) { // created concurrently by someone else
                return false;
            }
            throw new IllegalStateException("Could not create database " + database, e);
        }
    }

    /**
     * Runs a whole SQL script (any number of statements separated by semicolons) in autocommit mode. The simple
     * query protocol is used because it is the one that accepts several statements in one string.
     */
    public void executeSql(String database, String sqlText) {
        try (Connection connection =
                        DriverManager.getConnection(jdbcUrl(database) + "?preferQueryMode=simple", USER, PASSWORD);
                Statement statement = connection.createStatement()) {
            statement.execute(sqlText);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL script failed in database " + database + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        EmbeddedPostgres running = postgres;
        if (running == null) {
            return;
        }
        postgres = null;
        long startNanos = System.nanoTime();
        try {
            running.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not stop embedded Postgres in " + dataDir, e);
        }
        // zonky gives pg_ctl 5 s; a server whose WAL senders are still streaming to a client takes longer to stop
        // (a fast shutdown sends them the shutdown checkpoint first). It is stopped once its pid file is gone.
        Path pid = dataDir.resolve("postmaster.pid");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (Files.exists(pid) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (Files.exists(pid)) {
            LOG.warn("Postgres in {} has not stopped after 120 s", dataDir);
        }
        LOG.info("Postgres stopped in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    }

    private EmbeddedPostgres running() {
        if (postgres == null) {
            throw new IllegalStateException("Postgres not started");
        }
        return postgres;
    }
}
