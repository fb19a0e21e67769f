package dev.airlock.cli;

import picocli.CommandLine.Command;

@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Show the index, manifests, platforms, referrers and sizes at a location.")
final class InspectCommand extends NotYetAvailable {}
