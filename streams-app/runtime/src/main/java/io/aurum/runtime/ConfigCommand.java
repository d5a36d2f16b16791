package io.aurum.runtime;

import picocli.CommandLine.Command;

/** {@code aurum config}: work with a config file without starting anything ({@code check}). */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Check a config file (aurum config check FILE [--connect]).",
        subcommands = {ConfigCheckCommand.class})
public final class ConfigCommand {}
