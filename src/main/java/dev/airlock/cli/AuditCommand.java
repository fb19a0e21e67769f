package dev.airlock.cli;

import picocli.CommandLine.Command;

@Command(name = "audit", mixinStandardHelpOptions = true, description = "Report what a bundle contains, or what was imported where and when.")
final class AuditCommand extends NotYetAvailable {}
