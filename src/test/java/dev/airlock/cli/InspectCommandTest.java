package dev.airlock.cli;

import static dev.airlock.testing.TestImages.layer;
import static dev.airlock.testing.TestImages.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.TestImages;
import dev.airlock.testing.CommandResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
  @TempDir Path dir;
  Path root;
  LayoutStore layout;
  RawManifest index;
  RawManifest single;
  RawManifest sbom;

  @BeforeEach
  void layout() throws IOException {
    root = dir.resolve("layout");
    layout = LayoutStore.openOrCreate(root);
    index = TestImages.multiArch(layout, "example.com/app:1.0");
    single = TestImages.dockerImage(layout, Platform.of("linux", "amd64", null), layer("solo"));
    layout.putManifest("example.com/solo", single, "2.0");
    sbom = TestImages.referrer(layout, single, MediaTypes.SPDX_JSON, utf8("{\"spdxVersion\":\"SPDX-2.3\"}"));
    // a cosign-style signature tag on the index
    RawManifest sig = TestImages.image(layout, Platform.of("linux", "amd64", null), layer("signature"));
    layout.putManifest("example.com/app", sig, index.digest().tagForm() + ".sig");
  }

  /** Every file under a directory with its size and modification time: to show nothing was written. */
  static Map<String, String> snapshot(Path d) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(d)) {
      for (Path p : s.toList()) {
        m.put(d.relativize(p).toString(), Files.isRegularFile(p) ? Files.size(p) + "@" + Files.getLastModifiedTime(p) : "dir");
      }
    }
    return m;
  }

  @Test
  void textShowsIndexPlatformsSizesAndReferrers() {
    CommandResult r = CommandResult.run("inspect", "oci:" + root + ":example.com/app:1.0");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("OCI index " + index.digest(), "linux/amd64", "linux/arm64/v8",
        index.manifests().get(1).digest().toString(), "2 layers",
        "(cosign tag example.com/app:" + index.digest().tagForm() + ".sig)", "unique blobs");
    CommandResult solo = CommandResult.run("inspect", "oci:" + root + ":example.com/solo:2.0");
    assertThat(solo.out()).contains("Docker manifest " + single.digest(), "referrer " + sbom.digest(),
        "application/spdx+json");
  }

  @Test
  void withoutRefEveryRefNameIsListed() {
    CommandResult r = CommandResult.run("inspect", "oci:" + root);
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("\nexample.com/app:1.0\n", "\nexample.com/solo:2.0\n",
        "\nexample.com/app:" + index.digest().tagForm() + ".sig\n");
  }

  @Test
  void jsonIncludesEveryManifestDigest() {
    CommandResult r = CommandResult.run("inspect", "-o", "json", "oci:" + root);
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode j = Json.tree(r.out().getBytes(StandardCharsets.UTF_8), "output");
    assertThat(j.path("generatedManifests").asBoolean()).isFalse();
    assertThat(j.path("refs")).hasSize(3);
    JsonNode app = j.path("refs").get(0);
    assertThat(app.path("ref").asText()).isEqualTo("example.com/app:1.0");
    assertThat(app.path("digest").asText()).isEqualTo(index.digest().toString());
    assertThat(app.path("manifest").path("manifests")).hasSize(2);
    for (int i = 0; i < 2; i++) {
      Descriptor child = index.manifests().get(i);
      JsonNode c = app.path("manifest").path("manifests").get(i);
      assertThat(c.path("digest").asText()).isEqualTo(child.digest().toString());
      assertThat(c.path("platform").asText()).isEqualTo(child.platform().toString());
      assertThat(c.path("layers")).hasSize(2);
    }
    assertThat(app.path("manifest").path("referrers").get(0).path("via").asText()).isEqualTo("tag");
    JsonNode solo = j.path("refs").get(2);
    assertThat(solo.path("manifest").path("referrers").get(0).path("digest").asText()).isEqualTo(sbom.digest().toString());
    assertThat(solo.path("manifest").path("referrers").get(0).path("artifactType").asText()).isEqualTo("application/spdx+json");
  }

  @Test
  void sparseIndexChildrenAreReportedNotFatal() throws IOException {
    Descriptor arm = index.manifests().get(1);
    Files.delete(layout.blobPath(arm.digest()));
    CommandResult r = CommandResult.run("inspect", "oci:" + root + ":example.com/app:1.0");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains(arm.digest() + "  linux/arm64/v8  (not in this store)");
  }

  @Test
  void buildxAttestationChildrenAreLabelled() throws IOException {
    RawManifest amd = TestImages.image(layout, Platform.of("linux", "amd64", null), layer("bx"));
    RawManifest att = TestImages.image(layout, Platform.of("unknown", "unknown", null), layer("{\"_type\":\"in-toto\"}"));
    Descriptor attestation = att.descriptor().withPlatform(Platform.of("unknown", "unknown", null))
        .withAnnotation("vnd.docker.reference.digest", amd.digest().toString())
        .withAnnotation("vnd.docker.reference.type", "attestation-manifest");
    TestImages.store(layout, TestImages.index(List.of(amd.descriptor().withPlatform(Platform.of("linux", "amd64", null)),
        attestation)), "example.com/bx:1");
    CommandResult r = CommandResult.run("inspect", "oci:" + root + ":example.com/bx:1");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains(att.digest() + "  unknown/unknown  (attestation for "
        + amd.digest().shortForm() + ")");
    CommandResult j = CommandResult.run("inspect", "-o", "json", "oci:" + root + ":example.com/bx:1");
    JsonNode children = Json.tree(j.out().getBytes(StandardCharsets.UTF_8), "out").path("refs").get(0).path("manifest").path("manifests");
    assertThat(children.get(1).path("role").asText()).isEqualTo("attestation");
    assertThat(children.get(0).has("role")).isFalse();
  }

  void assertFailsCleanly(CommandResult r, String... messageParts) {
    assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.err()).startsWith("airlock: ").contains(messageParts);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.out()).isEmpty();
  }

  @Test
  void blobWhoseContentDoesNotMatchItsName() throws IOException {
    Path manifest = layout.blobPath(index.manifests().get(0).digest());
    byte[] bytes = Files.readAllBytes(manifest);
    bytes[bytes.length - 2] = ' '; // same size, other content
    Files.write(manifest, bytes);
    Map<String, String> before = snapshot(root);
    assertFailsCleanly(CommandResult.run("inspect", "oci:" + root + ":example.com/app:1.0"),
        index.manifests().get(0).digest().toString(), "expected");
    assertThat(snapshot(root)).isEqualTo(before);
  }

  @Test
  void layerWhoseContentDoesNotMatchItsNameIsFoundWithVerify() throws IOException {
    Descriptor layer = single.layers().get(0);
    byte[] bytes = Files.readAllBytes(layout.blobPath(layer.digest()));
    bytes[bytes.length / 2] ^= 1;
    Files.write(layout.blobPath(layer.digest()), bytes);
    Map<String, String> before = snapshot(root);
    assertThat(CommandResult.run("inspect", "oci:" + root + ":example.com/solo:2.0").exitCode()).isZero();
    assertFailsCleanly(CommandResult.run("inspect", "--verify", "oci:" + root + ":example.com/solo:2.0"),
        "blob " + layer.digest(), "digest");
    assertThat(snapshot(root)).isEqualTo(before);
  }

  @Test
  void missingOrResizedBlobIsAnError() throws IOException {
    Descriptor layer = single.layers().get(0);
    Files.write(layout.blobPath(layer.digest()), new byte[3]);
    assertFailsCleanly(CommandResult.run("inspect", "oci:" + root + ":example.com/solo:2.0"), "layer 0", "size");
    Files.delete(layout.blobPath(layer.digest()));
    assertFailsCleanly(CommandResult.run("inspect", "oci:" + root + ":example.com/solo:2.0"), "is missing");
  }

  @Test
  void pathTraversalDigestInIndexJson() throws IOException {
    Files.writeString(root.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
        + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:../../../../etc/passwd\",\"size\":10,"
        + "\"annotations\":{\"org.opencontainers.image.ref.name\":\"evil\"}}]}");
    Map<String, String> before = snapshot(root);
    assertFailsCleanly(CommandResult.run("inspect", "oci:" + root + ":evil"), "index.json", "invalid digest");
    assertThat(snapshot(root)).isEqualTo(before);
  }

  @Test
  void malformedJson() throws IOException {
    Files.writeString(root.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"digest\":");
    Map<String, String> before = snapshot(root);
    assertFailsCleanly(CommandResult.run("inspect", "oci:" + root), "index.json", "not valid JSON");
    assertThat(snapshot(root)).isEqualTo(before);
    // a manifest blob that is not JSON (its digest matches, so only the parse fails)
    LayoutStore fresh = LayoutStore.openOrCreate(dir.resolve("fresh"));
    Descriptor junk = fresh.putBytes("application/vnd.oci.image.manifest.v1+json", "{not json".getBytes(StandardCharsets.UTF_8));
    fresh.addIndexEntry(junk.withAnnotation(Descriptor.REF_NAME, "junk"));
    assertFailsCleanly(CommandResult.run("inspect", "oci:" + dir.resolve("fresh") + ":junk"), "not valid JSON",
        junk.digest().toString());
  }

  @Test
  void truncatedOciArchive() throws IOException {
    Path tar = dir.resolve("layout.tar");
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(tar));
        Stream<Path> files = Files.walk(root)) {
      for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
        TarArchiveEntry e = new TarArchiveEntry(root.relativize(p).toString());
        e.setSize(Files.size(p));
        out.putArchiveEntry(e);
        Files.copy(p, out);
        out.closeArchiveEntry();
      }
    }
    assertThat(CommandResult.run("inspect", "oci-archive:" + tar).exitCode()).isZero();
    byte[] all = Files.readAllBytes(tar);
    Files.write(tar, java.util.Arrays.copyOf(all, all.length - 2000));
    Map<String, String> before = snapshot(dir);
    assertFailsCleanly(CommandResult.run("inspect", "oci-archive:" + tar), "truncated", tar.toString());
    assertThat(snapshot(dir)).isEqualTo(before);
  }

  @Test
  void otherLocations() throws IOException {
    int closedPort = dev.airlock.testing.RealRegistry.freePort();
    assertFailsCleanly(CommandResult.run("inspect", "--retries", "1", "127.0.0.1:" + closedPort + "/app:1"),
        "127.0.0.1:" + closedPort);
    assertFailsCleanly(CommandResult.run("inspect", "oci:" + dir.resolve("nope")), "no such directory");
    assertFailsCleanly(CommandResult.run("inspect", "oci:" + root + ":example.com/app:9"), "'example.com/app:9' is not in");
    assertFailsCleanly(CommandResult.run("inspect", "oci-archive:" + dir.resolve("nope.tar")), "no such file");
    assertThat(CommandResult.run("inspect", "-o", "yaml", "oci:" + root).exitCode()).isEqualTo(2);
    CommandResult digest = CommandResult.run("inspect", "oci:" + root + ":@" + index.digest());
    assertThat(digest.exitCode()).as(digest.err()).isZero();
    assertThat(digest.out()).contains("OCI index " + index.digest());
  }
}
