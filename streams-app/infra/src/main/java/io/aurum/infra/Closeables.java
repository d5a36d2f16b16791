package io.aurum.infra;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Stopping several things in order, where one failing to stop must not keep the others running. */
public final class Closeables {
    private static final Logger LOG = LoggerFactory.getLogger(Closeables.class);

    private Closeables() {}

    /** Closes {@code c} (null is fine); a failure is logged as a warning, not thrown. */
    public static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("Error while stopping {}: {}", c.getClass().getSimpleName(), e.toString());
        }
    }
}
