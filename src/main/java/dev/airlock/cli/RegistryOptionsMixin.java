package dev.airlock.cli;

import dev.airlock.InvalidInputException;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.auth.Credentials;
import dev.airlock.registry.http.RetryPolicy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import picocli.CommandLine.Option;

/** Registry connection options shared by copy, bundle, import and inspect. */
public final class RegistryOptionsMixin {
  @Option(names = "--plain-http", paramLabel = "HOST", description = "Use plain HTTP for this registry host "
      + "(repeatable). Loopback hosts (127.0.0.0/8, localhost, ::1) use plain HTTP by default.")
  List<String> plainHttp = List.of();

  @Option(names = "--tls", paramLabel = "HOST", description = "Use verified HTTPS for this loopback registry host "
      + "(repeatable); other hosts use HTTPS anyway.")
  List<String> tls = List.of();

  @Option(names = "--insecure-skip-tls-verify", paramLabel = "HOST",
      description = "Do not verify the TLS certificate of this registry host (repeatable). Dangerous.")
  List<String> insecure = List.of();

  @Option(names = "--ca-file", paramLabel = "FILE", description = "PEM file of a private CA to trust, besides the system's.")
  Path caFile;

  @Option(names = "--username", paramLabel = "USER", description = "Registry user name (with --password-stdin).")
  String username;

  @Option(names = "--password-stdin", description = "Read the registry password from standard input.")
  boolean passwordStdin;

  @Option(names = "--retries", paramLabel = "N", defaultValue = "" + RetryPolicy.DEFAULT_ATTEMPTS,
      description = "Attempts per request on connection errors, cut or stalled answers, 429 and 5xx "
          + "(default: ${DEFAULT-VALUE}; waits 0.5 s doubling to 10 s in between).")
  int retries;

  @Option(names = "--read-timeout", paramLabel = "SECONDS", defaultValue = "60",
      description = "Give up on a response that sends nothing for this long, then retry or resume (default: ${DEFAULT-VALUE}).")
  long readTimeoutSeconds;

  /** The options these flags describe; the password is read from {@code stdin} when asked. */
  public RegistryOptions toOptions(InputStream stdin) throws IOException {
    RegistryOptions o = RegistryOptions.defaults()
        .withTls(new HashSet<>(plainHttp), new HashSet<>(tls), new HashSet<>(insecure), caFile)
        .withReadTimeout(Duration.ofSeconds(Math.max(1, readTimeoutSeconds)))
        .withRetry(RetryPolicy.withAttempts(Math.max(1, retries)));
    if (passwordStdin && username == null) {
      throw new InvalidInputException("--password-stdin needs --username");
    }
    if (username != null) {
      if (!passwordStdin) {
        throw new InvalidInputException("--username needs --password-stdin (passwords are never taken as arguments)");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
      String pw = r.readLine();
      if (pw == null || pw.isEmpty()) {
        throw new InvalidInputException("--password-stdin: no password on standard input");
      }
      o = o.withCredentials(Credentials.basic(username, pw));
    }
    return o;
  }
}
