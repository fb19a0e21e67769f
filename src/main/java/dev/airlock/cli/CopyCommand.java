package dev.airlock.cli;

import picocli.CommandLine.Command;

@Command(name = "copy", mixinStandardHelpOptions = true, description = "Copy an image or index with everything it references between locations.")
final class CopyCommand extends NotYetAvailable {}
