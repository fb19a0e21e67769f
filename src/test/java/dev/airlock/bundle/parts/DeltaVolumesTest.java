package dev.airlock.bundle.parts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.transfer.GraphCopier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delta bundle (format v3, {@code bundle --since RECEIPT}) cut into volumes: every part at most the volume, each
 * verifies alone, the set verifies as a delta, imports into the docker-registry the receipt was taken of (skopeo
 * reads back the source digests), is deterministic with {@code --lock}, and into a registry that lost a base blob
 * is refused before anything is pushed (the delta's pre-check of base blobs applies to a set of parts too); the
 * same delta in compressed volumes ({@code --compress zstd}) too.
 */
class DeltaVolumesTest {
  @RegisterExtension static RealRegistry source = RealRegistry.plain();
  @RegisterExtension static RealRegistry site = RealRegistry.plain();
  @RegisterExtension static RealRegistry gcSite = RealRegistry.plain();
  @TempDir Path tmp;

  static final Platform AMD64 = Platform.parse("linux/amd64");
  static final long VOLUME = 128 * 1024;

  @Test
  void aDeltaCutIntoVolumesVerifiesPartByPartAndImportsOnlyWhereItsBaseIs() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    byte[] base = TestImages.randomLayer(1, 600_000);
    RawManifest app1 = TestImages.image(l, AMD64, base, TestImages.layer("app", "1.0"));
    RawManifest tool = TestImages.image(l, AMD64, base, TestImages.layer("tool", "1.0"));
    push(l, app1, "vol/app", "1.0");
    push(l, tool, "vol/tool", "1.0");
    Path week1 = tmp.resolve("week1.tar");
    ok(CommandResult.run("bundle", spec("week1", "vol/app:1.0", "vol/tool:1.0").toString(), "-o", week1.toString()));
    Path r1 = tmp.resolve("r1.json");
    ok(CommandResult.run("import", week1.toString(), "--to", site.hostPort(), "--allow-unsigned", "--catalog",
        tmp.resolve("history.db").toString(), "--receipt", r1.toString()));
    ok(CommandResult.run("import", week1.toString(), "--to", gcSite.hostPort(), "--allow-unsigned", "--catalog",
        tmp.resolve("history.db").toString()));

    // week 2: app gains a 400 KB layer, svc is new with a 300 KB one; both share the 600 KB base
    RawManifest app2 = TestImages.image(l, AMD64, base, TestImages.layer("app", "1.0"), TestImages.randomLayer(2, 400_000));
    RawManifest svc = TestImages.image(l, AMD64, base, TestImages.randomLayer(3, 300_000));
    push(l, app2, "vol/app", "1.0");
    push(l, svc, "vol/svc", "1.0");
    Path spec2 = spec("week2", "vol/app:1.0", "vol/tool:1.0", "vol/svc:1.0");
    Path dir = Files.createDirectories(tmp.resolve("week2"));
    CommandResult b = ok(CommandResult.run("bundle", spec2.toString(), "-o", dir.resolve("site.tar").toString(),
        "--since", r1.toString(), "--allow-unsigned-receipt", "--volume-size", "128KiB"));
    assertThat(b.out()).contains("parts:   ").contains("delta:   4 blobs");
    List<Path> parts = VolumesTest.partFiles(dir);
    // 700 KB carried (two new layers, configs, manifests) in 128 KiB volumes; the 600 KB base is left out
    assertThat(parts).hasSizeBetween(6, 8);
    for (Path p : parts) {
      assertThat(Files.size(p)).isLessThanOrEqualTo(VOLUME);
      CommandResult alone = ok(CommandResult.run("verify", p.toString(), "--this-part", "--allow-unsigned"));
      assertThat(alone.out()).contains("of bundle 'week2'").contains("Verified (this part alone");
    }
    try (var set = dev.airlock.store.archive.TarLayoutStore.open(dir)) { // the set read in place
      assertThat(set.hasBlob("", app1.layers().get(0).digest())).as("the base is left out").isFalse();
      assertThat(set.hasBlob("", app2.layers().get(2).digest())).as("app's new layer is carried").isTrue();
      assertThat(set.hasBlob("", svc.layers().get(1).digest())).as("svc's layer is carried").isTrue();
    }
    CommandResult set = ok(CommandResult.run("verify", dir.toString(), "--allow-unsigned"));
    assertThat(set.out()).contains("Parts of bundle 'week2' (" + parts.size() + " parts)")
        .contains("4 blobs left out as expected at the target").contains("computed against receipt")
        .contains("Verified.");

    // the same content, --lock and --volume-size: the same bytes
    Path again = Files.createDirectories(tmp.resolve("again"));
    ok(CommandResult.run("bundle", spec2.toString(), "-o", again.resolve("site.tar").toString(), "--since",
        r1.toString(), "--allow-unsigned-receipt", "--volume-size", "128KiB", "--lock",
        dir.resolve("site.tar.lock.yaml").toString()));
    assertThat(Files.readString(again.resolve("site.tar.sha256"))).isEqualTo(Files.readString(dir.resolve("site.tar.sha256")));

    // a registry that lost the base blob: refused before anything is pushed, naming the blob
    Digest baseDigest = app1.layers().get(0).digest();
    Path data = gcSite.storage().resolve("docker/registry/v2/blobs/sha256/" + baseDigest.hex().substring(0, 2) + "/"
        + baseDigest.hex());
    assertThat(data).isDirectory();
    deleteTree(data);
    List<String> before = storageFiles(gcSite.storage());
    CommandResult refused = CommandResult.run("import", parts.get(2).toString(), "--to", gcSite.hostPort(),
        "--allow-unsigned", "--catalog", tmp.resolve("history.db").toString(), "--receipt-target", site.hostPort());
    assertThat(refused.exitCode()).as(refused.out() + refused.err()).isEqualTo(3);
    assertThat(refused.err()).contains("does not have").contains("nothing was pushed").contains(baseDigest.toString());
    assertThat(storageFiles(gcSite.storage())).isEqualTo(before);

    // the receipt's registry has the base: the set imports (read in place, from any one part) with the source digests
    Path r2 = tmp.resolve("r2.json");
    CommandResult i = ok(CommandResult.run("import", parts.get(3).toString(), "--to", site.hostPort(),
        "--allow-unsigned", "--catalog", tmp.resolve("history.db").toString(), "--receipt", r2.toString()));
    assertThat(i.err()).contains("delta: 4 blobs left out of the bundle are at the target");
    Path skopeo = Peers.skopeo();
    assertThat(skopeoDigest(skopeo, site.hostPort() + "/vol/app:1.0")).isEqualTo(app2.digest());
    assertThat(skopeoDigest(skopeo, site.hostPort() + "/vol/svc:1.0")).isEqualTo(svc.digest());
    assertThat(skopeoDigest(skopeo, site.hostPort() + "/vol/tool:1.0")).isEqualTo(tool.digest());
    var pull = ProcessRunner.run(List.of(skopeo.toString(), "copy", "--src-tls-verify=false",
        "docker://" + site.hostPort() + "/vol/svc:1.0", "oci:" + tmp.resolve("pulled") + ":svc"));
    assertThat(pull.exitCode()).as(pull.err()).isZero();
    assertThat(r2).exists();

    // the same delta in compressed volumes (part format version 2): each part alone, the set as a delta, the
    // pre-check of the base at a target that lost it, and the import where the base is
    Path zdir = Files.createDirectories(tmp.resolve("week2-zstd"));
    ok(CommandResult.run("bundle", spec2.toString(), "-o", zdir.resolve("site.tar").toString(), "--since",
        r1.toString(), "--allow-unsigned-receipt", "--volume-size", "128KiB", "--compress", "zstd", "--lock",
        dir.resolve("site.tar.lock.yaml").toString()));
    List<Path> zparts;
    try (var s = Files.list(zdir)) {
      zparts = s.filter(p -> p.getFileName().toString().matches("site\\.part-\\d+-of-\\d+\\.tar\\.zst")).sorted().toList();
    }
    assertThat(zparts).isNotEmpty();
    for (Path p : zparts) {
      assertThat(Files.size(p)).isLessThanOrEqualTo(VOLUME);
      ok(CommandResult.run("verify", p.toString(), "--this-part", "--allow-unsigned"));
    }
    CommandResult zset = ok(CommandResult.run("verify", zdir.toString(), "--allow-unsigned"));
    assertThat(zset.out()).contains("4 blobs left out as expected at the target").contains("Verified.");
    List<String> gcBefore = storageFiles(gcSite.storage());
    CommandResult zrefused = CommandResult.run("import", zdir.toString(), "--to", gcSite.hostPort(), "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString(), "--receipt-target", site.hostPort());
    assertThat(zrefused.exitCode()).as(zrefused.out() + zrefused.err()).isEqualTo(3);
    assertThat(zrefused.err()).contains("does not have").contains("nothing was pushed");
    assertThat(storageFiles(gcSite.storage())).isEqualTo(gcBefore);
    CommandResult zi = ok(CommandResult.run("import", zparts.get(0).toString(), "--to", site.hostPort(),
        "--allow-unsigned", "--catalog", tmp.resolve("history.db").toString()));
    assertThat(zi.err()).contains("delta: 4 blobs left out of the bundle are at the target");
    assertThat(skopeoDigest(skopeo, site.hostPort() + "/vol/app:1.0")).isEqualTo(app2.digest());
  }

  static CommandResult ok(CommandResult r) {
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    return r;
  }

  Path spec(String name, String... refs) throws Exception {
    StringBuilder sb = new StringBuilder("apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: " + name
        + "}\nspec:\n  images:\n");
    for (String r : refs) {
      sb.append("    - ref: ").append(source.hostPort()).append('/').append(r).append('\n');
    }
    Path p = tmp.resolve(name + ".yaml");
    Files.writeString(p, sb.toString());
    return p;
  }

  static void push(LayoutStore l, RawManifest m, String repo, String tag) throws Exception {
    try (RegistryStore reg = RegistryStore.open(source.hostPort(), RegistryOptions.anonymous());
        GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults().withReferrers(false))) {
      c.copy(l, "", m.digest().toString(), repo, tag);
    }
  }

  static Digest skopeoDigest(Path skopeo, String ref) throws Exception {
    var r = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false", "docker://" + ref));
    assertThat(r.exitCode()).as(r.err()).isZero();
    return Digest.sha256(r.out().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  static List<String> storageFiles(Path storage) throws Exception {
    try (var s = Files.walk(storage)) {
      return s.filter(Files::isRegularFile).filter(p -> !p.toString().contains("/_uploads/"))
          .map(p -> storage.relativize(p) + " " + p.toFile().length()).sorted().toList();
    }
  }

  static void deleteTree(Path d) throws Exception {
    try (var s = Files.walk(d)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
