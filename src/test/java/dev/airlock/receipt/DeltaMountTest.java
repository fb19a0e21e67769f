package dev.airlock.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A base blob held only in a repository the delta does not import into (receipt format 2 names it): against real
 * docker-registry 2.8.2, a base image copied by skopeo into {@code mnt/base}, a receipt taken of it, a delta of a
 * new image {@code mnt/app} sharing its base layer: the import HEADs the layer in {@code mnt/app} (absent), then in
 * {@code mnt/base} (the receipt's repository), mounts it across, and skopeo reads the image back with the source
 * digest. With the layer's data deleted from the registry's storage: exit 3, storage unchanged.
 */
class DeltaMountTest {
  @RegisterExtension static RealRegistry source = RealRegistry.plain();
  @RegisterExtension static RealRegistry site = RealRegistry.plain();
  @RegisterExtension static RealRegistry gcSite = RealRegistry.plain();
  @TempDir Path tmp;

  static final Platform AMD64 = Platform.parse("linux/amd64");

  record Images(RawManifest base, RawManifest app) {}

  Images images() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    byte[] shared = TestImages.randomLayer(7, 300_000);
    RawManifest base = TestImages.image(l, AMD64, shared, TestImages.layer("base", "1.0"));
    RawManifest app = TestImages.image(l, AMD64, shared, TestImages.layer("app", "2.0"));
    push(l, base, "mnt/base", "1.0");
    push(l, app, "mnt/app", "2.0");
    return new Images(base, app);
  }

  static void push(LayoutStore l, RawManifest m, String repo, String tag) throws Exception {
    try (var reg = dev.airlock.registry.RegistryStore.open(source.hostPort(),
            dev.airlock.registry.RegistryOptions.anonymous());
        var c = new dev.airlock.transfer.GraphCopier(reg,
            dev.airlock.transfer.GraphCopier.Options.defaults().withReferrers(false))) {
      c.copy(l, "", m.digest().toString(), repo, tag);
    }
  }

  /** The base image reaches the site through skopeo (not airlock), and the site's receipt is taken of it. */
  Path siteWithBase(RealRegistry to, String name) throws Exception {
    var c = ProcessRunner.run(List.of(Peers.skopeo().toString(), "copy", "--preserve-digests",
        "--src-tls-verify=false", "--dest-tls-verify=false", "docker://" + source.hostPort() + "/mnt/base:1.0",
        "docker://" + to.hostPort() + "/mnt/base:1.0"));
    assertThat(c.exitCode()).as(c.err()).isZero();
    Path receipt = tmp.resolve(name + ".receipt.json");
    CommandResult r = CommandResult.run("receipt", "--from", to.hostPort(), "-o", receipt.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    return receipt;
  }

  Path delta(Path receipt, String name) throws Exception {
    Path spec = tmp.resolve(name + ".yaml");
    java.nio.file.Files.writeString(spec, "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: " + name
        + "}\nspec:\n  images:\n    - ref: " + source.hostPort() + "/mnt/app:2.0\n");
    Path out = tmp.resolve(name + ".tar");
    CommandResult b = CommandResult.run("bundle", spec.toString(), "-o", out.toString(), "--since", receipt.toString(),
        "--allow-unsigned-receipt");
    assertThat(b.exitCode()).as(b.err()).isZero();
    assertThat(b.out()).contains("delta:   1 blobs");
    return out;
  }

  @Test
  void aBaseBlobHeldOnlyInAnotherRepositoryIsMountedFromIt() throws Exception {
    Images im = images();
    Digest shared = im.app().layers().get(0).digest();
    Path receipt = siteWithBase(site, "site");
    try (Receipt r = Receipt.read(receipt)) {
      assertThat(r.header().version()).isEqualTo(2);
      assertThat(r.inventory().blobRepository(shared)).hasValue("mnt/base");
    }
    Path delta = delta(receipt, "app");
    assertThat(DeltaCycleTest.catalogDigests(delta, "SELECT digest FROM expected_blobs WHERE repository = 'mnt/base'"))
        .containsExactly(shared);
    CommandResult i = CommandResult.run("import", delta.toString(), "--to", site.hostPort(), "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString(), "--receipt", tmp.resolve("next.json").toString());
    assertThat(i.exitCode()).as(i.err() + i.out()).isZero();
    assertThat(i.err()).contains("delta: 1 blobs left out of the bundle are at the target (1 uses by the repositories"
        + " imported into, 1 found in another repository, mounted from it)");
    assertThat(DeltaCycleTest.skopeoDigest(Peers.skopeo(), site.hostPort() + "/mnt/app:2.0"))
        .isEqualTo(im.app().digest());
    var pull = ProcessRunner.run(List.of(Peers.skopeo().toString(), "copy", "--src-tls-verify=false",
        "docker://" + site.hostPort() + "/mnt/app:2.0", "oci:" + tmp.resolve("pulled") + ":app"));
    assertThat(pull.exitCode()).as(pull.err()).isZero();
    assertThat(LayoutStore.open(tmp.resolve("pulled")).blobSize("", shared)).hasValue(im.app().layers().get(0).size());
    try (Receipt next = Receipt.read(tmp.resolve("next.json"))) {
      assertThat(next.inventory().blobRepository(shared)).hasValue("mnt/app"); // the import's own repositories
    }
  }

  @Test
  void theSameDeltaFailsClosedWhenTheOtherRepositoryLostTheBlob() throws Exception {
    Images im = images();
    Digest shared = im.app().layers().get(0).digest();
    Path receipt = siteWithBase(gcSite, "gc");
    Path delta = delta(receipt, "gc-app");
    Path data = gcSite.storage().resolve("docker/registry/v2/blobs/sha256/" + shared.hex().substring(0, 2) + "/"
        + shared.hex());
    assertThat(data).isDirectory();
    DeltaCycleTest.deleteTree(data);
    List<String> before = DeltaCycleTest.storageFiles(gcSite.storage());
    CommandResult i = CommandResult.run("import", delta.toString(), "--to", gcSite.hostPort(), "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString());
    assertThat(i.exitCode()).as(i.err() + i.out()).isEqualTo(3);
    assertThat(i.err()).contains("needs 1 blob that " + gcSite.hostPort() + " does not have")
        .contains("nothing was pushed").contains(shared.toString()).contains(source.hostPort() + "/mnt/app:2.0");
    assertThat(DeltaCycleTest.storageFiles(gcSite.storage())).isEqualTo(before);
  }
}
