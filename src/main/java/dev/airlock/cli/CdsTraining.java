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
 * and no user command pays for writing the archive. It runs the main commands in-process on a tiny image in
 * a temp directory: bundle (a small and a large layer, so both the working layout and the in-place tarball
 * paths run), verify, inspect, import into a layout, serve and copy back over HTTP, audit.
 */
public final class CdsTraining {
  private CdsTraining() {}

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
    src.putManifest("", RawManifest.of(Json.write(m), null, "training image"), "app");
    Path spec = dir.resolve("bundle.yaml");
    Files.writeString(spec, "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: training}\n"
        + "spec:\n  images:\n    - layout: ./src:app\n      name: registry.example/training/app:1\n");
    Path bundle = dir.resolve("out/training.tar");
    Path history = dir.resolve("history.db");

    run("bundle", spec.toString(), "-o", bundle.toString());
    run("verify", bundle.toString(), "--allow-unsigned");
    run("inspect", "oci-archive:" + bundle + ":registry.example/training/app:1");
    run("import", bundle.toString(), "--to", "oci:" + dir.resolve("imported"), "--allow-unsigned", "--catalog",
        history.toString());
    run("audit", bundle.toString());
    try (RegistryServer server = RegistryServer.start(ServedContent.open(bundle), "127.0.0.1:0", false, 4)) {
      run("copy", server.hostPort() + "/registry.example/training/app:1", "oci:" + dir.resolve("copied") + ":app");
    }
  }

  private static void run(String... args) throws IOException {
    PrintWriter quiet = new PrintWriter(Writer.nullWriter());
    int rc = Main.commandLine().setOut(quiet).setErr(quiet).execute(args);
    if (rc != 0) {
      throw new IOException("CDS training: airlock " + String.join(" ", args) + " exited " + rc);
    }
  }
}
