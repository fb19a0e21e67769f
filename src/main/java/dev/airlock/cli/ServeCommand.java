package dev.airlock.cli;

import dev.airlock.bundle.parts.PartSet;
import dev.airlock.serve.Htpasswd;
import dev.airlock.serve.RegistryServer;
import dev.airlock.serve.ServedBundleCheck;
import dev.airlock.serve.ServedContent;
import dev.airlock.serve.TokenAuth;
import dev.airlock.verify.keys.PublicKeys;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve a bundle or OCI layout as a read-only OCI registry. A bundle is verified first"
        + " (as airlock verify, without a policy: --key, or --allow-unsigned); a layout directory is served as it is.",
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

  @Option(names = "--key", paramLabel = "PUB", description = "Pinned public key of the bundle signature (repeatable):"
      + " a bundle is verified before it is served.")
  List<Path> keys = new ArrayList<>();

  @Option(names = "--allow-unsigned", description = "Serve a bundle without a signature, or without checking it (no"
      + " --key); its integrity and the binding of index.json to its root are still checked.")
  boolean allowUnsigned;

  @Option(names = "--htpasswd", paramLabel = "FILE", description = "Require HTTP Basic authentication by a user of"
      + " FILE (bcrypt entries, as htpasswd -B writes them); failed logins are rate-limited and logged without the"
      + " password. Loopback addresses only until serve speaks TLS.")
  Path htpasswd;

  @Option(names = "--token-auth", description = "Use the registry token flow instead of Basic on every request (docker"
      + " login, podman login, helm registry login): GET /token checks the --htpasswd users' passwords and issues"
      + " short-lived pull-only bearer tokens (HS256, signed by a key made at start); the registry accepts only those.")
  boolean tokenAuth;

  @Option(names = "--token-ttl", paramLabel = "DURATION", description = "Lifetime of a --token-auth token: seconds or"
      + " a number with s, m, h; 60s to 24h (default: 5m).")
  String tokenTtl;

  @Option(names = "--token-anonymous", description = "With --token-auth, also give pull tokens to clients that send no"
      + " credentials (a wrong password is still refused).")
  boolean tokenAnonymous;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if ((tokenTtl != null || tokenAnonymous) && !tokenAuth) {
      throw new ParameterException(spec.commandLine(), "--token-ttl and --token-anonymous go with --token-auth");
    }
    if (tokenAuth && htpasswd == null) {
      throw new ParameterException(spec.commandLine(), "--token-auth needs --htpasswd FILE (the users whose passwords"
          + " the token endpoint checks)");
    }
    TokenAuth tokens = !tokenAuth ? null : new TokenAuth(tokenTtl == null ? TokenAuth.DEFAULT_TTL
        : TokenAuth.parseTtl(tokenTtl), TokenAuth.DEFAULT_SERVICE, tokenAnonymous);
    Htpasswd users = htpasswd == null ? null : Htpasswd.read(htpasswd);
    // a bundle (tarball or set of parts) is verified first; a layout directory is served as it is
    long expandedBound = -1;
    if (Files.isRegularFile(source) || PartSet.isPartSet(source)) {
      if (keys.isEmpty() && !allowUnsigned) {
        throw new ParameterException(spec.commandLine(), "serving a bundle needs --key PUB (its signature is checked"
            + " first) or --allow-unsigned");
      }
      List<PublicKey> pks = new ArrayList<>();
      for (Path k : keys) {
        pks.add(PublicKeys.load(k));
      }
      ServedBundleCheck.Checked checked = ServedBundleCheck.check(source, pks, allowUnsigned);
      out.println("verified " + source.getFileName() + ": " + checked.summary());
      out.flush();
      expandedBound = checked.expandedBound();
    }
    ServedContent content = ServedContent.open(source, expandedBound);
    RegistryServer server;
    try {
      server = RegistryServer.start(content, addr, allowRemote, threads, true, users, tokens, line -> {
        synchronized (err) {
          err.println(line);
          err.flush();
        }
      });
    } catch (RuntimeException | java.io.IOException e) {
      content.close();
      throw e;
    }
    out.println("serving " + source.toAbsolutePath() + " read-only on http://" + server.hostPort()
        + (users != null ? " for the users of " + htpasswd : "")
        + (tokens != null ? " (bearer tokens from http://" + server.hostPort() + "/token, valid "
            + tokens.ttl().getSeconds() + " s" + (tokens.anonymous() ? ", also to anonymous clients" : "") + ")" : "")
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
