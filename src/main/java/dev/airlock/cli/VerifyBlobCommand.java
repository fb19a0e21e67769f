package dev.airlock.cli;

import picocli.CommandLine.Command;

@Command(name = "verify-blob", mixinStandardHelpOptions = true, description = "Verify a Sigstore bundle over a file, offline.")
final class VerifyBlobCommand extends NotYetAvailable {}
