package io.aurum.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates files of the repository from a test, whatever the working directory (repo root or module). */
final class RepoPaths {

    private RepoPaths() {}

    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("streams-app/pom.xml")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root not found above " + dir);
    }

    static Path resolve(String relative) {
        return root().resolve(relative);
    }

    static Path demo() {
        return resolve("streams-app/local/src/main/resources/demo");
    }
}
