package io.aurum.cli;

import io.aurum.bench.BenchCommand;
import io.aurum.local.LocalCommand;
import io.aurum.runtime.ConfigCommand;
import io.aurum.runtime.DlqCommand;
import io.aurum.runtime.GoldenCommand;
import io.aurum.runtime.LagCommand;
import io.aurum.runtime.ResetCommand;
import io.aurum.runtime.RunCommand;
import io.aurum.runtime.RuntimeCli;
import io.aurum.runtime.VerifyCommand;
import picocli.CommandLine.Command;

/** The {@code aurum} command line of the repository ({@code ./aurum}): local mode, production, golden, benchmarks. */
@Command(
        name = "aurum",
        mixinStandardHelpOptions = true,
        version = "aurum 0.1.0",
        description = "Golden customer records from CDC streams.",
        subcommands = {
            LocalCommand.class,
            RunCommand.class,
            GoldenCommand.class,
            ConfigCommand.class,
            LagCommand.class,
            DlqCommand.class,
            VerifyCommand.class,
            ResetCommand.class,
            BenchCommand.class
        })
public final class AurumCli {
    public static void main(String[] args) {
        System.exit(RuntimeCli.execute(new AurumCli(), args));
    }
}
