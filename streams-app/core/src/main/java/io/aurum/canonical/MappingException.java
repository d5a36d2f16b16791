package io.aurum.canonical;

/** A change event that cannot be parsed or mapped. It goes to the dead-letter topic with this message. */
public final class MappingException extends RuntimeException {
    public MappingException(String message) {
        super(message);
    }

    public MappingException(String message, Throwable cause) {
        super(message, cause);
    }
}
