package dev.airlock.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.serve.RegistryServer;
import dev.airlock.serve.ServedContent;
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
 * and no user command pays for writing the archive. It runs every command in-process on a tiny image (with
 * an SBOM referrer) in a temp directory: key generation, a signed bundle (a small and a large layer, so
 * both the working layout and the in-place tarball paths run), verify with the key and a policy, inspect,
 * import into a layout, serve and copy back over HTTP, audit of the bundle and of the history, verify-blob,
 * and each command's help. With {@code AIRLOCK_PASSWORD} unset (a test's JVM) the signing steps are
 * skipped. It prints the command lines it ran, one a line.
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
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
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
    Path spec = dir.resolve("bundle.yaml");
    Files.writeString(spec, "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: training}\n"
        + "spec:\n  referrers: {include: [signatures, sboms, attestations]}\n"
        + "  images:\n    - layout: ./src:app\n      name: registry.example/training/app:1\n");
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "apiVersion: airlock.dev/v1\nimages:\n  - match: \"registry.example/**\"\n"
        + "    rules:\n      - sbom: true\n");
    Path bundle = dir.resolve("out/training.tar");
    Path history = dir.resolve("history.db");
    boolean signing = System.getenv("AIRLOCK_PASSWORD") != null;
    Path key = dir.resolve("training.key");
    Path pub = dir.resolve("training.pub");

    for (String c : new String[] {"bundle", "verify", "import", "audit", "serve", "key", "verify-blob", "inspect", "copy"}) {
      run(c, "--help");
    }
    run("--version");
    if (signing) {
      run("key", "generate", "--output-key-prefix", dir.resolve("training").toString());
      run("bundle", spec.toString(), "-o", bundle.toString(), "--key", key.toString());
      run("verify", bundle.toString(), "--key", pub.toString(), "--policy", policy.toString());
      run("verify", bundle.toString(), "--key", pub.toString(), "-o", "json");
      run("import", bundle.toString(), "--to", "oci:" + dir.resolve("imported"), "--key", pub.toString(),
          "--policy", policy.toString(), "--catalog", history.toString());
    } else {
      run("bundle", spec.toString(), "-o", bundle.toString());
      run("verify", bundle.toString(), "--allow-unsigned", "--policy", policy.toString());
      run("import", bundle.toString(), "--to", "oci:" + dir.resolve("imported"), "--allow-unsigned", "--catalog",
          history.toString());
    }
    run("inspect", "oci-archive:" + bundle + ":registry.example/training/app:1");
    run("audit", bundle.toString());
    run("audit", "--imports", "--catalog", history.toString());
    try (RegistryServer server = RegistryServer.start(ServedContent.open(bundle), "127.0.0.1:0", false, 4)) {
      run("copy", server.hostPort() + "/registry.example/training/app:1", "oci:" + dir.resolve("copied") + ":app");
    }
    run("inspect", "oci:" + dir.resolve("imported"));
  }

  private static void run(String... args) throws IOException {
    PrintWriter quiet = new PrintWriter(Writer.nullWriter());
    int rc = Main.commandLine(args).setOut(quiet).setErr(quiet).execute(args);
    if (rc != 0) {
      throw new IOException("CDS training: airlock " + String.join(" ", args) + " exited " + rc);
    }
    OUT.println("trained: airlock " + String.join(" ", args));
  }
}
