package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.testing.CommandResult;
import org.junit.jupiter.api.Test;

/** The command line adds only the subcommand a run names; help still lists them all. */
class MainTest {
  static final String[] ALL = {"bundle", "verify", "import", "mirror", "audit", "diff", "serve", "key", "verify-blob", "verify-image", "inspect", "copy",
      "extract-self", "receipt", "help"};

  @Test
  void aRunThatNamesACommandBuildsOnlyThatOne() {
    assertThat(Main.commandLine(new String[] {"--debug", "verify", "b.tar"}).getSubcommands()).containsOnlyKeys("verify");
    assertThat(Main.commandLine(new String[] {"import", "--help"}).getSubcommands()).containsOnlyKeys("import");
  }

  @Test
  void helpAndUnknownNamesSeeEveryCommand() {
    assertThat(Main.commandLine(new String[0]).getSubcommands()).containsOnlyKeys(ALL);
    assertThat(Main.commandLine(new String[] {"-h", "import"}).getSubcommands()).containsOnlyKeys(ALL);
    assertThat(Main.commandLine(new String[] {"help", "import"}).getSubcommands()).containsOnlyKeys(ALL);
    assertThat(Main.commandLine(new String[] {"imprt"}).getSubcommands()).containsOnlyKeys(ALL);

    CommandResult top = CommandResult.run("--help");
    assertThat(top.exitCode()).isZero();
    for (String name : ALL) {
      assertThat(top.out()).contains("\n  " + name + " ");
    }
    CommandResult sub = CommandResult.run("help", "import");
    assertThat(sub.out()).startsWith("Usage: airlock import ");
    CommandResult typo = CommandResult.run("imprt");
    assertThat(typo.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(typo.err()).contains("Unmatched argument at index 0: 'imprt'").contains("import");
  }

  /** The top level built without reading Main's annotations says what picocli makes of those annotations. */
  @Test
  void theTopLevelBuiltByHandIsTheOneItsAnnotationsDescribe() {
    picocli.CommandLine annotated = new picocli.CommandLine(new Main());
    picocli.CommandLine byHand = Main.topLevel();
    for (String name : new String[] {"verify", "import", "key"}) { // a command with subcommands of its own too
      annotated.addSubcommand(name, name.equals("verify") ? new VerifyCommand() : name.equals("import")
          ? new ImportCommand() : new KeyCommand());
      byHand.addSubcommand(name, name.equals("verify") ? new VerifyCommand() : name.equals("import")
          ? new ImportCommand() : new KeyCommand());
    }
    assertThat(byHand.getUsageMessage(picocli.CommandLine.Help.Ansi.OFF))
        .isEqualTo(annotated.getUsageMessage(picocli.CommandLine.Help.Ansi.OFF)).contains("Exit codes:");
    for (String name : new String[] {"verify", "import", "key"}) { // --debug inherited, same help below
      assertThat(byHand.getSubcommands().get(name).getUsageMessage(picocli.CommandLine.Help.Ansi.OFF))
          .isEqualTo(annotated.getSubcommands().get(name).getUsageMessage(picocli.CommandLine.Help.Ansi.OFF))
          .contains("--debug");
    }
    assertThat(byHand.getSubcommands().get("key").getSubcommands().get("generate")
        .getUsageMessage(picocli.CommandLine.Help.Ansi.OFF)).isEqualTo(annotated.getSubcommands().get("key")
        .getSubcommands().get("generate").getUsageMessage(picocli.CommandLine.Help.Ansi.OFF)).contains("--debug");
    assertThat(byHand.getCommandSpec().version()).isEqualTo(annotated.getCommandSpec().version());
    assertThat(byHand.getCommandSpec().qualifiedName()).isEqualTo("airlock");
    // and it runs as before: --version, airlock alone (its help), --debug after a command
    CommandResult version = CommandResult.run("--version");
    assertThat(version.exitCode()).isZero();
    assertThat(version.out().strip()).isEqualTo("airlock " + Main.version());
    CommandResult alone = CommandResult.run();
    assertThat(alone.exitCode()).isZero();
    assertThat(alone.out()).startsWith("Usage: airlock [-hV] [--debug] [COMMAND]").contains("Commands:", "Exit codes:");
    CommandResult debug = CommandResult.run("verify", "/nonexistent/b.tar", "--allow-unsigned", "--debug");
    assertThat(debug.exitCode()).isEqualTo(ExitCodes.ERROR);
    assertThat(debug.err()).contains("\tat ");
  }

  @Test
  void theTopLevelHelpListsCommandsWithoutTheirOptionModelsAndSaysTheSame() {
    picocli.CommandLine listing = Main.commandLine(new String[] {"--help"});
    // a listing: name and description only (no option of any command was read; --debug is inherited)
    assertThat(listing.getSubcommands().get("verify").getCommandSpec().findOption("--key")).isNull();
    assertThat(listing.getSubcommands().get("import").getCommandSpec().findOption("--to")).isNull();
    // the same help text as with every command built in full
    assertThat(listing.getUsageMessage(picocli.CommandLine.Help.Ansi.OFF))
        .isEqualTo(Main.commandLine().getUsageMessage(picocli.CommandLine.Help.Ansi.OFF));
    assertThat(Main.commandLine(new String[] {"help", "verify"}).getSubcommands().get("verify").getCommandSpec()
        .findOption("--key")).isNotNull();
  }

  @Test
  void anImportHistoryPathThatDoesNotExistIsAnErrorNotAnEmptyHistory(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
    CommandResult r = CommandResult.run("audit", "--imports", "--catalog", tmp.resolve("histroy.db").toString());
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.err().strip()).isEqualTo("airlock: no import history at " + tmp.resolve("histroy.db"));
    assertThat(tmp.resolve("histroy.db")).doesNotExist();
  }

  @Test
  void servingOnAnAddressInUseNamesTheAddress(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    dev.airlock.store.LayoutStore.openOrCreate(tmp.resolve("layout"));
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      String addr = "127.0.0.1:" + taken.getLocalPort();
      CommandResult r = CommandResult.run("serve", tmp.resolve("layout").toString(), "--addr", addr);
      assertThat(r.exitCode()).isNotZero();
      assertThat(r.err().strip()).startsWith("airlock: cannot listen on " + addr + ": ").doesNotContain("\n");
    }
  }

  @Test
  void aUsageErrorIsItsLineAndWhereTheHelpIsNotTheWholeHelp() {
    CommandResult r = CommandResult.run("audit");
    assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err().lines()).containsExactly("airlock: name the bundle to audit, or use --imports",
        "Try 'airlock audit --help' for the options.");
    CommandResult flag = CommandResult.run("verify", "--kye", "k.pub", "b.tar");
    assertThat(flag.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(flag.err()).startsWith("airlock: Unknown option").contains("'--kye'").contains("Try 'airlock verify --help'");
    assertThat(flag.err().lines().count()).isLessThan(5);
    CommandResult format = CommandResult.run("verify", "b.tar", "-o", "yaml");
    assertThat(format.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(format.err()).startsWith("airlock: -o must be table or json, not 'yaml'");
  }
}
