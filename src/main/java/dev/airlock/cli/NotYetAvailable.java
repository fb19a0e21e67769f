package dev.airlock.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Base of commands whose implementation has not landed yet: they say so and exit 2. */
abstract class NotYetAvailable implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getErr().println("airlock " + spec.name() + ": not available yet in this version");
    return ExitCodes.USAGE;
  }
}
