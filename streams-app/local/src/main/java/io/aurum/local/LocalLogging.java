package io.aurum.local;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.joran.spi.JoranException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Where {@code aurum local} logs: everything to a file ({@code <data dir>/aurum.log} unless told otherwise), and on
 * the console only the banner, the progress lines and Aurum's own warnings and errors. With {@code --verbose} the
 * console gets the full log as well.
 */
final class LocalLogging {
    static final String CONFIG = "logback-local.xml";

    private LocalLogging() {}

    /** Reconfigures logback; does nothing if another logging backend is in use. */
    static void toFile(Path file, boolean verbose) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return;
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the directory of the log file " + file, e);
        }
        context.reset();
        context.putProperty("aurum.log.file", file.toAbsolutePath().toString());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try (InputStream in = LocalLogging.class.getClassLoader().getResourceAsStream(CONFIG)) {
            configurator.doConfigure(in);
        } catch (IOException | JoranException e) {
            throw new IllegalStateException("cannot configure logging from " + CONFIG + ": " + e.getMessage(), e);
        }
        if (verbose) {
            Logger aurum = context.getLogger("io.aurum");
            Appender<ILoggingEvent> console = aurum.getAppender("CONSOLE");
            aurum.detachAppender(console);
            console.clearAllFilters();
            context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(console);
        }
    }
}
