package io.aurum.runtime;

import io.aurum.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code aurum} command of the production deployable (the container, {@code aurum run}): only what runs
 * against external systems. The full command line of the repository ({@code ./aurum}, with local mode and the
 * benchmarks) is {@code io.aurum.cli.AurumCli}, which adds its commands to these.
 */
@Command(
        name = "aurum",
        mixinStandardHelpOptions = true,
        version = "aurum 0.1.0",
        description = "Golden customer records from CDC streams.",
        subcommands = {
            RunCommand.class,
            GoldenCommand.class,
            ConfigCommand.class,
            LagCommand.class,
            DlqCommand.class,
            VerifyCommand.class,
            ResetCommand.class
        })
public final class RuntimeCli {
    public static void main(String[] args) {
        System.exit(execute(new RuntimeCli(), args));
    }

    /** Runs {@code command} with Aurum's error reporting: a config error names file, line and key (exit 2). */
    public static int execute(Object command, String... args) {
        CommandLine cli = new CommandLine(command);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigException ce) {
                cmd.getErr().println("config error: " + ce.getMessage());
                return 2;
            }
            cmd.getErr().println("aurum: " + e.getMessage());
            if (!(e instanceof IllegalArgumentException)) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cli.execute(args);
    }
}
