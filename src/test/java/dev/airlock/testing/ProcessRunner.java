package dev.airlock.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs external programs (skopeo, helm, airlock in its own JVM) and captures their output. */
public final class ProcessRunner {
  private ProcessRunner() {}

  public record Result(int exitCode, String out, String err) {
    public Result assertOk() {
      if (exitCode != 0) {
        throw new AssertionError("exit " + exitCode + "\nstdout: " + out + "\nstderr: " + err);
      }
      return this;
    }
  }

  public static Result run(List<String> cmd) throws IOException, InterruptedException {
    return run(cmd, 600);
  }

  public static Result run(List<String> cmd, long timeoutSeconds) throws IOException, InterruptedException {
    return run(new ProcessBuilder(cmd), timeoutSeconds);
  }

  /** Runs {@code pb} (its command and environment as set), capturing stdout and stderr. */
  public static Result run(ProcessBuilder pb, long timeoutSeconds) throws IOException, InterruptedException {
    Path out = Files.createTempFile("airlock-proc-", ".out");
    Path err = Files.createTempFile("airlock-proc-", ".err");
    try {
      Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("timed out after " + timeoutSeconds + "s: " + pb.command());
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** The command line that runs airlock's Main in a fresh JVM with the test class path. */
  public static List<String> airlockJvm(String maxHeap, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (maxHeap != null) {
      cmd.add("-Xmx" + maxHeap);
    }
    cmd.add("--add-exports"); // as bin/airlock and the jar manifest do: pkcs11: URIs list tokens through it
    cmd.add("jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.airlock.cli.Main");
    cmd.addAll(List.of(args));
    return cmd;
  }
}
