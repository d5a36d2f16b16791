package io.aurum.capture;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One Postgres database to capture.
 *
 * @param name             logical name, used as Debezium's {@code topic.prefix} (topics are {@code <name>.<schema>.<table>})
 * @param tableIncludeList Debezium {@code table.include.list} entries ({@code schema.table} regexes); empty captures
 *                         every table
 * @param slotName         logical replication slot; defaults to {@code aurum_<database>}
 * @param publicationName  pgoutput publication; defaults to {@code aurum_<database>}
 * @param topics           the change topics the pipeline reads from this database: when a blocking snapshot of
 *                         the database completes, each of their partitions gets a snapshot-completed marker, empty
 *                         tables included, so that rows the snapshot did not see are removed downstream
 * @param ssl              pgjdbc TLS settings ({@code sslmode}, {@code sslrootcert}, ...), for Debezium's connections
 *                         ({@code database.sslmode}, ...) and Aurum's own (watermarks, slot checks)
 */
public record CaptureSource(
        String name,
        String host,
        int port,
        String database,
        String user,
        String password,
        List<String> tableIncludeList,
        String slotName,
        String publicationName,
        List<String> topics,
        Map<String, String> ssl) {

    public CaptureSource {
        requireText(name, "name");
        requireText(host, "host");
        requireText(database, "database");
        requireText(user, "user");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        password = password == null ? "" : password;
        tableIncludeList = tableIncludeList == null ? List.of() : List.copyOf(tableIncludeList);
        topics = topics == null ? List.of() : List.copyOf(topics);
        ssl = ssl == null ? Map.of() : Map.copyOf(ssl);
        slotName = slotName == null || slotName.isBlank() ? defaultIdentifier(database) : slotName;
        publicationName =
                publicationName == null || publicationName.isBlank() ? defaultIdentifier(database) : publicationName;
    }

    public static CaptureSource of(String name, String host, int port, String database, String user, String password) {
        return new CaptureSource(
                name, host, port, database, user, password, List.of(), null, null, List.of(), Map.of());
    }

    public CaptureSource withSsl(Map<String, String> settings) {
        return new CaptureSource(
                name,
                host,
                port,
                database,
                user,
                password,
                tableIncludeList,
                slotName,
                publicationName,
                topics,
                settings);
    }

    public CaptureSource withTables(List<String> tables) {
        return new CaptureSource(
                name, host, port, database, user, password, tables, slotName, publicationName, topics, ssl);
    }

    public CaptureSource withSlotName(String slot) {
        return new CaptureSource(
                name, host, port, database, user, password, tableIncludeList, slot, publicationName, topics, ssl);
    }

    public CaptureSource withPublicationName(String publication) {
        return new CaptureSource(
                name, host, port, database, user, password, tableIncludeList, slotName, publication, topics, ssl);
    }

    public CaptureSource withTopics(List<String> changeTopics) {
        return new CaptureSource(
                name,
                host,
                port,
                database,
                user,
                password,
                tableIncludeList,
                slotName,
                publicationName,
                changeTopics,
                ssl);
    }

    /** Replication slot names only allow lower-case letters, digits and underscores. */
    private static String defaultIdentifier(String database) {
        String cleaned = database.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        String name = "aurum_" + cleaned;
        return name.length() > 63 ? name.substring(0, 63) : name;
    }

    private static void requireText(String value, String what) {
        if (Objects.requireNonNull(value, what).isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
    }

    @Override
    public String toString() {
        // Never print the password.
        return "CaptureSource[name=" + name + ", " + host + ":" + port + "/" + database + ", tables=" + tableIncludeList
                + ", slot=" + slotName + ", publication=" + publicationName + ", ssl="
                + ssl.getOrDefault("sslmode", "-")
                + "]";
    }
}
