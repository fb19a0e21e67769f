package dev.airlock.cli;

import picocli.CommandLine.Command;

@Command(name = "import", mixinStandardHelpOptions = true, description = "Verify a bundle, then load it into a registry or an OCI layout.")
final class ImportCommand extends NotYetAvailable {}
