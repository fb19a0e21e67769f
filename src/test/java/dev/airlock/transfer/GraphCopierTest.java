package dev.airlock.transfer;

import static dev.airlock.testing.TestImages.layer;
import static dev.airlock.testing.TestImages.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.TestImages;
import java.io.IOException;
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
    MultiArch m = multiArch(src, "example.com/app", "base", "app");
    RawManifest a = m.amd64();
    RawManifest idx = m.index();
    RawManifest sig = TestImages.referrer(src, idx, "application/vnd.dev.sigstore.bundle.v0.3+json", utf8("{\"sig\":1}"));
    RawManifest sigOnSig = TestImages.referrer(src, sig, "application/spdx+json", utf8("{\"spdx\":1}"));
    RawManifest cosign = TestImages.referrer(src, a, "application/vnd.dev.cosign.simplesigning.v1+json",
        utf8("{\"critical\":{}}"));
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
        .filter(bl -> bl.digest().equals(layerDigest("base")) && bl.transferred()).count();
    assertThat(baseTransfers).isEqualTo(1);
    dst.verifyAllBlobs();
  }

  @Test
  void platformFilterKeepsIndexBytesAndRecordsAbsentChildren() throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    MultiArch m = multiArch(src, "r", "base", "only");

    LayoutStore dst = LayoutStore.openOrCreate(tmp.resolve("dst"));
    GraphRecord rec;
    try (GraphCopier c = new GraphCopier(dst, GraphCopier.Options.defaults().withPlatforms(List.of(ARM64)))) {
      rec = c.copy(src, "r", "v1", "r", "v1");
    }
    assertThat(dst.getManifest("r", "v1").digest()).isEqualTo(m.index().digest());
    assertThat(dst.hasBlob("", m.arm64().digest())).isTrue();
    assertThat(dst.hasBlob("", m.amd64().digest())).isFalse();
    assertThat(dst.hasBlob("", layerDigest("only-amd64"))).isFalse();
    assertThat(rec.indexChildren()).anySatisfy(ch -> {
      assertThat(ch.child()).isEqualTo(m.amd64().digest());
      assertThat(ch.present()).isFalse();
    });
  }

  @Test
  void aPlatformFilterMatchingNoImageOfTheIndexIsAnErrorNotAnEmptyCopy() throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    MultiArch m = multiArch(src, "r", "base", "typo");
    LayoutStore dst = LayoutStore.openOrCreate(tmp.resolve("dst"));
    try (GraphCopier c = new GraphCopier(dst, GraphCopier.Options.defaults()
        .withPlatforms(List.of(Platform.parse("linux/amd46"))))) {
      assertThatThrownBy(() -> c.copy(src, "r", "v1", "r", "v1")).isInstanceOf(dev.airlock.InvalidInputException.class)
          .hasMessage("none of the platforms asked for (linux/amd46) is in index " + m.index().digest().shortForm()
              + " (v1), which has linux/amd64, linux/arm64");
    }
    assertThat(dst.resolve("r", "v1")).isEmpty();
  }

  @Test
  void corruptSourceBlobIsRejectedAndNothingStored() throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    RawManifest a = image(src, "good", "will-be-corrupted");
    src.putManifest("r", a, "v1");
    Path layer = src.blobPath(layerDigest("will-be-corrupted"));
    Files.writeString(layer, "tampered-content!!");

    LayoutStore dst = LayoutStore.openOrCreate(tmp.resolve("dst"));
    try (GraphCopier c = new GraphCopier(dst, GraphCopier.Options.defaults())) {
      assertThatThrownBy(() -> c.copy(src, "r", "v1", "r", "v1")).isInstanceOf(DigestMismatchException.class)
          .hasMessageContaining(layerDigest("will-be-corrupted").toString());
    }
    assertThat(dst.hasBlob("", layerDigest("will-be-corrupted"))).isFalse();
    assertThat(dst.resolve("r", "v1")).isEmpty();
  }

  @Test
  void copyAllRunsRootsAtOnceMovesEachBlobOnceAndPutsChildrenBeforeParents() throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    List<GraphCopier.Job> jobs = new java.util.ArrayList<>();
    MultiArch multi = multiArch(src, "multi", "shared-base", "multi");
    // two indexes sharing a child: whichever root does not put it must wait for it before its own index
    RawManifest amdOnly = TestImages.index(src, List.of(multi.amd64()), List.of(AMD64));
    src.putManifest("amd-only", amdOnly, "v1");
    jobs.add(new GraphCopier.Job(src, "multi", "v1", "mirror", "multi", null));
    jobs.add(new GraphCopier.Job(src, "amd-only", "v1", "mirror", "amd", null));
    for (int i = 0; i < 6; i++) {
      jobs.add(imageJob(src, "app" + i, "shared-base", "app-" + i));
    }
    LayoutStore layout = LayoutStore.openOrCreate(tmp.resolve("dst"));
    OrderCheckingStore dst = new OrderCheckingStore(layout);

    List<GraphRecord> records;
    java.util.List<String> done = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    try (GraphCopier c = new GraphCopier(dst, GraphCopier.Options.defaults().withParallelism(8))) {
      records = c.copyAll(jobs, (job, r) -> done.add(job.dstTag()));
    }

    assertThat(records).extracting(r -> r.root().digest()).startsWith(multi.index().digest(), amdOnly.digest());
    assertThat(records).hasSize(jobs.size());
    assertThat(done).containsExactlyInAnyOrderElementsOf(jobs.stream().map(GraphCopier.Job::dstTag).toList());
    assertThat(dst.violations).isEmpty();
    assertThat(dst.puts.get(layerDigest("shared-base"))).isEqualTo(1);
    assertThat(dst.maxInFlight.get()).as("roots overlapped").isGreaterThan(1);
    for (GraphCopier.Job j : jobs) {
      assertThat(layout.resolve("mirror", j.dstTag())).isPresent();
    }
    layout.verifyAllBlobs();
  }

  @Test
  void copyAllStartsHeavierRootsFirstAndReturnsRecordsInTheJobsOrder() throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    List<GraphCopier.Job> jobs = new java.util.ArrayList<>();
    for (String name : List.of("light-a", "light-b", "heavy")) {
      jobs.add(imageJob(src, name, "base-w", "only-" + name).withWeight(name.equals("heavy") ? 100 : 1));
    }
    LayoutStore layout = LayoutStore.openOrCreate(tmp.resolve("dst"));
    OrderCheckingStore dst = new OrderCheckingStore(layout);
    List<GraphRecord> records;
    try (GraphCopier c = new GraphCopier(dst, GraphCopier.Options.defaults().withParallelism(4))) { // 2 roots at once
      records = c.copyAll(jobs, null);
    }
    assertThat(records).extracting(r -> r.root().digest())
        .containsExactly(jobs.stream().map(j -> digestOfRoot(src, j)).toArray(dev.airlock.oci.Digest[]::new));
    List<dev.airlock.oci.Digest> order = dst.putOrder;
    assertThat(order.indexOf(layerDigest("only-heavy")))
        .isLessThan(order.indexOf(layerDigest("only-light-b")));
  }

  private record MultiArch(RawManifest index, RawManifest amd64, RawManifest arm64) {}

  /**
   * linux/amd64 and linux/arm64 images sharing a {@code base} layer, with top layers "top-amd64" and "top-arm64",
   * and their index tagged {@code repo}:v1.
   */
  private static MultiArch multiArch(LayoutStore src, String repo, String base, String top) throws IOException {
    RawManifest amd = TestImages.image(src, AMD64, layer(base), layer(top + "-amd64"));
    RawManifest arm = TestImages.image(src, ARM64, layer(base), layer(top + "-arm64"));
    RawManifest idx = TestImages.index(src, List.of(amd, arm), List.of(AMD64, ARM64));
    src.putManifest(repo, idx, "v1");
    return new MultiArch(idx, amd, arm);
  }

  /** A linux/amd64 image with one layer per text (see {@link #layerDigest}); stored, not tagged. */
  private static RawManifest image(LayoutStore src, String... layerTexts) throws IOException {
    byte[][] layers = java.util.Arrays.stream(layerTexts).map(TestImages::layer).toArray(byte[][]::new);
    return TestImages.image(src, AMD64, layers);
  }

  /** Stores an {@link #image} as {@code name}:v1 and returns the job copying it to mirror:{@code name}. */
  private static GraphCopier.Job imageJob(LayoutStore src, String name, String... layerTexts) throws IOException {
    src.putManifest(name, image(src, layerTexts), "v1");
    return new GraphCopier.Job(src, name, "v1", "mirror", name, null);
  }

  private static Digest layerDigest(String text) {
    return Digest.sha256(layer(text));
  }

  private static dev.airlock.oci.Digest digestOfRoot(LayoutStore src, GraphCopier.Job j) {
    try {
      return src.getManifest(j.srcRepo(), j.srcRef()).digest();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void copyAllReportsTheFailingRootAndStartsNoNewOne() throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    List<GraphCopier.Job> jobs = new java.util.ArrayList<>();
    jobs.add(imageJob(src, "bad", "base", "corrupted-layer"));
    Files.writeString(src.blobPath(layerDigest("corrupted-layer")), "tampered");
    for (int i = 0; i < 3; i++) {
      jobs.add(imageJob(src, "fine" + i, "base", "fine-" + i));
    }
    LayoutStore dst = LayoutStore.openOrCreate(tmp.resolve("dst"));
    try (GraphCopier c = new GraphCopier(dst, GraphCopier.Options.defaults())) {
      assertThatThrownBy(() -> c.copyAll(jobs, null)).isInstanceOf(DigestMismatchException.class)
          .hasMessageContaining(layerDigest("corrupted-layer").toString());
    }
    assertThat(dst.resolve("mirror", "bad")).isEmpty();
  }

  /** A destination that slows blob writes (so roots overlap) and checks each manifest's children are in. */
  private static final class OrderCheckingStore implements dev.airlock.store.ContentStore {
    final LayoutStore d;
    final java.util.Map<dev.airlock.oci.Digest, Integer> puts = new java.util.concurrent.ConcurrentHashMap<>();
    final List<String> violations = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger maxInFlight = new java.util.concurrent.atomic.AtomicInteger();
    final List<dev.airlock.oci.Digest> putOrder = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    OrderCheckingStore(LayoutStore d) {
      this.d = d;
    }

    @Override
    public String describe() {
      return "checking " + d.describe();
    }

    @Override
    public java.util.OptionalLong blobSize(String repository, dev.airlock.oci.Digest digest) throws java.io.IOException {
      return d.blobSize(repository, digest);
    }

    @Override
    public java.io.InputStream openBlob(String repository, dev.airlock.oci.Descriptor blob) throws java.io.IOException {
      return d.openBlob(repository, blob);
    }

    @Override
    public void putBlob(String repository, dev.airlock.oci.Descriptor blob, dev.airlock.store.BlobSource content)
        throws java.io.IOException {
      putOrder.add(blob.digest());
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        Thread.sleep(30);
        d.putBlob(repository, blob, content);
        puts.merge(blob.digest(), 1, Integer::sum);
      } catch (InterruptedException e) {
        throw new java.io.InterruptedIOException();
      } finally {
        inFlight.decrementAndGet();
      }
    }

    @Override
    public RawManifest getManifest(String repository, String tagOrDigest) throws java.io.IOException {
      return d.getManifest(repository, tagOrDigest);
    }

    @Override
    public java.util.Optional<dev.airlock.oci.Descriptor> resolve(String repository, String tagOrDigest)
        throws java.io.IOException {
      return d.resolve(repository, tagOrDigest);
    }

    @Override
    public void putManifest(String repository, RawManifest manifest, String tag) throws java.io.IOException {
      List<dev.airlock.oci.Descriptor> needed = manifest.isIndex() ? manifest.manifests() : manifest.children();
      for (dev.airlock.oci.Descriptor c : needed) {
        if (!d.hasBlob(repository, c.digest())) {
          violations.add(manifest.digest() + " put before its child " + c.digest());
        }
      }
      if (!manifest.isIndex()) {
        try {
          Thread.sleep(200); // a slow manifest put: a parent must still wait for it
        } catch (InterruptedException e) {
          throw new java.io.InterruptedIOException();
        }
      }
      d.putManifest(repository, manifest, tag);
    }

    @Override
    public List<String> tags(String repository) throws java.io.IOException {
      return d.tags(repository);
    }

    @Override
    public List<dev.airlock.oci.Descriptor> referrers(String repository, dev.airlock.oci.Digest subject,
        String artifactType) throws java.io.IOException {
      return d.referrers(repository, subject, artifactType);
    }
  }
}
