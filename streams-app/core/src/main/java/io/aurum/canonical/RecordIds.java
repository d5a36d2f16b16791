package io.aurum.canonical;

/** The one spelling of a source record's id, {@code <database>.<table>:<key>}, used in keys and xref. */
public final class RecordIds {
    private RecordIds() {}

    public static String of(String source, String key) {
        return source + ":" + key;
    }

    public static String source(String recordId) {
        return recordId.substring(0, recordId.indexOf(':'));
    }

    public static String key(String recordId) {
        return recordId.substring(recordId.indexOf(':') + 1);
    }
}
