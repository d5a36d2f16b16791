package io.aurum.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.avro.util.ClassSecurityValidator;
import org.junit.jupiter.api.Test;

class AvroTrustTest {

    @Test
    void trustsOurGeneratedPackageButNothingElse() {
        AvroTrust.ensureInstalled();
        assertThat(ClassSecurityValidator.getGlobal().isTrusted(io.aurum.schemas.GoldenCustomer.class))
                .isTrue();
        // A class Avro must keep refusing: nothing we do may widen trust beyond the generated packages.
        assertThat(ClassSecurityValidator.getGlobal().isTrusted(java.io.File.class))
                .isFalse();
    }

    /**
     * The build passes {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.aurum} to tests, which would hide a broken
     * trust setup, so the real check runs in a JVM without it.
     */
    @Test
    void deserializerWorksInAJvmWithoutTheSystemProperty() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path")));
        // The build's logging setup (quiet), so the probe's output fits the pipe that is only read once it exited.
        String logging = System.getProperty("logback.configurationFile");
        if (logging != null) {
            command.add("-Dlogback.configurationFile=" + logging);
        }
        command.add(TrustProbe.class.getName());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
        }
        assertThat(done).as("probe finished").isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("plain Avro refused").contains("OK");
    }
}
