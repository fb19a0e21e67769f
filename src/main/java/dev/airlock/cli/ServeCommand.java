package dev.airlock.cli;

import dev.airlock.bundle.parts.PartSet;
import dev.airlock.serve.AccessLog;
import dev.airlock.serve.Htpasswd;
import dev.airlock.serve.RegistryServer;
import dev.airlock.serve.ServedBundleCheck;
import dev.airlock.serve.ServeTls;
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

  @Option(names = "--allow-remote", description = "Allow listening on a non-loopback address (with --tls-cert/--tls-key,"
      + " or --insecure-plain-http).")
  boolean allowRemote;

  @Option(names = "--tls-cert", paramLabel = "FILE", description = "Serve HTTPS with this PEM certificate chain (the"
      + " server's certificate first, then intermediates); with --tls-key. Both files are read again on SIGHUP and when"
      + " either changes (checked every 2 s); a pair that does not read keeps the previous one, logged in one line.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "The PEM private key of --tls-cert: PKCS#8 (PRIVATE"
      + " KEY), EC PRIVATE KEY or RSA PRIVATE KEY, unencrypted.")
  Path tlsKey;

  @Option(names = "--insecure-plain-http", description = "With --allow-remote and no TLS: serve plain HTTP to other"
      + " machines anyway (anyone on the path can read and alter what is pulled; clients need --tls-verify=false).")
  boolean insecurePlainHttp;

  @Option(names = "--access-log", paramLabel = "FILE", description = "Append one line per request to FILE: time (UTC),"
      + " client address, method, path, status, body bytes, user ('-' when anonymous); never a password, token or"
      + " Authorization header. Reopened on SIGHUP (after log rotation).")
  Path accessLogFile;

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
      + " password (limited per user and client address). Over plain HTTP on loopback addresses only; to other"
      + " machines with --tls-cert/--tls-key.")
  Path htpasswd;

  @Option(names = "--token-auth", description = "Use the registry token flow instead of Basic on every request (docker"
      + " login, podman login, helm registry login): GET /token checks the --htpasswd users' passwords and issues"
      + " short-lived pull-only bearer tokens (HS256, signed by a key made at start); the registry accepts only those.")
  boolean tokenAuth;

  @Option(names = "--token-ttl", paramLabel = "DURATION", description = "Lifetime of a --token-auth token: seconds or"
      + " a number with s, m, h; 60s to 24h (default: 5m).")
  String tokenTtl;

  @Option(names = "--base", paramLabel = "BUNDLE|oci:DIR", description = "With a delta bundle: answer the blobs it"
      + " left out from this bundle (verified first, with --key) or layout, each hashed while sent (repeatable; the"
      + " first holding a blob answers). Without it they are 404.")
  List<String> bases = new ArrayList<>();

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
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
    }
    if (allowRemote && tlsCert == null && !insecurePlainHttp) {
      throw new ParameterException(spec.commandLine(), "--allow-remote without --tls-cert/--tls-key would serve plain HTTP"
          + " to other machines; give a certificate and key, or --insecure-plain-http to do it anyway");
    }
    if (insecurePlainHttp && tlsCert != null) {
      throw new ParameterException(spec.commandLine(), "--insecure-plain-http and --tls-cert exclude each other");
    }
    TokenAuth tokens = !tokenAuth ? null : new TokenAuth(tokenTtl == null ? TokenAuth.DEFAULT_TTL
        : TokenAuth.parseTtl(tokenTtl), TokenAuth.DEFAULT_SERVICE, tokenAnonymous);
    Htpasswd users = htpasswd == null ? null : Htpasswd.read(htpasswd);
    java.util.function.Consumer<String> log = line -> {
      synchronized (err) {
        err.println(line);
        err.flush();
      }
    };
    ServeTls tls = tlsCert == null ? null : ServeTls.load(tlsCert, tlsKey, log);
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
      if (PartSet.isPartSet(source) && PartSet.needsCopyForAnyOrder(source)) {
        out.println("note: compressed parts of part format version 2 (one zstd frame each) are decompressed into"
            + " java.io.tmpdir to be served in any order; free space there must hold the uncompressed bundle");
        out.flush();
      }
    }
    ServedContent content = ServedContent.open(source, expandedBound);
    if (!bases.isEmpty()) {
      List<PublicKey> pks = new ArrayList<>();
      for (Path k : keys) {
        pks.add(PublicKeys.load(k));
      }
      try {
        content = dev.airlock.serve.DeltaWithBases.open(source, content, bases, pks, allowUnsigned, line -> {
          synchronized (out) {
            out.println(line);
            out.flush();
          }
        });
      } catch (RuntimeException | java.io.IOException e) {
        content.close();
        throw e;
      }
      out.flush();
    }
    RegistryServer server;
    AccessLog accessLog = null;
    try {
      accessLog = accessLogFile == null ? null : AccessLog.open(accessLogFile);
      server = RegistryServer.start(content, addr, allowRemote, threads, true, users, tokens, tls, accessLog, log);
    } catch (RuntimeException | java.io.IOException e) {
      content.close();
      if (tls != null) {
        tls.close();
      }
      if (accessLog != null) {
        accessLog.close();
      }
      throw e;
    }
    String scheme = server.scheme();
    out.println("serving " + source.toAbsolutePath() + " read-only on " + scheme + "://" + server.hostPort()
        + (users != null ? " for the users of " + htpasswd : "")
        + (tokens != null ? " (bearer tokens from " + scheme + "://" + server.hostPort() + "/token, valid "
            + tokens.ttl().getSeconds() + " s" + (tokens.anonymous() ? ", also to anonymous clients" : "") + ")" : "")
        + (tls != null ? " (e.g. skopeo inspect --cert-dir DIR-WITH-THE-CA.crt docker://" : " (e.g. skopeo inspect"
            + " --tls-verify=false docker://") + server.hostPort() + "/REPOSITORY:TAG); Ctrl-C stops");
    if (tls != null) {
      out.println("TLS: " + tls.describe() + "; reloaded on SIGHUP and when " + tlsCert.getFileName() + " or "
          + tlsKey.getFileName() + " changes");
    }
    if (accessLog != null) {
      out.println("access log: " + accessLogFile.toAbsolutePath());
    }
    onHangUp(tls, accessLog, log);
    String delta = bases.isEmpty() ? dev.airlock.delta.DeltaReport.servedLine(source) : null;
    if (delta != null) {
      out.println(delta);
    }
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    AccessLog openLog = accessLog;
    Thread hook = new Thread(() -> {
      try {
        server.close();
        if (openLog != null) {
          openLog.close();
        }
      } catch (java.io.IOException e) {
        // shutting down anyway
      }
      if (tls != null) {
        tls.close();
      }
      stopped.countDown();
    }, "airlock-serve-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      stopped.await();
    } catch (InterruptedException e) { // an embedding caller (the class-data training) stops it this way
      Runtime.getRuntime().removeShutdownHook(hook);
      hook.run();
      Thread.currentThread().interrupt();
    }
    return ExitCodes.OK;
  }

  /**
   * SIGHUP reloads the TLS pair and reopens the access log (log rotation) instead of stopping the JVM; without
   * either, SIGHUP stops serve as before. Where the runtime has no signal API, the file watch still reloads.
   */
  private static void onHangUp(ServeTls tls, AccessLog accessLog, java.util.function.Consumer<String> log) {
    if (tls == null && accessLog == null) {
      return;
    }
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
        if (tls != null) {
          tls.reload(true); // logs the certificate now served, or why the previous one stays
        }
        if (accessLog != null) {
          try {
            accessLog.reopen();
            log.accept("serve: SIGHUP: access log reopened");
          } catch (RuntimeException e) {
            log.accept("serve: SIGHUP: " + e.getMessage() + "; still writing to the file open before");
          }
        }
      });
    } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
      log.accept("serve: SIGHUP cannot be caught here (" + e.getMessage() + "); TLS files are still watched");
    }
  }
}
