package dev.airlock.registry;

import static dev.airlock.testing.TestImages.randomBytes;
import static dev.airlock.testing.TestImages.randomLayers;
import static dev.airlock.testing.TestImages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.NotFoundException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.transfer.GraphCopier;
import dev.airlock.transfer.GraphRecord;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Pull and push against a real docker-registry (distribution 2.8: no referrers API, so the fallback tag). */
class RegistryStoreRealTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir Path tmp;

  private static final Platform AMD64 = Platform.parse("linux/amd64");
  private static final Platform ARM64 = Platform.parse("linux/arm64");

  private RegistryStore store() {
    return RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous());
  }

  /** A referrer of {@code subject} whose config has the custom media type {@code configType} (and no artifactType). */
  private static RawManifest artifact(LayoutStore l, String configType, String payload, RawManifest subject)
      throws IOException {
    Descriptor config = l.putBytes(configType, utf8("{}"));
    Descriptor blob = l.putBytes("text/plain", utf8(payload));
    return TestImages.store(l, TestImages.manifest(null, config, List.of(blob), subject.descriptor()), null);
  }

  private static GraphRecord copy(dev.airlock.store.ContentStore src, String srcRepo, String ref,
      dev.airlock.store.ContentStore dst, String dstRepo, String tag, boolean referrers) throws Exception {
    try (GraphCopier c = new GraphCopier(dst, GraphCopier.Options.defaults().withReferrers(referrers))) {
      return c.copy(src, srcRepo, ref, dstRepo, tag);
    }
  }

  @Test
  void pushesAndPullsAnImageDigestForDigest() throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    RawManifest img = TestImages.image(src, AMD64, randomLayers(1, 3));
    TestImages.tag(src, img, "v1");
    RegistryStore reg = store();
    copy(src, "", "v1", reg, "team/app", "v1", false);

    assertThat(reg.tags("team/app")).containsExactly("v1");
    assertThat(reg.resolve("team/app", "v1")).get().extracting(Descriptor::digest).isEqualTo(img.digest());
    RawManifest got = reg.getManifest("team/app", "v1");
    assertThat(got.bytes()).isEqualTo(img.bytes());
    assertThat(got.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);

    LayoutStore back = LayoutStore.openOrCreate(tmp.resolve("back"));
    GraphRecord rec = copy(reg, "team/app", "v1", back, "", "v1", false);
    assertThat(rec.root().digest()).isEqualTo(img.digest());
    for (Descriptor d : img.children()) {
      assertThat(Files.readAllBytes(back.blobPath(d.digest()))).isEqualTo(Files.readAllBytes(src.blobPath(d.digest())));
    }
    // a second push moves no blob
    GraphRecord again = copy(src, "", "v1", reg, "team/app", "v1", false);
    assertThat(again.blobs()).allMatch(b -> !b.transferred());
  }

  @Test
  void indexWithPlatformFilterKeepsTheIndexBytes() throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    RawManifest amd = TestImages.image(src, AMD64, randomLayers(11, 1));
    RawManifest arm = TestImages.image(src, ARM64, randomLayers(12, 1));
    RawManifest idx = TestImages.index(src, List.of(amd, arm), List.of(AMD64, ARM64));
    TestImages.tag(src, idx, "multi");
    RegistryStore reg = store();
    copy(src, "", "multi", reg, "team/multi", "multi", false);
    RawManifest got = reg.getManifest("team/multi", "multi");
    assertThat(got.digest()).isEqualTo(idx.digest());
    assertThat(got.mediaType()).isEqualTo(MediaTypes.OCI_INDEX);

    LayoutStore back = LayoutStore.openOrCreate(tmp.resolve("back"));
    try (GraphCopier c = new GraphCopier(back, GraphCopier.Options.defaults().withReferrers(false)
        .withPlatforms(List.of(Platform.parse("linux/arm64"))))) {
      c.copy(reg, "team/multi", "multi", "", "multi");
    }
    assertThat(back.resolve("", "multi")).get().extracting(Descriptor::digest).isEqualTo(idx.digest());
    assertThat(back.hasBlob("", arm.digest())).isTrue();
    assertThat(back.hasBlob("", amd.digest())).isFalse();
  }

  @Test
  void artifactsAndReferrersThroughTheFallbackTag() throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    RawManifest img = TestImages.image(src, AMD64, randomLayers(21, 1));
    TestImages.tag(src, img, "v1");
    RawManifest sbom = artifact(src, "application/vnd.example.sbom.config+json", "sbom", img);
    RawManifest sig = artifact(src, "application/vnd.example.sig.config+json", "sig", img);
    RegistryStore reg = store();
    GraphRecord pushed = copy(src, "", "v1", reg, "team/signed", "v1", true);
    assertThat(pushed.referrers()).hasSize(2);

    assertThat(reg.tags("team/signed")).contains(img.digest().tagForm());
    RegistryStore fresh = store();
    List<Descriptor> refs = fresh.referrers("team/signed", img.digest(), null);
    assertThat(refs).extracting(Descriptor::digest).containsExactlyInAnyOrder(sbom.digest(), sig.digest());
    assertThat(refs).extracting(Descriptor::artifactType)
        .containsExactlyInAnyOrder("application/vnd.example.sbom.config+json", "application/vnd.example.sig.config+json");
    assertThat(fresh.referrers("team/signed", img.digest(), "application/vnd.example.sig.config+json"))
        .extracting(Descriptor::digest).containsExactly(sig.digest());
    // the custom config type survives the round trip
    assertThat(fresh.getManifest("team/signed", sbom.digest().toString()).bytes()).isEqualTo(sbom.bytes());

    // pulling with referrers brings them back; the fallback index keeps both entries after a re-push
    copy(src, "", "v1", reg, "team/signed", "v1", true);
    assertThat(fresh.referrers("team/signed", img.digest(), null)).hasSize(2);
    LayoutStore back = LayoutStore.openOrCreate(tmp.resolve("back"));
    copy(fresh, "team/signed", "v1", back, "", "v1", true);
    assertThat(back.referrers("", img.digest(), null)).extracting(Descriptor::digest)
        .containsExactlyInAnyOrder(sbom.digest(), sig.digest());
  }

  @Test
  void crossRepositoryMountSendsNoBytes() throws Exception {
    RegistryStore reg = store();
    byte[] data = randomBytes(31, 50_000);
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(data), data.length);
    reg.putBlob("mount/from", blob, () -> new ByteArrayInputStream(data));
    assertThat(reg.mountBlob("mount/to", blob.digest(), "mount/from")).isTrue();
    assertThat(reg.hasBlob("mount/to", blob.digest())).isTrue();
    // a store that knows where a blob lives mounts it instead of uploading
    reg.putBlob("mount/third", blob, () -> {
      throw new AssertionError("the blob must be mounted, not read");
    });
    assertThat(reg.hasBlob("mount/third", blob.digest())).isTrue();
    String log = registry.log();
    assertThat(log).contains("/v2/mount/to/blobs/uploads/?mount=" + blob.digest().toString().replace(":", "%3A"));
    assertThat(log).doesNotContain("PUT /v2/mount/to/blobs/uploads/").doesNotContain("PUT /v2/mount/third/blobs/uploads/")
        .doesNotContain("PATCH /v2/mount/to/").doesNotContain("PATCH /v2/mount/third/");
    assertThat(log).contains("PUT /v2/mount/from/blobs/uploads/");
  }

  @Test
  void chunkedUploadOfALargerBlob() throws Exception {
    RegistryStore reg = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous().withUploadSizes(10_000, 30_000));
    byte[] data = randomBytes(41, 100_000);
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(data), data.length);
    reg.putBlob("chunked/app", blob, () -> new ByteArrayInputStream(data));
    try (InputStream in = reg.openBlob("chunked/app", blob)) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    assertThat(registry.log()).contains("PATCH /v2/chunked/app/blobs/uploads/");
  }

  @Test
  void wrongBytesAreNeverPushedAndMissingContentIsNotFound() throws Exception {
    RegistryStore reg = store();
    byte[] data = randomBytes(51, 5000);
    Descriptor claimed = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256("other".getBytes()), data.length);
    assertThatThrownBy(() -> reg.putBlob("bad/app", claimed, () -> new ByteArrayInputStream(data)))
        .hasMessageContaining(claimed.digest().toString());
    assertThat(reg.hasBlob("bad/app", claimed.digest())).isFalse();
    // chunked, the bytes go in PATCHes and the mismatch shows before the final PUT: the upload is cancelled,
    // so its bytes do not wait in the registry's storage for its purge (a week by default). (After a monolithic
    // PUT, docker-registry 2.8 refuses a DELETE whose session state predates the body, and fails to drop the
    // upload itself: that one stays until the purge.)
    RegistryStore chunking = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous().withUploadSizes(1000, 2000));
    assertThatThrownBy(() -> chunking.putBlob("bad/chunked", claimed, () -> new ByteArrayInputStream(data)))
        .hasMessageContaining(claimed.digest().toString());
    assertThat(registry.log()).contains("PATCH /v2/bad/chunked/blobs/uploads/", "DELETE /v2/bad/chunked/blobs/uploads/");
    Path uploads = registry.storage().resolve("docker/registry/v2/repositories/bad/chunked/_uploads");
    assertThat(uploads).isDirectory();
    try (java.util.stream.Stream<Path> left = Files.walk(uploads)) {
      assertThat(left.filter(f -> f.getFileName().toString().equals("data")))
          .as("uploaded bytes left in the registry").isEmpty();
    }
    assertThatThrownBy(() -> reg.getManifest("bad/app", "nope")).isInstanceOf(NotFoundException.class)
        .hasMessageContaining("404").hasMessageContaining("bad/app:nope");
    assertThat(reg.resolve("bad/app", "nope")).isEmpty();
    assertThat(reg.tags("never/pushed")).isEmpty();
  }
}
