package dev.airlock.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraphCopierTest {
  @TempDir Path tmp;

  private static final Platform AMD64 = Platform.parse("linux/amd64");
  private static final Platform ARM64 = Platform.parse("linux/arm64");

  @Test
  void copiesIndexWithReferrersPreservingDigests() throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    TestImages t = new TestImages(src);
    RawManifest a = t.image(AMD64, "base", "app-amd64");
    RawManifest b = t.image(ARM64, "base", "app-arm64");
    src.putManifest("", a, null);
    src.putManifest("", b, null);
    RawManifest idx = t.index(List.of(a, b), List.of(AMD64, ARM64));
    src.putManifest("example.com/app", idx, "v1");
    RawManifest sig = t.referrer(idx, "application/vnd.dev.sigstore.bundle.v0.3+json",
        "application/vnd.dev.sigstore.bundle.v0.3+json", "{\"sig\":1}");
    src.putManifest("", sig, null);
    RawManifest sigOnSig = t.referrer(sig, "application/spdx+json", "application/spdx+json", "{\"spdx\":1}");
    src.putManifest("", sigOnSig, null);
    RawManifest cosign = t.referrer(a, "application/vnd.dev.cosign.simplesigning.v1+json",
        "application/vnd.dev.cosign.simplesigning.v1+json", "{\"critical\":{}}");
    src.putManifest("example.com/app", cosign, a.digest().tagForm() + ".sig");

    LayoutStore dst = LayoutStore.openOrCreate(tmp.resolve("dst"));
    GraphRecord rec;
    try (GraphCopier c = new GraphCopier(dst, GraphCopier.Options.defaults())) {
      rec = c.copy(src, "example.com/app", "v1", "mirror/app", "v1");
    }
    assertThat(dst.getManifest("mirror/app", "v1").bytesUnsafe()).isEqualTo(idx.bytesUnsafe());
    assertThat(dst.referrers("", idx.digest(), null)).extracting(d -> d.digest()).containsExactly(sig.digest());
    assertThat(dst.referrers("", sig.digest(), null)).extracting(d -> d.digest()).containsExactly(sigOnSig.digest());
    assertThat(dst.resolve("mirror/app", a.digest().tagForm() + ".sig")).get()
        .extracting(d -> d.digest()).isEqualTo(cosign.digest());
    assertThat(rec.referrers()).extracting(GraphRecord.ReferrerSeen::kind)
        .contains(ReferrerKind.SIGNATURE, ReferrerKind.SBOM);
    // the shared base layer was transferred once
    long baseTransfers = rec.blobs().stream()
        .filter(bl -> bl.digest().equals(TestImages.digestOf("base")) && bl.transferred()).count();
    assertThat(baseTransfers).isEqualTo(1);
    dst.verifyAllBlobs();
  }

  @Test
  void platformFilterKeepsIndexBytesAndRecordsAbsentChildren() throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    TestImages t = new TestImages(src);
    RawManifest a = t.image(AMD64, "base", "only-amd64");
    RawManifest b = t.image(ARM64, "base", "only-arm64");
    src.putManifest("", a, null);
    src.putManifest("", b, null);
    RawManifest idx = t.index(List.of(a, b), List.of(AMD64, ARM64));
    src.putManifest("r", idx, "v1");

    LayoutStore dst = LayoutStore.openOrCreate(tmp.resolve("dst"));
    GraphRecord rec;
    try (GraphCopier c = new GraphCopier(dst, GraphCopier.Options.defaults().withPlatforms(List.of(ARM64)))) {
      rec = c.copy(src, "r", "v1", "r", "v1");
    }
    assertThat(dst.getManifest("r", "v1").digest()).isEqualTo(idx.digest());
    assertThat(dst.hasBlob("", b.digest())).isTrue();
    assertThat(dst.hasBlob("", a.digest())).isFalse();
    assertThat(dst.hasBlob("", TestImages.digestOf("only-amd64"))).isFalse();
    assertThat(rec.indexChildren()).anySatisfy(ch -> {
      assertThat(ch.child()).isEqualTo(a.digest());
      assertThat(ch.present()).isFalse();
    });
  }

  @Test
  void corruptSourceBlobIsRejectedAndNothingStored() throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    TestImages t = new TestImages(src);
    RawManifest a = t.image(AMD64, "good", "will-be-corrupted");
    src.putManifest("r", a, "v1");
    Path layer = src.blobPath(TestImages.digestOf("will-be-corrupted"));
    Files.writeString(layer, "tampered-content!!");

    LayoutStore dst = LayoutStore.openOrCreate(tmp.resolve("dst"));
    try (GraphCopier c = new GraphCopier(dst, GraphCopier.Options.defaults())) {
      assertThatThrownBy(() -> c.copy(src, "r", "v1", "r", "v1")).isInstanceOf(DigestMismatchException.class)
          .hasMessageContaining(TestImages.digestOf("will-be-corrupted").toString());
    }
    assertThat(dst.hasBlob("", TestImages.digestOf("will-be-corrupted"))).isFalse();
    assertThat(dst.resolve("r", "v1")).isEmpty();
  }
}
