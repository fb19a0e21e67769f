package dev.airlock.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Not a user command: the build runs it once in a JVM that records the classes it loads into an AppCDS
 * archive ({@code target/airlock.jar.jsa}), which {@code bin/airlock} maps so every command starts faster
 * and no user command pays for writing the archive. It runs every command through the command line
 * ({@link Main#commandLine(String[])}, as {@code bin/airlock} does) on a tiny image (with an SBOM referrer) in a
 * temp directory: each command's help, key generation, a signed bundle (a small and a large layer, so both the
 * working layout and the in-place tarball paths run) and one carrying a distribution, verify with the key and a
 * policy, inspect, audit, diff, import into a layout with a receipt and a site signature, a delta bundle from
 * that receipt, extract-self; then {@code serve} of the bundle, and over HTTP from it: bundle, copy, inspect,
 * receipt, mirror, verify-image. With a {@code docker-registry} on the PATH (the tests' peer) it also starts one
 * on 127.0.0.1 and imports, mirrors, takes a receipt and verifies images there. With {@code AIRLOCK_PASSWORD}
 * unset the signing steps are skipped. It prints the command lines it ran, one a line.
 */
public final class CdsTraining {
  private CdsTraining() {}

  private static final java.io.PrintStream OUT = System.out;

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("airlock-cds-training-");
    java.io.PrintStream err = System.err;
    System.setErr(new java.io.PrintStream(java.io.OutputStream.nullOutputStream())); // progress lines
    try {
      train(dir);
    } finally {
      System.setErr(err);
      deleteTree(dir);
      dev.airlock.registry.http.ClientThreads.stopSelectors(100); // as Main.main ends
    }
  }

  private static void train(Path dir) throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(dir.resolve("src"));
    Random rnd = new Random(1);
    byte[] small = new byte[4096];
    byte[] large = new byte[9 << 20];
    rnd.nextBytes(small);
    rnd.nextBytes(large);
    Descriptor config = src.putBytes(MediaTypes.OCI_CONFIG,
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
            .getBytes(StandardCharsets.UTF_8));
    List<Descriptor> layers = List.of(src.putBytes(MediaTypes.OCI_LAYER_GZIP, small),
        src.putBytes(MediaTypes.OCI_LAYER_GZIP, large));
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    m.set("config", Json.MAPPER.valueToTree(config));
    ArrayNode arr = m.putArray("layers");
    layers.forEach(d -> arr.add(Json.MAPPER.valueToTree(d)));
    RawManifest image = RawManifest.of(Json.write(m), null, "training image");
    src.putManifest("", image, "app");
    // an SBOM referrer, so referrer discovery, the catalog's SBOM rows and the policy's sbom rule run
    Descriptor empty = src.putBytes(MediaTypes.OCI_EMPTY, "{}".getBytes(StandardCharsets.UTF_8));
    Descriptor spdx = src.putBytes(MediaTypes.SPDX_JSON, ("{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"training\","
        + "\"packages\":[{\"name\":\"busybox\",\"versionInfo\":\"1.36\"}]}").getBytes(StandardCharsets.UTF_8));
    ObjectNode sbom = Json.MAPPER.createObjectNode();
    sbom.put("schemaVersion", 2);
    sbom.put("mediaType", MediaTypes.OCI_MANIFEST);
    sbom.put("artifactType", MediaTypes.SPDX_JSON);
    sbom.set("config", Json.MAPPER.valueToTree(empty));
    sbom.putArray("layers").add(Json.MAPPER.valueToTree(spdx));
    sbom.set("subject", Json.MAPPER.valueToTree(image.descriptor()));
    src.putManifest("", RawManifest.of(Json.write(sbom), null, "training SBOM"), null);
    Path spec = spec(dir.resolve("bundle.yaml"), "layout: ./src:app");
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "apiVersion: airlock.dev/v1\nimages:\n  - match: \"registry.example/**\"\n"
        + "    rules:\n      - sbom: true\n");
    Path bundle = dir.resolve("out/training.tar");
    Path history = dir.resolve("history.db");
    boolean signing = System.getenv("AIRLOCK_PASSWORD") != null;
    Path key = dir.resolve("training.key");
    Path pub = dir.resolve("training.pub");
    String[] trust = signing ? new String[] {"--key", pub.toString()} : new String[] {"--allow-unsigned"};

    // help, version and usage errors: the top level's listing, each command's full model
    for (String c : Main.commandNames()) {
      run(c, "--help");
    }
    run("--help");
    run("--version");
    run("help", "verify");
    runExpecting(ExitCodes.USAGE, "verfy", bundle.toString());
    runExpecting(ExitCodes.USAGE, "verify", "--no-such-option");
    runExpecting(ExitCodes.ERROR, "verify", dir.resolve("missing.tar").toString(), "--allow-unsigned");

    if (signing) {
      run("key", "generate", "--output-key-prefix", dir.resolve("training").toString());
      run("bundle", spec.toString(), "-o", bundle.toString(), "--key", key.toString());
    } else {
      run("bundle", spec.toString(), "-o", bundle.toString());
    }
    run(cat(new String[] {"verify", bundle.toString(), "--policy", policy.toString()}, trust));
    run(cat(new String[] {"verify", bundle.toString(), "-o", "json"}, trust));
    run("inspect", "oci-archive:" + bundle + ":registry.example/training/app:1");
    run("audit", bundle.toString());
    Path receipt = dir.resolve("receipt.json");
    String[] importArgs = {"import", bundle.toString(), "--to", "oci:" + dir.resolve("imported"), "--policy",
        policy.toString(), "--catalog", history.toString(), "--receipt", receipt.toString()};
    run(signing ? cat(importArgs, trust, new String[] {"--sign-with", key.toString()}) : cat(importArgs, trust));
    run("audit", "--imports", "--catalog", history.toString());
    run("inspect", "oci:" + dir.resolve("imported"));
    if (signing) {
      run("verify-image", "oci:" + dir.resolve("imported") + ":training/app:1", "--key", pub.toString());
    }
    run("receipt", "--from", "oci:" + dir.resolve("imported"), "-o", dir.resolve("receipt-layout.json").toString());
    Path delta = dir.resolve("out/delta.tar");
    run("bundle", spec.toString(), "-o", delta.toString(), "--since", receipt.toString(), "--allow-unsigned-receipt");
    run("diff", bundle.toString(), delta.toString());
    run("diff", bundle.toString(), delta.toString(), "-o", "json");

    // a bundle carrying a distribution (a stand-in holding the files a distribution must have), and extract-self
    Path self = fakeDistribution(dir.resolve("dist"));
    Path withSelf = dir.resolve("out/with-self.tar");
    run(signing ? new String[] {"bundle", spec.toString(), "-o", withSelf.toString(), "--self-tarball", self.toString(),
        "--key", key.toString()} : new String[] {"bundle", spec.toString(), "-o", withSelf.toString(), "--self-tarball",
        self.toString()});
    run(cat(new String[] {"extract-self", withSelf.toString(), "-o", dir.resolve("extracted").toString()}, trust));

    // serve, as a user runs it, and every command that reads a registry, over HTTP from it
    try (Served served = Served.start(cat(new String[] {"serve", bundle.toString(), "--addr", "127.0.0.1:0"}, trust));
        DockerRegistry registry = DockerRegistry.startIfInstalled(dir.resolve("registry"))) {
      String from = served.hostPort() + "/registry.example/training/app:1";
      run("inspect", from);
      run("copy", from, "oci:" + dir.resolve("copied") + ":app");
      Path remoteSpec = spec(dir.resolve("remote.yaml"), "ref: " + from);
      run("bundle", remoteSpec.toString(), "-o", dir.resolve("out/remote.tar").toString());
      run("receipt", "--from", served.hostPort(), "-o", dir.resolve("receipt-served.json").toString());
      run("mirror", remoteSpec.toString(), "--to", "oci:" + dir.resolve("mirrored"));
      if (signing) { // the served bundle's images carry no signature of their own: a one-line refusal
        runExpecting(ExitCodes.VERIFICATION_FAILED, "verify-image", from, "--key", pub.toString());
      }
      if (registry != null) {
        String to = registry.hostPort();
        run(signing ? cat(new String[] {"import", bundle.toString(), "--to", to, "--catalog", history.toString(),
            "--sign-with", key.toString()}, trust) : cat(new String[] {"import", bundle.toString(), "--to", to,
            "--catalog", history.toString()}, trust));
        run("mirror", remoteSpec.toString(), "--to", to + "/mirrored", "--catalog", history.toString());
        run("receipt", "--from", to, "-o", dir.resolve("receipt-registry.json").toString());
        if (signing) {
          run("verify-image", to + "/training/app:1", "--key", pub.toString());
        }
        run("copy", to + "/mirrored/registry.example/training/app:1", "oci:" + dir.resolve("copied-back") + ":app");
      }
    }
  }

  private static Path spec(Path file, String image) throws IOException {
    Files.writeString(file, "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: training}\n"
        + "spec:\n  referrers: {include: [signatures, sboms, attestations]}\n"
        + "  images:\n    - " + image + (image.startsWith("ref:") ? "" : "\n      name: registry.example/training/app:1")
        + "\n");
    return file;
  }

  /** A stand-in distribution tarball: the entries {@code SelfDistribution} requires, each a few bytes. */
  private static Path fakeDistribution(Path dir) throws IOException {
    String arch = System.getProperty("os.arch").matches("aarch64|arm64") ? "aarch64" : "x86_64";
    String top = "airlock-" + Main.version() + "-linux-" + arch;
    Files.createDirectories(dir);
    Path file = dir.resolve(top + ".tar.gz");
    try (var out = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
        new java.util.zip.GZIPOutputStream(Files.newOutputStream(file)))) {
      for (String[] e : new String[][] {{"VERSION", Main.version() + "\n"}, {"bin/airlock", "#!/bin/sh\n"},
          {"lib/airlock.jar", "jar"}, {"runtime/bin/java", "#!/bin/sh\n"}}) {
        byte[] b = e[1].getBytes(StandardCharsets.UTF_8);
        var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(top + "/" + e[0]);
        entry.setSize(b.length);
        entry.setMode(e[0].startsWith("bin/") || e[0].startsWith("runtime/") ? 0755 : 0644);
        out.putArchiveEntry(entry);
        out.write(b);
        out.closeArchiveEntry();
      }
    }
    return file;
  }

  private static String[] cat(String[]... parts) {
    return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
  }

  private static void run(String... args) throws IOException {
    runExpecting(ExitCodes.OK, args);
  }

  private static void runExpecting(int expected, String... args) throws IOException {
    java.io.StringWriter err = new java.io.StringWriter();
    int rc = Main.commandLine(args).setOut(new PrintWriter(Writer.nullWriter())).setErr(new PrintWriter(err))
        .execute(args);
    if (rc != expected) {
      throw new IOException("CDS training: airlock " + String.join(" ", args) + " exited " + rc + ", not " + expected
          + ": " + err.toString().strip());
    }
    OUT.println("trained: airlock " + String.join(" ", args));
  }

  /** {@code airlock serve} run through the command line on a thread of its own, stopped by interrupting it. */
  private static final class Served implements AutoCloseable {
    private final Thread thread;
    private final String hostPort;
    private Served(Thread thread, String hostPort) {
      this.thread = thread;
      this.hostPort = hostPort;
    }

    static Served start(String... args) throws IOException, InterruptedException {
      java.util.concurrent.CompletableFuture<String> address = new java.util.concurrent.CompletableFuture<>();
      Writer lines = new Writer() {
        private final StringBuilder line = new StringBuilder();

        @Override
        public void write(char[] c, int off, int len) {
          for (int i = off; i < off + len; i++) {
            if (c[i] != '\n') {
              line.append(c[i]);
              continue;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(" on https?://([0-9.]+:[0-9]+)").matcher(line);
            if (m.find()) {
              address.complete(m.group(1));
            }
            line.setLength(0);
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
      int[] rc = {-1};
      Thread t = new Thread(() -> {
        try {
          rc[0] = Main.commandLine(args).setOut(new PrintWriter(lines, true)).setErr(new PrintWriter(Writer.nullWriter()))
              .execute(args);
        } finally {
          address.completeExceptionally(new IOException("CDS training: airlock serve exited " + rc[0]));
        }
      }, "cds-training-serve");
      t.setDaemon(true);
      t.start();
      try {
        Served s = new Served(t, address.get(60, java.util.concurrent.TimeUnit.SECONDS));
        OUT.println("trained: airlock " + String.join(" ", args));
        return s;
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        t.interrupt();
        throw new IOException("CDS training: airlock " + String.join(" ", args) + " did not start: " + e.getMessage());
      }
    }

    String hostPort() {
      return hostPort;
    }

    @Override
    public void close() throws InterruptedException {
      thread.interrupt(); // serve stops as on Ctrl-C
      thread.join(30_000);
    }
  }

  /** The tests' peer, {@code docker-registry serve} on 127.0.0.1 (a free port, storage under {@code dir}). */
  private static final class DockerRegistry implements AutoCloseable {
    private final Process process;
    private final int port;

    private DockerRegistry(Process process, int port) {
      this.process = process;
      this.port = port;
    }

    /** Null when no {@code docker-registry} is on the PATH, or it does not come up: the training goes on without. */
    static DockerRegistry startIfInstalled(Path dir) throws IOException, InterruptedException {
      Path bin = null;
      for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
        if (!p.isEmpty() && Files.isExecutable(Path.of(p, "docker-registry"))) {
          bin = Path.of(p, "docker-registry");
          break;
        }
      }
      if (bin == null) {
        OUT.println("no docker-registry on the PATH: registry push paths not trained");
        return null;
      }
      int port;
      try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
      Files.createDirectories(dir.resolve("storage"));
      Path config = dir.resolve("config.yml");
      Files.writeString(config, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: "
          + dir.resolve("storage") + "\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:" + port
          + "\n  secret: airlock-cds-training\n");
      Process p = new ProcessBuilder(bin.toString(), "serve", config.toString()).redirectErrorStream(true)
          .redirectOutput(dir.resolve("registry.log").toFile()).start();
      DockerRegistry r = new DockerRegistry(p, port);
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (System.nanoTime() < deadline && p.isAlive()) {
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
          return r;
        } catch (IOException e) {
          Thread.sleep(50);
        }
      }
      r.close();
      OUT.println("docker-registry did not start: registry push paths not trained");
      return null;
    }

    String hostPort() {
      return "127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
