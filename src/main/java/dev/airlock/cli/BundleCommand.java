package dev.airlock.cli;

import picocli.CommandLine.Command;

@Command(name = "bundle", mixinStandardHelpOptions = true, description = "Resolve a bundle spec and write a signed, deduplicated OCI-layout bundle.")
final class BundleCommand extends NotYetAvailable {}
