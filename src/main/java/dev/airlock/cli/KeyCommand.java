package dev.airlock.cli;

import picocli.CommandLine.Command;

@Command(name = "key", mixinStandardHelpOptions = true, description = "Generate and inspect cosign-compatible signing keys.")
final class KeyCommand extends NotYetAvailable {}
