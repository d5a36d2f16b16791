package io.aurum.serde;

/**
 * A registry call failed. Carries the HTTP status and Confluent's {@code error_code} so that callers can tell "not
 * found" (40401 subject, 40402 version, 40403 schema) from "incompatible" (409) from a broken registry (5xx, or
 * status 0 when no registry URL could be reached at all).
 */
public class SchemaRegistryException extends RuntimeException {
    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int VERSION_NOT_FOUND = 40402;
    public static final int SCHEMA_NOT_FOUND = 40403;

    private final int status;
    private final int errorCode;

    public SchemaRegistryException(String message, int status, int errorCode, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(String message, int status, int errorCode) {
        this(message, status, errorCode, null);
    }

    /** The HTTP status, or 0 when no response was received. */
    public int status() {
        return status;
    }

    /** The registry's {@code error_code}, or the HTTP status when the body had none. */
    public int errorCode() {
        return errorCode;
    }

    public boolean isNotFound() {
        return status == 404;
    }
}
