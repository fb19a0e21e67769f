package dev.airlock.cli;

import picocli.CommandLine.Command;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve a bundle or OCI layout as a read-only OCI registry.")
final class ServeCommand extends NotYetAvailable {}
