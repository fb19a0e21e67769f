package dev.airlock.cli;

import picocli.CommandLine.Command;

@Command(name = "verify", mixinStandardHelpOptions = true, description = "Verify a bundle offline: integrity, signatures, trust roots and image policies.")
final class VerifyCommand extends NotYetAvailable {}
