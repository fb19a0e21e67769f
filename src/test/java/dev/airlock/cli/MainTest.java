package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.testing.CommandResult;
import org.junit.jupiter.api.Test;

/** The command line adds only the subcommand a run names; help still lists them all. */
class MainTest {
  static final String[] ALL = {"bundle", "verify", "import", "audit", "serve", "key", "verify-blob", "inspect", "copy",
      "help"};

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
}
