package dev.airlock.testing;

import dev.airlock.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the CLI in-process and captures exit code, stdout and stderr. */
public record CommandResult(int exitCode, String out, String err) {
  public static CommandResult run(String... args) {
    CommandLine cl = Main.commandLine(args); // as bin/airlock builds it: only the named subcommand
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new CommandResult(code, out.toString(), err.toString());
  }
}
