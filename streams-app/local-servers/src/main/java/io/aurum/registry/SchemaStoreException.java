package io.aurum.registry;

/** The backing store could not read or durably write; the registry answers 500 / 50001 like Confluent's. */
public class SchemaStoreException extends RuntimeException {
    public SchemaStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public SchemaStoreException(String message) {
        super(message);
    }
}
