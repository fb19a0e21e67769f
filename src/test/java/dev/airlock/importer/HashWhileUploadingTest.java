package dev.airlock.importer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.store.archive.TarLayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Importing a bundle tarball into a real docker-registry 2.8: layers of 1 MiB or more are hashed once,
 * while they are uploaded into sessions that are committed only after every layer has matched; a
 * corrupted layer, whether it is uploaded or already in the registry, fails the import with nothing
 * committed and no upload left behind; a killed import's complete uploads are continued by the next run.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HashWhileUploadingTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir static Path tmp;
  static Path bundle;
  static Path tampered;
  static RawManifest app;
  static RawManifest tool;
  static Digest appTop;

  @BeforeAll
  static void bundle() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    byte[] base = TestImages.layer("base.bin", noise(1, 3 << 20));
    byte[] top = TestImages.layer("app.bin", noise(2, 2 << 20));
    appTop = Digest.sha256(top);
    app = TestImages.image(l, Platform.parse("linux/amd64"), base, top, TestImages.layer("small", "a small layer"));
    TestImages.tag(l, app, "app-1.0");
    tool = TestImages.image(l, Platform.parse("linux/amd64"), base, TestImages.layer("tool.bin", noise(3, 2 << 20)));
    TestImages.tag(l, tool, "tool-2.0");
    TestImages.cosignSignature(l, app.digest());
    Files.writeString(tmp.resolve("bundle.yaml"), """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: hash-while-uploading}
        spec:
          images:
            - layout: ./src:app-1.0
              name: registry.example/team/app:1.0
            - layout: ./src:tool-2.0
              name: registry.example/team/tool:2.0
        """);
    bundle = tmp.resolve("b.tar");
    CommandResult b = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", bundle.toString());
    assertThat(b.exitCode()).as(b.err()).isZero();
    tampered = tmp.resolve("tampered.tar");
    Files.copy(bundle, tampered);
    BundleTarball.tamper(tampered, appTop);
  }

  @Test
  @Order(1)
  void aCorruptedLayerFailsTheImportWithNothingCommittedAndNoUploadLeft() throws IOException {
    CommandResult r = importInto(tampered, "first");
    assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(3);
    assertThat(r.err()).contains("failed verification, nothing was imported", "blob " + appTop + " is corrupted");
    Path v2 = registry.storage().resolve("docker/registry/v2");
    assertThat(files(v2.resolve("blobs"))).as("committed blobs").isEmpty();
    // docker-registry 2.8 keeps a cancelled session's hash state (a few bytes) until its purge, not its data
    assertThat(files(v2.resolve("repositories"))).as("links and upload data left in the registry")
        .allMatch(p -> p.toString().contains("/_uploads/") && p.toString().contains("/hashstates/"));
  }

  @Test
  @Order(2)
  void layersAreHashedWhileUploadedAndCommittedOnceAllMatch() throws Exception {
    CommandResult r = importInto(bundle, "first");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("3 layers (", "are hashed as they are read",
        "3 layers hashed to their digests while uploaded, before any was committed");
    assertThat(r.out()).containsPattern("mounted [1-9]"); // the base layer, uploaded once for two repositories
    Path skopeo = Peers.skopeo();
    for (var e : List.of(List.of("first/team/app:1.0", app.digest().toString()),
        List.of("first/team/tool:2.0", tool.digest().toString()))) {
      String raw = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
          "docker://" + registry.hostPort() + "/" + e.get(0))).assertOk().out();
      assertThat(Digest.sha256(raw.getBytes(StandardCharsets.UTF_8)).toString()).as(e.get(0)).isEqualTo(e.get(1));
    }
    assertThat(files(registry.storage().resolve("docker/registry/v2/repositories")))
        .as("upload data left in the registry").noneMatch(p -> p.toString().contains("/_uploads/")
            && p.getFileName().toString().equals("data"));
  }

  @Test
  @Order(3)
  void aCorruptedLayerTheRegistryAlreadyHoldsIsHashedFromTheBundleBeforeAnythingIsWritten() throws IOException {
    // the app's layers (not its manifest) are already in third/team/app: the import sends none of them
    try (RegistryStore reg = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous());
        TarLayoutStore good = TarLayoutStore.open(bundle)) {
      for (Descriptor layer : app.layers()) {
        reg.putBlob("third/team/app", layer, () -> good.openBlob("", layer));
      }
    }
    Path repositories = registry.storage().resolve("docker/registry/v2/repositories");
    List<Path> before = files(repositories);
    CommandResult r = importInto(tampered, "third");
    assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(3);
    assertThat(r.err()).contains("failed verification, nothing was imported", "blob " + appTop + " is corrupted");
    assertThat(files(repositories)).as("no link, manifest or upload data written")
        .allMatch(p -> before.contains(p) || p.toString().contains("/hashstates/"));
  }

  @Test
  @Order(5)
  void verifyFirstHashesEveryByteBeforeTheFirstUploadAndCommitsAsItPushes() {
    CommandResult r = CommandResult.run("import", bundle.toString(), "--to", registry.hostPort() + "/fifth",
        "--allow-unsigned", "--catalog", tmp.resolve("history.db").toString(), "--verify-first");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("17 blobs (5 manifests) match their digests; references complete")
        .doesNotContain("hashed as they are read").doesNotContain("hashed to their digests while uploaded");
    CommandResult bad = CommandResult.run("import", tampered.toString(), "--to", registry.hostPort() + "/sixth",
        "--allow-unsigned", "--catalog", tmp.resolve("history.db").toString(), "--verify-first");
    assertThat(bad.exitCode()).as(bad.out() + bad.err()).isEqualTo(3);
    assertThat(bad.err()).contains("nothing was imported", "blob " + appTop + " is corrupted");
  }

  @Test
  @Order(4)
  void aKilledImportLeavesItsCompleteUploadsOpenAndTheNextRunContinuesThem() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("many"));
    byte[][] layers = new byte[48][];
    for (int i = 0; i < layers.length; i++) {
      layers[i] = TestImages.layer("l" + i, noise(100 + i, 3 << 19));
    }
    RawManifest many = TestImages.image(l, Platform.parse("linux/amd64"), layers);
    TestImages.tag(l, many, "many-1");
    Files.writeString(tmp.resolve("many.yaml"), """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: many}
        spec:
          images:
            - layout: ./many:many-1
              name: registry.example/team/many:1
        """);
    Path tar = tmp.resolve("many.tar");
    CommandResult b = CommandResult.run("bundle", tmp.resolve("many.yaml").toString(), "-o", tar.toString());
    assertThat(b.exitCode()).as(b.err()).isZero();
    Path history = tmp.resolve("resume-history.db");
    String to = registry.hostPort() + "/resume";

    Process child = new ProcessBuilder(ProcessRunner.airlockJvm("256m", "import", tar.toString(), "--to", to,
        "--allow-unsigned", "--catalog", history.toString(), "-j", "1"))
        .redirectErrorStream(true).redirectOutput(tmp.resolve("killed.log").toFile()).start();
    while (child.isAlive() && openSessions(history) < 4) {
      Thread.sleep(5);
    }
    child.destroyForcibly();
    child.waitFor(30, TimeUnit.SECONDS);
    long left = openSessions(history);
    long leftBytes = openSessionBytes(history);
    assertThat(left).as(Files.readString(tmp.resolve("killed.log"))).isBetween(4L, layers.length - 1L);
    try (RegistryStore reg = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous())) {
      assertThat(reg.resolve("resume/team/many", "1")).as("the first run must have been cut short").isEmpty();
      for (byte[] layer : layers) {
        assertThat(reg.blobSize("resume/team/many", Digest.sha256(layer))).as("nothing committed").isEmpty();
      }
    }

    CommandResult again = CommandResult.run("import", tar.toString(), "--to", to, "--allow-unsigned",
        "--catalog", history.toString());
    assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
    // the layers whose sessions were left open are hashed from the bundle, not sent again
    assertThat(again.out()).contains((layers.length - left) + " layers hashed to their digests while uploaded and "
        + left + " from the bundle (already at the target, or " + left + " held by uploads an earlier run left open),"
        + " before any was committed");
    assertThat(again.out()).contains("resume/team/many:1 -> " + many.digest());
    assertThat(openSessions(history)).isZero();
    // the summary counts the bytes this run sent: not those of the sessions it only committed
    long allBlobs = 0;
    for (byte[] layer : layers) {
      allBlobs += layer.length;
    }
    allBlobs += l.blobSize("", many.config().digest()).orElseThrow();
    long pushed = lastBytesPushed(history);
    assertThat(pushed).as(again.out()).isEqualTo(allBlobs - leftBytes);
    assertThat(again.out()).contains("blobs pushed " + (layers.length + 1) + " (" + dev.airlock.progress.ByteSize.human(pushed) + ")");
  }

  private static long openSessionBytes(Path history) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + history); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT coalesce(sum(size), 0) FROM staged_uploads")) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  private static long lastBytesPushed(Path history) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + history); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT bytes_pushed FROM imports ORDER BY id DESC LIMIT 1")) {
      assertThat(rs.next()).isTrue();
      return rs.getLong(1);
    }
  }

  /** The upload sessions an import noted in its history as complete and not yet committed. */
  private static long openSessions(Path history) {
    if (!Files.exists(history)) {
      return 0;
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + history);
        Statement st = c.createStatement()) {
      st.execute("PRAGMA busy_timeout = 5000");
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM staged_uploads")) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    } catch (SQLException e) {
      return 0; // not created yet
    }
  }

  private static CommandResult importInto(Path tar, String prefix) {
    return CommandResult.run("import", tar.toString(), "--to", registry.hostPort() + "/" + prefix, "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString());
  }

  /** {@code bytes} random bytes as base64 text: gzip leaves about three quarters of it. */
  private static String noise(long seed, int bytes) {
    byte[] b = new byte[bytes];
    new SplittableRandom(seed).nextBytes(b);
    return Base64.getEncoder().encodeToString(b);
  }

  private static List<Path> files(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }
}
