package dev.airlock.cli;

import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.VerificationException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;

/** The {@code airlock} command: a thin shell over the library. */
@Command(
    name = "airlock",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Offline air-gap bundler and mirror for OCI content.",
      "Export images, charts and artifacts with their signatures into one signed bundle,",
      "verify it offline, and import it into an internal registry."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:error (bad input, network or registry failure)",
      "2:usage error, or command not available yet",
      "3:verification failed (signature, policy or integrity)"
    })
public final class Main implements Runnable {
  @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of errors.")
  boolean debug;

  @picocli.CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    // verify and import start this warm-up (Jackson's first mapper and manifest, SQLite's native library) when
    // verification begins; started here it overlaps picocli's model of the command instead (same work, same thread)
    String first = firstArgument(args);
    if ("import".equals(first) || "verify".equals(first)) {
      dev.airlock.verify.integrity.LayoutCheckWarmUp.start();
    }
    int code = run(args);
    // The JVM's exit waits ~300 ms for threads in native code: end the HTTP clients' selectors first.
    dev.airlock.registry.http.ClientThreads.stopSelectors(100);
    System.exit(code);
  }

  /** Runs the CLI and returns the exit code; used by tests. */
  public static int run(String... args) {
    return commandLine(args).execute(args);
  }

  /**
   * The subcommands in the order help lists them. Picocli reads a command's annotations when it is added,
   * so a run adds only the command it was asked for. The top-level help (and a run naming no command, or
   * one it does not know) lists every command, but needs only its name and description: those commands are
   * added as specs made from their {@code @Command} annotation alone, without the model of their options
   * and mixins (each annotation type read costs a proxy class; `--help` spent most of its time there).
   * {@code airlock help COMMAND} adds every command in full.
   */
  private static final Map<String, Sub> COMMANDS = commands();

  /** A subcommand: its class (for the listing) and how to make it (for a run). */
  private record Sub(Class<?> type, Supplier<Object> make) {}

  private static Map<String, Sub> commands() {
    Map<String, Sub> m = new LinkedHashMap<>();
    m.put("bundle", new Sub(BundleCommand.class, BundleCommand::new));
    m.put("verify", new Sub(VerifyCommand.class, VerifyCommand::new));
    m.put("import", new Sub(ImportCommand.class, ImportCommand::new));
    m.put("mirror", new Sub(MirrorCommand.class, MirrorCommand::new));
    m.put("audit", new Sub(AuditCommand.class, AuditCommand::new));
    m.put("diff", new Sub(DiffCommand.class, DiffCommand::new));
    m.put("serve", new Sub(ServeCommand.class, ServeCommand::new));
    m.put("key", new Sub(KeyCommand.class, KeyCommand::new));
    m.put("verify-blob", new Sub(VerifyBlobCommand.class, VerifyBlobCommand::new));
    m.put("verify-image", new Sub(VerifyImageCommand.class, VerifyImageCommand::new));
    m.put("inspect", new Sub(InspectCommand.class, InspectCommand::new));
    m.put("copy", new Sub(CopyCommand.class, CopyCommand::new));
    m.put("extract-self", new Sub(ExtractSelfCommand.class, ExtractSelfCommand::new));
    m.put("receipt", new Sub(ReceiptCommand.class, ReceiptCommand::new));
    m.put("help", new Sub(CommandLine.HelpCommand.class, CommandLine.HelpCommand::new));
    return m;
  }

  /** The subcommands' names, in the order help lists them. */
  static java.util.Set<String> commandNames() {
    return java.util.Collections.unmodifiableSet(COMMANDS.keySet());
  }

  /** The whole command line, every subcommand added in full. */
  public static CommandLine commandLine() {
    CommandLine cl = topLevel();
    COMMANDS.forEach((name, sub) -> cl.addSubcommand(name, sub.make().get()));
    return handlers(cl);
  }

  /**
   * The command line for {@code args}: when they name a subcommand (not help), only that one is added; for
   * {@code help} every one in full; otherwise (top-level help or version, no command, an unknown name) every
   * one as a listing: name and description, enough for the help's command list and picocli's suggestions.
   */
  public static CommandLine commandLine(String[] args) {
    String first = firstArgument(args);
    if ("help".equals(first)) {
      return commandLine();
    }
    CommandLine cl = topLevel();
    if (first != null && COMMANDS.containsKey(first)) {
      cl.addSubcommand(first, COMMANDS.get(first).make().get());
    } else {
      COMMANDS.forEach((name, sub) -> cl.addSubcommand(name, new CommandLine(listing(name, sub.type()))));
    }
    return handlers(cl);
  }

  /** The command {@code args} name (their first non-option argument), or null for help, version or none. */
  private static String firstArgument(String[] args) {
    for (String a : args) {
      if (a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")) {
        return null; // the top level answers: its help lists every command
      }
      if (!a.startsWith("-")) {
        return a;
      }
    }
    return null;
  }

  /**
   * The top level, {@code airlock} itself, built as its {@code @Command} and {@code @Option} annotations above
   * describe it, but without picocli reading them: reading a class's annotations (and the standard help options'
   * mixin class) costs every command about 25 ms of CPU in a fresh JVM, an annotation proxy class each. MainTest
   * checks that this model gives the same help, version and inherited {@code --debug} as the annotations.
   */
  static CommandLine topLevel() {
    Main main = new Main();
    CommandLine.Model.CommandSpec spec = CommandLine.Model.CommandSpec.wrapWithoutInspection(main);
    main.spec = spec;
    spec.name("airlock").versionProvider(new Version());
    spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
        .description("Show this help message and exit.").build());
    spec.addOption(CommandLine.Model.OptionSpec.builder("-V", "--version").versionHelp(true)
        .description("Print version information and exit.").build());
    spec.addOption(CommandLine.Model.OptionSpec.builder("--debug").type(boolean.class).scopeType(CommandLine.ScopeType.INHERIT)
        .description("Print stack traces of errors.").build());
    Command c = Main.class.getAnnotation(Command.class);
    Map<String, String> exitCodes = new LinkedHashMap<>();
    for (String e : c.exitCodeList()) {
      int colon = e.indexOf(':');
      exitCodes.put(e.substring(0, colon), e.substring(colon + 1));
    }
    spec.usageMessage().description(c.description()).exitCodeListHeading(c.exitCodeListHeading()).exitCodeList(exitCodes);
    return new CommandLine(spec);
  }

  /** A command as the top-level help lists it, from its {@code @Command} annotation alone. */
  static CommandLine.Model.CommandSpec listing(String name, Class<?> type) {
    Command c = type.getAnnotation(Command.class);
    CommandLine.Model.CommandSpec spec = CommandLine.Model.CommandSpec.create().name(name).aliases(c.aliases());
    spec.usageMessage().header(c.header()).description(c.description()).hidden(c.hidden());
    return spec;
  }

  private static CommandLine handlers(CommandLine cl) {
    cl.setExecutionExceptionHandler(Main::handle);
    cl.setParameterExceptionHandler(Main::usageError);
    cl.setExitCodeExceptionMapper(Main::exitCodeFor);
    return cl;
  }

  static int exitCodeFor(Throwable t) {
    if (t instanceof CommandLine.ParameterException) {
      return ExitCodes.USAGE;
    }
    if (t instanceof VerificationException) {
      return ExitCodes.VERIFICATION_FAILED;
    }
    return ExitCodes.ERROR;
  }

  /**
   * A usage error: its one line, picocli's suggestion for a misspelt name, and where the help is, instead of
   * the whole help text (which pushed the error itself off the screen).
   */
  private static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println("airlock: " + e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for the options.");
    err.flush();
    return ExitCodes.USAGE;
  }

  private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parseResult) {
    PrintWriter err = cl.getErr();
    boolean debug = parseResult != null && isDebug(parseResult);
    err.println("airlock: " + oneLine(e));
    if (debug) {
      e.printStackTrace(err);
    }
    err.flush();
    return exitCodeFor(e);
  }

  private static boolean isDebug(CommandLine.ParseResult pr) {
    CommandLine.ParseResult r = pr;
    while (r != null) {
      if (r.hasMatchedOption("--debug")) {
        return true;
      }
      r = r.subcommand();
    }
    return false;
  }

  /** One line that says what went wrong, without a stack trace. */
  static String oneLine(Throwable e) {
    Throwable t = e;
    if ((t instanceof java.util.concurrent.ExecutionException || t instanceof java.util.concurrent.CompletionException
        || t instanceof java.io.UncheckedIOException) && t.getCause() != null) {
      t = t.getCause();
    }
    String msg = t.getMessage();
    if (t instanceof InvalidInputException || t instanceof NotFoundException || t instanceof VerificationException
        || t instanceof dev.airlock.AirlockException) {
      return firstLine(msg);
    }
    if (t instanceof java.nio.file.NoSuchFileException) {
      return "no such file: " + msg;
    }
    if (t instanceof java.nio.file.AccessDeniedException) {
      return "permission denied: " + msg;
    }
    if (t instanceof java.net.ConnectException) {
      return "connection refused" + (msg != null ? ": " + firstLine(msg) : "");
    }
    if (t instanceof IOException) {
      return firstLine(msg != null ? msg : t.getClass().getSimpleName());
    }
    return t.getClass().getSimpleName() + (msg != null ? ": " + firstLine(msg) : "");
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Reads the version Maven wrote into the jar. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"airlock " + version()};
    }
  }

  public static String version() {
    Properties p = new Properties();
    try (InputStream in = Main.class.getResourceAsStream("/dev/airlock/version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // fall through
    }
    return p.getProperty("version", "dev");
  }
}
