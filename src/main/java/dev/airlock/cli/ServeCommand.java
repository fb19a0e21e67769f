package dev.airlock.cli;

import dev.airlock.serve.RegistryServer;
import dev.airlock.serve.ServedContent;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve a bundle or OCI layout as a read-only OCI registry.",
        "Repositories are the full source names (docker.io/library/alpine) and, when unambiguous, the same"
            + " without the host (library/alpine). Stops on Ctrl-C."})
final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", converter = BundlePathConverter.class, paramLabel = "BUNDLE-OR-LAYOUT", description = "A bundle tarball or an OCI layout directory.")
  Path source;

  @Option(names = "--addr", defaultValue = "127.0.0.1:5000", description = "host:port to listen on (default: ${DEFAULT-VALUE}; port 0 = any free port).")
  String addr;

  @Option(names = "--allow-remote", description = "Allow listening on a non-loopback address.")
  boolean allowRemote;

  @Option(names = "--threads", defaultValue = "" + RegistryServer.DEFAULT_THREADS, description = "Connections served at once, one thread each; beyond that an idle kept-alive connection is closed to make room (default: ${DEFAULT-VALUE}).")
  int threads;

  @Override
  public Integer call() throws Exception {
    ServedContent content = ServedContent.open(source);
    RegistryServer server;
    try {
      server = RegistryServer.start(content, addr, allowRemote, threads, true);
    } catch (RuntimeException | java.io.IOException e) {
      content.close();
      throw e;
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println("serving " + source.toAbsolutePath() + " read-only on http://" + server.hostPort()
        + " (e.g. skopeo inspect --tls-verify=false docker://" + server.hostPort() + "/REPOSITORY:TAG); Ctrl-C stops");
    String delta = dev.airlock.delta.DeltaReport.servedLine(source);
    if (delta != null) {
      out.println(delta);
    }
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      try {
        server.close();
      } catch (java.io.IOException e) {
        // shutting down anyway
      }
      stopped.countDown();
    }, "airlock-serve-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    stopped.await();
    return ExitCodes.OK;
  }
}
