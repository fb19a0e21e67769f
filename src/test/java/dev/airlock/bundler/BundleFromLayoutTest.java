package dev.airlock.bundler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.TestImages;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bundles images from a local OCI layout end to end through the CLI; skopeo reads the result. */
class BundleFromLayoutTest {
  @TempDir Path tmp;
  RawManifest appIndex;
  RawManifest amd64;
  RawManifest tool;
  RawManifest sig;
  RawManifest sbom;
  byte[] shared;

  @BeforeEach
  void layout() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    shared = TestImages.layer("base.txt", "shared base layer");
    amd64 = TestImages.image(l, Platform.parse("linux/amd64"), shared, TestImages.layer("a", "amd64"));
    RawManifest arm64 = TestImages.image(l, Platform.parse("linux/arm64"), shared, TestImages.layer("a", "arm64"));
    RawManifest s390x = TestImages.image(l, Platform.parse("linux/s390x"), shared, TestImages.layer("a", "s390x"));
    appIndex = TestImages.index(l, List.of(amd64, arm64, s390x),
        List.of(Platform.parse("linux/amd64"), Platform.parse("linux/arm64/v8"), Platform.parse("linux/s390x")));
    TestImages.tag(l, appIndex, "app-1.0");
    tool = TestImages.dockerImage(l, Platform.parse("linux/amd64"), shared, TestImages.layer("t", "tool"));
    TestImages.tag(l, tool, "tool-2.0");
    sig = TestImages.cosignSignature(l, appIndex.digest());
    sbom = TestImages.spdxReferrer(l, appIndex, "busybox", "1.36.1");
    Files.createDirectories(tmp.resolve("files/sub"));
    Files.writeString(tmp.resolve("files/a.yaml"), "kind: ConfigMap\n");
    Files.writeString(tmp.resolve("files/sub/b.yaml"), "kind: Secret\n");
    Files.writeString(tmp.resolve("bundle.yaml"), """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: layout-test}
        spec:
          platforms: [linux/amd64, linux/arm64]
          images:
            - layout: ./src:app-1.0
              name: registry.example/team/app:1.0
            - layout: ./src:tool-2.0
              name: registry.example/team/tool:2.0
          artifacts:
            - path: ./files
              mediaType: application/vnd.cncf.flux.content.v1.tar+gzip
              name: registry.example/team/manifests:v1
        """);
  }

  @Test
  void bundlesReproduciblyWithDedupCatalogAndReferrers() throws Exception {
    Path out = tmp.resolve("out/b.tar");
    CommandResult r = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", out.toString(), "-j", "3");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("sha256:");
    String hex = Digest.sha256(Files.readAllBytes(out)).hex();
    assertThat(Files.readString(tmp.resolve("out/b.tar.sha256"))).isEqualTo(hex + "  b.tar\n");
    assertThat(r.out()).contains(hex);
    assertThat(tmp.resolve("out/b.tar.catalog.db")).exists();
    assertThat(tmp.resolve("out/b.tar.work")).doesNotExist();
    Path lock = tmp.resolve("out/b.tar.lock.yaml");
    assertThat(Files.readString(lock)).contains("registry.example/team/app:1.0", appIndex.digest().toString());

    // tar: sorted, no duplicates, each shared blob once, nothing but the layout
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream t = new TarArchiveInputStream(Files.newInputStream(out))) {
      TarArchiveEntry e;
      while ((e = t.getNextEntry()) != null) {
        names.add(e.getName());
        assertThat(e.getModTime().getTime()).isZero();
        assertThat(e.getUserName()).isEmpty();
        assertThat(e.getLongUserId()).isZero();
      }
    }
    assertThat(names).isSorted().doesNotHaveDuplicates();
    assertThat(names).filteredOn(n -> n.equals("blobs/sha256/" + Digest.sha256(shared).hex())).hasSize(1);
    assertThat(names).allMatch(n -> n.startsWith("blobs/") || n.equals("index.json") || n.equals("oci-layout"));
    assertThat(names).contains("blobs/sha256/" + sig.digest().hex(), "blobs/sha256/" + sbom.digest().hex());

    // a second run from the lock gives the same bytes
    Path out2 = tmp.resolve("out2/b.tar");
    CommandResult r2 = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", out2.toString(),
        "--lock", lock.toString());
    assertThat(r2.exitCode()).as(r2.err()).isZero();
    assertThat(Files.readAllBytes(out2)).isEqualTo(Files.readAllBytes(out));

    CommandResult verified = CommandResult.run("verify", out.toString(), "--allow-unsigned");
    assertThat(verified.exitCode()).as(verified.out() + verified.err()).isZero();

    // skopeo reads every image with the source digest
    Peers.skopeo();
    String raw = ProcessRunner.run(List.of("skopeo", "inspect", "--raw", "oci-archive:" + out + ":registry.example/team/app:1.0"))
        .assertOk().out();
    assertThat(Digest.sha256(raw.getBytes(StandardCharsets.UTF_8))).isEqualTo(appIndex.digest());
    // skopeo 1.9 only addresses OCI-typed index.json entries by name; the Docker-typed image is read
    // from the unpacked layout by airlock's own layout store instead
    LayoutStore unpacked = LayoutStore.open(untar(out, tmp.resolve("unpacked")));
    assertThat(unpacked.getManifest("registry.example/team/tool", "2.0").digest()).isEqualTo(tool.digest());
    unpacked.verifyAllBlobs();
    String inspect = ProcessRunner.run(List.of("skopeo", "--override-arch", "amd64", "--override-os", "linux", "inspect",
        "oci-archive:" + out + ":registry.example/team/app:1.0")).assertOk().out();
    assertThat(inspect).contains(amd64.layers().get(1).digest().toString());
    ProcessRunner.run(List.of("skopeo", "copy", "--override-arch", "arm64", "oci-archive:" + out
        + ":registry.example/team/app:1.0", "oci:" + tmp.resolve("copied") + ":t")).assertOk();

    // catalog: absent platform recorded, referrers, SBOM packages, files
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + tmp.resolve("out/b.tar.catalog.db"))) {
      assertThat(query(c, "SELECT platform FROM index_children WHERE present = 0")).containsExactly("linux/s390x");
      assertThat(query(c, "SELECT kind || ' ' || via FROM referrers ORDER BY 1"))
          .containsExactly("sbom referrers", "signature cosign-tag");
      assertThat(query(c, "SELECT name || ' ' || version FROM sbom_packages")).containsExactly("busybox 1.36.1");
      assertThat(query(c, "SELECT path FROM files ORDER BY 1")).containsExactly("a.yaml", "sub/b.yaml");
      assertThat(query(c, "SELECT ref FROM sources ORDER BY 1")).containsExactly(
          "registry.example/team/app:1.0", "registry.example/team/manifests:v1", "registry.example/team/tool:2.0");
    }

    // audit from the catalog beside, and from inside the tar
    CommandResult audit = CommandResult.run("audit", out.toString());
    assertThat(audit.exitCode()).as(audit.err()).isZero();
    assertThat(audit.out()).contains("image registry.example/team/app:1.0", "left out: linux/s390x", "signature:",
        "sbom:", "dedup saving:");
    Files.delete(tmp.resolve("out/b.tar.catalog.db"));
    CommandResult json = CommandResult.run("audit", out.toString(), "-o", "json");
    assertThat(json.exitCode()).as(json.err()).isZero();
    var report = dev.airlock.oci.Json.MAPPER.readTree(json.out());
    assertThat(report.path("bundle").path("name").asText()).isEqualTo("layout-test");
    assertThat(report.path("referencedBytes").asLong()).isGreaterThan(report.path("uniqueLayerBytes").asLong());
    // the shared base layer is used three times; the 2-byte empty config by the SBOM and the file artifact
    assertThat(report.path("dedupSavedBytes").asLong()).isEqualTo(2L * shared.length + 2);
  }

  @Test
  void zstdBundleIsReadableByAudit() throws Exception {
    Path out = tmp.resolve("z/b.tar.zst");
    CommandResult r = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", out.toString(),
        "--compress", "zstd");
    assertThat(r.exitCode()).as(r.err()).isZero();
    byte[] head;
    try (InputStream in = Files.newInputStream(out)) {
      head = in.readNBytes(4);
    }
    assertThat(head).containsExactly(0x28, 0xb5, 0x2f, 0xfd);
    CommandResult verified = CommandResult.run("verify", out.toString(), "--allow-unsigned");
    assertThat(verified.exitCode()).as(verified.out() + verified.err()).isZero();
    Files.delete(tmp.resolve("z/b.tar.zst.catalog.db"));
    CommandResult audit = CommandResult.run("audit", out.toString());
    assertThat(audit.exitCode()).as(audit.err()).isZero();
    assertThat(audit.out()).contains("registry.example/team/tool:2.0");
  }

  @Test
  void bundlesFromOciAndDockerArchives() throws Exception {
    Peers.skopeo();
    ProcessRunner.run(List.of("skopeo", "copy", "oci:" + tmp.resolve("src") + ":app-1.0",
        "oci-archive:" + tmp.resolve("app.tar") + ":app")).assertOk();
    ProcessRunner.run(List.of("skopeo", "copy", "oci:" + tmp.resolve("src") + ":app-1.0",
        "docker-archive:" + tmp.resolve("saved.tar") + ":registry.example/saved:1")).assertOk();
    Files.writeString(tmp.resolve("archives.yaml"), """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: archives}
        spec:
          referrers: {include: []}
          images:
            - archive: oci-archive:./app.tar:app
              name: registry.example/from-oci-archive:1
            - archive: docker-archive:./saved.tar
              name: registry.example/from-docker-archive:1
        """);
    Path out = tmp.resolve("a/b.tar");
    CommandResult r = CommandResult.run("bundle", tmp.resolve("archives.yaml").toString(), "-o", out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    String raw = ProcessRunner.run(List.of("skopeo", "inspect", "--raw",
        "oci-archive:" + out + ":registry.example/from-oci-archive:1")).assertOk().out();
    String source = ProcessRunner.run(List.of("skopeo", "inspect", "--raw", "oci-archive:" + tmp.resolve("app.tar") + ":app"))
        .assertOk().out();
    assertThat(raw).isEqualTo(source);
    assertThat(Digest.sha256(raw.getBytes(StandardCharsets.UTF_8))).isEqualTo(amd64.digest());
    try (var bundle = dev.airlock.store.archive.TarLayoutStore.open(out)) {
      assertThat(bundle.resolve("registry.example/from-docker-archive", "1")).isPresent();
    }
  }

  static Path untar(Path tar, Path dir) throws Exception {
    try (TarArchiveInputStream t = new TarArchiveInputStream(Files.newInputStream(tar))) {
      TarArchiveEntry e;
      while ((e = t.getNextEntry()) != null) {
        Path p = dir.resolve(e.getName()).normalize();
        assertThat(p.startsWith(dir)).isTrue();
        if (e.isDirectory()) {
          Files.createDirectories(p);
        } else {
          Files.createDirectories(p.getParent());
          Files.copy(t, p);
        }
      }
    }
    return dir;
  }

  static List<String> query(Connection c, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (ResultSet rs = c.createStatement().executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
