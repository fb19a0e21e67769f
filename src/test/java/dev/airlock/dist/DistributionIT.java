package dev.airlock.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The self-contained distribution the build wrote (target/airlock-VERSION-linux-ARCH.tar.gz), unpacked as a user
 * would with tar, run with nothing but its own runtime: an empty environment whose PATH is a directory holding
 * only the shell tools the launcher uses (no java, no JAVA_HOME). It goes through the mission on the sample
 * content: key, bundle carrying itself (--include-self), verify, import, serve, then extract-self and the
 * extracted copy's own verify. Runs after the package phase (failsafe); skipped only with -Dairlock.dist.skip=true.
 */
class DistributionIT {
  static Path tarball;
  @TempDir static Path tmp;
  static Path bin;

  @BeforeAll
  static void unpack() throws Exception {
    assumeFalse(Boolean.getBoolean("airlock.dist.skip"), "the build was told -Dairlock.dist.skip=true");
    Path target = Path.of("target").toAbsolutePath();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(target, "airlock-*-linux-*.tar.gz")) {
      for (Path p : ds) {
        tarball = p;
      }
    }
    assertThat(tarball).as("the package phase writes target/airlock-VERSION-linux-ARCH.tar.gz").isNotNull();
    // the shell tools bin/airlock needs, and nothing else: PATH leaves every system JDK out
    bin = Files.createDirectories(tmp.resolve("tools"));
    for (String t : List.of("bash", "readlink", "dirname", "cat", "nice", "rm", "mv", "stat", "sha256sum", "tar", "gzip")) {
      Path real = Path.of("/usr/bin", t).toFile().exists() ? Path.of("/usr/bin", t) : Path.of("/bin", t);
      Files.createSymbolicLink(bin.resolve(t), real.toRealPath());
    }
    assertThat(bin.resolve("java")).doesNotExist();
    run(tmp, Map.of(), "tar", "-xzf", tarball.toString(), "-C", tmp.toString()).assertOk();
  }

  record Result(int code, String out) {
    Result assertOk() {
      assertThat(code).as(out).isZero();
      return this;
    }
  }

  static Result run(Path cwd, Map<String, String> env, String... cmd) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().put("PATH", bin.toString());
    pb.environment().put("HOME", tmp.resolve("home").toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  static Path unpacked() {
    String name = tarball.getFileName().toString().replaceFirst("\\.tar\\.gz$", "");
    return tmp.resolve(name);
  }

  @Test
  void theUnpackedDistributionRunsTheMissionWithItsOwnRuntimeOnly() throws Exception {
    Path dist = unpacked();
    String airlock = dist.resolve("bin/airlock").toString();
    Path w = Files.createDirectories(tmp.resolve("mission"));
    Map<String, String> pw = Map.of("AIRLOCK_PASSWORD", "dist-test", "AIRLOCK_CDS_WAIT", "1");

    // the first command writes the class-data archive for this location (waited for here)
    assertThat(run(w, pw, airlock, "--version").assertOk().out()).startsWith("airlock ");
    assertThat(dist.resolve("lib/airlock.jsa")).exists();
    assertThat(Files.readString(dist.resolve("lib/airlock.jsa.path"))).isEqualTo(dist.resolve("lib/airlock.jar").toString());

    Path samples = Path.of("samples").toAbsolutePath();
    run(w, Map.of("PATH", System.getenv("PATH")), "bash", samples.resolve("make-sample-layout.sh").toString(), w.resolve("sample-layout").toString()).assertOk();
    Files.copy(samples.resolve("bundle-local.yaml"), w.resolve("bundle.yaml"));
    run(w, pw, airlock, "key", "generate", "--output-key-prefix", "k").assertOk();
    String bundled = run(w, pw, airlock, "bundle", "bundle.yaml", "-o", "s.tar", "--key", "k.key", "--include-self",
        "--self-tarball", tarball.toString()).assertOk().out();
    String sha = Files.readString(Path.of(tarball + ".sha256")).substring(0, 64);
    assertThat(bundled).contains("self:    airlock ").contains(sha);

    // verify maps the archive, and never loads the online clients left out of the jar nor Bouncy Castle
    Result verified = run(w, Map.of("AIRLOCK_JAVA_OPTS", "-Xmx128m -XX:+UseSerialGC -Xlog:class+load"), airlock,
        "verify", "s.tar", "--key", "k.pub").assertOk();
    assertThat(verified.out()).contains("Verified.").contains("dev.airlock.cli.VerifyCommand source: shared objects file")
        .doesNotContain("io.grpc.").doesNotContain("org.bouncycastle.");

    assertThat(run(w, Map.of(), airlock, "import", "s.tar", "--to", "oci:" + w.resolve("imported"), "--key", "k.pub",
        "--catalog", w.resolve("history.db").toString()).assertOk().out()).contains("history:");
    serveAndList(airlock, w, w.resolve("imported"));

    // the other side: extract-self out of the verified bundle, then that copy verifies the bundle itself
    String extracted = run(w, Map.of(), airlock, "extract-self", "s.tar", "-o", "x", "--key", "k.pub").assertOk().out();
    assertThat(extracted).contains("sha256 " + sha);
    assertThat(run(w.resolve("x"), Map.of(), "sha256sum", "-c", tarball.getFileName() + ".sha256").assertOk().out()).contains("OK");
    Path copy = w.resolve("x").resolve(dist.getFileName());
    assertThat(copy.resolve("bin/airlock")).isExecutable();
    assertThat(copy.resolve("runtime/bin/java")).isExecutable();
    assertThat(run(w, Map.of(), copy.resolve("bin/airlock").toString(), "verify", "s.tar", "--key", "k.pub")
        .assertOk().out()).contains("Verified.");
    // a tampered bundle gives nothing
    Files.createDirectories(w.resolve("y"));
    Files.write(w.resolve("bad.tar"), tamper(Files.readAllBytes(w.resolve("s.tar"))));
    Result bad = run(w, Map.of(), airlock, "extract-self", "bad.tar", "-o", "y", "--key", "k.pub");
    assertThat(bad.code()).as(bad.out()).isEqualTo(3);
    try (var s = Files.list(w.resolve("y"))) {
      assertThat(s.toList()).isEmpty();
    }
  }

  /** One byte changed in the middle of the carried distribution (the largest blob). */
  private static byte[] tamper(byte[] b) {
    b[b.length / 2] ^= 0x01;
    return b;
  }

  private static void serveAndList(String airlock, Path w, Path layout) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(airlock, "serve", layout.toString(), "--addr", "127.0.0.1:0")
        .directory(w.toFile()).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().put("PATH", bin.toString());
    pb.environment().put("HOME", tmp.resolve("home").toString());
    Process p = pb.start();
    try {
      BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      List<String> lines = new ArrayList<>();
      String addr = null;
      Pattern on = Pattern.compile("on http://([0-9.:]+)");
      for (String line; addr == null && (line = r.readLine()) != null; ) {
        lines.add(line);
        Matcher m = on.matcher(line);
        if (m.find()) {
          addr = m.group(1);
        }
      }
      assertThat(addr).as(String.join("\n", lines)).isNotNull();
      HttpResponse<String> res = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://" + addr + "/v2/_catalog")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(res.statusCode()).isEqualTo(200);
      assertThat(res.body()).contains("samples/multiarch").contains("samples/tools");
    } finally {
      p.destroy();
      p.waitFor(10, TimeUnit.SECONDS);
      p.destroyForcibly();
    }
  }
}
