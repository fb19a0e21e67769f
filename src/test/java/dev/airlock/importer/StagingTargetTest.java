package dev.airlock.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.VerificationException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.VerifyingInputStream;
import dev.airlock.registry.StagedUpload;
import dev.airlock.store.BlobSource;
import dev.airlock.store.ForwardingStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.TestImages;
import dev.airlock.transfer.GraphCopier;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order {@link StagingTarget} keeps, seen through a fake registry that logs every session call and a
 * target that logs every put: all layers staged and hashed before the first commit, all commits before the
 * first other blob or manifest, and on a corrupted layer no commit and no put at all, only cancels.
 */
class StagingTargetTest {
  @TempDir Path tmp;
  LayoutStore bundle;
  RawManifest image;
  Digest big1;
  Digest big2;
  final List<String> log = Collections.synchronizedList(new ArrayList<>());
  volatile Digest failing;
  volatile ManifestHook onManifest = m -> {};

  interface ManifestHook {
    void run(RawManifest m) throws IOException;
  }

  @BeforeEach
  void bundle() throws IOException {
    bundle = LayoutStore.openOrCreate(tmp.resolve("bundle"));
    byte[] l1 = TestImages.layer("one", "first big layer");
    byte[] l2 = TestImages.layer("two", "second big layer");
    big1 = Digest.sha256(l1);
    big2 = Digest.sha256(l2);
    image = TestImages.image(bundle, Platform.parse("linux/amd64"), l1, l2, TestImages.layer("s", "small"));
    TestImages.tag(bundle, image, "app");
  }

  @Test
  void layersAreStagedThenCommittedThenTheRestIsPut() throws IOException {
    LayoutStore target = LayoutStore.openOrCreate(tmp.resolve("target"));
    StagingTarget staging = staging(target, StagingTarget.Sessions.NONE);
    copy(staging);
    assertThat(log).as("nothing reaches the target before the commit").allMatch(e -> e.startsWith("stage "));
    staging.commit();

    assertThat(log).filteredOn(e -> e.startsWith("stage ")).containsExactlyInAnyOrder("stage " + big1, "stage " + big2);
    int lastStage = lastIndex("stage ");
    int firstCommit = firstIndex("commit ");
    int lastCommit = lastIndex("commit ");
    assertThat(lastStage).isLessThan(firstCommit);
    assertThat(firstIndex("put ")).as("other blobs after the commits began").isGreaterThan(firstCommit);
    assertThat(firstIndex("manifest ")).as("manifests after every commit and blob").isGreaterThan(lastCommit)
        .isGreaterThan(lastIndex("put "));
    assertThat(target.resolve("target/app", "1").orElseThrow().digest()).isEqualTo(image.digest());
    assertThat(staging.hashedWhileUploading()).isEqualTo(2);
  }

  @Test
  void aCorruptedLayerStopsTheImportWithOnlyCancels() throws IOException {
    corrupt(big2);
    LayoutStore target = LayoutStore.openOrCreate(tmp.resolve("target"));
    StagingTarget staging = staging(target, StagingTarget.Sessions.NONE);
    assertThatThrownBy(() -> copy(staging)).isInstanceOf(VerificationException.class)
        .hasMessageContaining("blob " + big2 + " is corrupted");
    assertThat(staging.abandon()).isZero();
    assertThat(staging.corruption()).isNotNull();
    assertThat(log).noneMatch(e -> e.startsWith("commit ") || e.startsWith("put ") || e.startsWith("manifest "));
    assertThat(log).contains("cancel " + big1);
  }

  @Test
  void aCorruptedLayerTheTargetHoldsIsHashedFromTheBundleBeforeAnyCommit() throws IOException {
    LayoutStore target = LayoutStore.openOrCreate(tmp.resolve("target"));
    target.putBlob("", Descriptor.of("application/octet-stream", big2, bundle.blobSize("", big2).getAsLong()),
        () -> bundle.openBlob("", Descriptor.of("application/octet-stream", big2, bundle.blobSize("", big2).getAsLong())));
    corrupt(big2);
    StagingTarget staging = staging(target, StagingTarget.Sessions.NONE);
    copy(staging);
    assertThat(log).containsExactly("stage " + big1); // big2 is at the target: not sent
    assertThatThrownBy(staging::commit).isInstanceOf(VerificationException.class)
        .hasMessageContaining("blob " + big2 + " is corrupted");
    staging.abandon();
    assertThat(log).containsExactly("stage " + big1, "cancel " + big1);
  }

  @Test
  void anEarlierRunsSessionInAnotherTargetRepositoryIsCommittedThereAndMounted() throws IOException {
    LayoutStore target = LayoutStore.openOrCreate(tmp.resolve("target"));
    Notes notes = new Notes(new StagedUpload("other/app",
        Descriptor.of("application/octet-stream", big1, bundle.blobSize("", big1).getAsLong()),
        URI.create("http://127.0.0.1:1/old")));
    StagingTarget staging = staging(target, notes);
    copy(staging);
    staging.commit();
    assertThat(log).contains("resume other/app " + big1, "commit other/app " + big1).doesNotContain("stage " + big1);
    assertThat(log.indexOf("put target/app " + big1)).as("mounted once committed")
        .isGreaterThan(log.indexOf("commit other/app " + big1));
    assertThat(notes.forgotten).containsExactlyInAnyOrder("other/app " + big1, "target/app " + big2);
    assertThat(staging.resumed()).isEqualTo(1);
    assertThat(staging.hashedWhileUploading()).isEqualTo(1);
  }

  @Test
  void aRegistryFailureKeepsTheCompleteSessionsNotedForTheNextRun() throws IOException {
    LayoutStore target = LayoutStore.openOrCreate(tmp.resolve("target"));
    Notes notes = new Notes(null);
    failing = big2;
    StagingTarget staging = staging(target, notes);
    assertThatThrownBy(() -> copy(staging)).isInstanceOf(IOException.class).hasMessageContaining("registry went away");
    assertThat(staging.corruption()).isNull();
    assertThat(staging.abandon()).as("sessions kept open").isEqualTo(1);
    assertThat(notes.remembered).containsExactly("target/app " + big1);
    assertThat(notes.forgotten).isEmpty();
    assertThat(log).containsExactly("stage " + big1);
  }

  @Test
  void manifestsGoSeveralAtOnceYetEachAfterTheManifestsItReferences() throws Exception {
    Indexed multi = indexWithSbom();
    RawManifest idx = multi.index();
    RawManifest sbom = multi.sbom();
    Digest amd = multi.amd();
    Digest arm = multi.arm();
    CountDownLatch bothChildren = new CountDownLatch(2);
    AtomicBoolean together = new AtomicBoolean();
    onManifest = m -> {
      if (m.digest().equals(amd) || m.digest().equals(arm)) {
        bothChildren.countDown();
        try { // serial puts would wait here in vain, then go on
          together.compareAndSet(false, bothChildren.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    LayoutStore target = LayoutStore.openOrCreate(tmp.resolve("target"));
    StagingTarget staging = staging(target, StagingTarget.Sessions.NONE);
    copy(staging, "multi", "2");
    staging.commit();

    assertThat(together).as("the two images' manifests were put at the same time").isTrue();
    int index = log.indexOf("manifest target/app " + idx.digest());
    assertThat(log.indexOf("stored target/app " + amd)).as("the index starts once its children are in")
        .isNotNegative().isLessThan(index);
    assertThat(log.indexOf("stored target/app " + arm)).isNotNegative().isLessThan(index);
    assertThat(log.indexOf("manifest target/app " + sbom.digest())).as("a referrer once its subject is in")
        .isGreaterThan(log.indexOf("stored target/app " + idx.digest())).isGreaterThan(index);
    assertThat(target.resolve("target/app", "2").orElseThrow().digest()).isEqualTo(idx.digest());
    assertThat(target.referrers("", idx.digest(), null)).extracting(Descriptor::digest).containsExactly(sbom.digest());
  }

  @Test
  void aFailedManifestPutSkipsWhatNeedsIt() throws Exception {
    Indexed multi = indexWithSbom();
    RawManifest idx = multi.index();
    RawManifest sbom = multi.sbom();
    Digest amd = multi.amd();
    onManifest = m -> {
      if (m.digest().equals(amd)) {
        throw new IOException("registry refused the manifest");
      }
    };
    LayoutStore target = LayoutStore.openOrCreate(tmp.resolve("target"));
    StagingTarget staging = staging(target, StagingTarget.Sessions.NONE);
    copy(staging, "multi", "2");
    assertThatThrownBy(staging::commit).isInstanceOf(IOException.class).hasMessage("registry refused the manifest");
    assertThat(log).doesNotContain("manifest target/app " + idx.digest(), "manifest target/app " + sbom.digest());
    assertThat(target.resolve("target/app", "2")).isEmpty();
  }

  @Test
  void twoPutsOfOneTagLandInTheOrderMetEvenWhenTheFirstIsSlow() throws Exception {
    RawManifest other = TestImages.image(bundle, Platform.parse("linux/amd64"), TestImages.layer("another image"));
    onManifest = m -> {
      if (m.digest().equals(image.digest())) {
        try { // without the wait for the earlier put of the tag, "other" would land first and be overwritten
          Thread.sleep(300);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    LayoutStore target = LayoutStore.openOrCreate(tmp.resolve("target"));
    StagingTarget staging = staging(target, StagingTarget.Sessions.NONE);
    TestImages.tag(bundle, other, "other");
    copy(staging, "app", "latest");
    copy(staging, "other", "latest");
    staging.commit();
    assertThat(log).containsSubsequence("stored target/app " + image.digest(), "manifest target/app " + other.digest());
    assertThat(target.resolve("target/app", "latest").orElseThrow().digest()).isEqualTo(other.digest());
  }

  /** A two-image index tagged {@code multi} in the bundle, with an SBOM referrer of it. */
  private record Indexed(RawManifest index, RawManifest sbom, Digest amd, Digest arm) {}

  private Indexed indexWithSbom() throws IOException {
    RawManifest idx = TestImages.multiArch(bundle, "multi");
    RawManifest sbom = TestImages.spdxReferrer(bundle, idx, "openssl", "3.0.11");
    return new Indexed(idx, sbom, idx.manifests().get(0).digest(), idx.manifests().get(1).digest());
  }

  private StagingTarget staging(LayoutStore target, StagingTarget.Sessions sessions) throws IOException {
    CountingTarget counted = new CountingTarget(new Logging(target), null);
    counted.startCounting();
    Map<Digest, Long> deferred = Map.of(big1, bundle.blobSize("", big1).getAsLong(), big2,
        bundle.blobSize("", big2).getAsLong());
    return new StagingTarget(counted, new FakeUploads(target), bundle, deferred, Set.of("target/app", "other/app"), 4,
        sessions);
  }

  private void copy(StagingTarget staging) throws IOException {
    copy(staging, "app", "1");
  }

  private void copy(StagingTarget staging, String tag, String targetTag) throws IOException {
    try (GraphCopier copier = new GraphCopier(staging, GraphCopier.Options.defaults().withParallelism(4))) {
      copier.copy(bundle, "", tag, "target/app", targetTag);
    }
  }

  private void corrupt(Digest d) throws IOException {
    Path p = tmp.resolve("bundle").resolve(d.blobPath());
    byte[] b = Files.readAllBytes(p);
    b[b.length / 2] ^= 1;
    p.toFile().setWritable(true);
    Files.write(p, b);
  }

  private int firstIndex(String prefix) {
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).startsWith(prefix)) {
        return i;
      }
    }
    return Integer.MAX_VALUE;
  }

  private int lastIndex(String prefix) {
    for (int i = log.size() - 1; i >= 0; i--) {
      if (log.get(i).startsWith(prefix)) {
        return i;
      }
    }
    return -1;
  }

  /** Session notes as the history keeps them: one earlier note (may be null) to claim, and what was noted. */
  private static final class Notes implements StagingTarget.Sessions {
    private StagedUpload earlier;
    final List<String> remembered = Collections.synchronizedList(new ArrayList<>());
    final List<String> forgotten = Collections.synchronizedList(new ArrayList<>());

    Notes(StagedUpload earlier) {
      this.earlier = earlier;
    }

    @Override
    public synchronized Optional<StagedUpload> claim(Descriptor blob, Set<String> repositories) {
      if (earlier == null || !earlier.blob().digest().equals(blob.digest()) || !repositories.contains(earlier.repository())) {
        return Optional.empty();
      }
      StagedUpload u = earlier;
      earlier = null;
      return Optional.of(u);
    }

    @Override
    public void remember(StagedUpload u) {
      remembered.add(u.repository() + " " + u.blob().digest());
    }

    @Override
    public void forget(List<StagedUpload> uploads) {
      uploads.forEach(u -> forgotten.add(u.repository() + " " + u.blob().digest()));
    }
  }

  /** Sessions as a registry keeps them: staged bytes are read (and hashed) in full; a commit stores them. */
  private final class FakeUploads implements StagingTarget.Uploads {
    private final LayoutStore target;

    FakeUploads(LayoutStore target) {
      this.target = target;
    }

    @Override
    public StagedUpload stage(String repository, Descriptor blob, BlobSource content) throws IOException {
      if (blob.digest().equals(failing)) {
        throw new IOException("registry went away");
      }
      try (InputStream in = VerifyingInputStream.of(content.open(), blob.digest(), blob.size(), "blob " + blob.digest())) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
      log.add("stage " + blob.digest());
      return new StagedUpload(repository, blob, URI.create("http://127.0.0.1:1/" + blob.digest().hex()));
    }

    @Override
    public Optional<StagedUpload> resume(String repository, Descriptor blob, URI location) {
      log.add("resume " + repository + " " + blob.digest());
      return Optional.of(new StagedUpload(repository, blob, URI.create("http://127.0.0.1:1/new")));
    }

    @Override
    public void commit(StagedUpload u) throws IOException {
      log.add("commit " + (u.location().getPath().equals("/new") ? u.repository() + " " : "") + u.blob().digest());
      target.putBlob("", u.blob(), () -> bundle.openBlob("", u.blob()));
    }

    @Override
    public void cancel(StagedUpload u) {
      log.add("cancel " + u.blob().digest());
    }
  }

  /** The target, logging every put. */
  private final class Logging extends ForwardingStore {
    Logging(LayoutStore delegate) {
      super(delegate);
    }

    @Override
    public void putBlob(String repository, Descriptor blob, BlobSource content) throws IOException {
      log.add("put " + repository + " " + blob.digest());
      super.putBlob(repository, blob, content);
    }

    @Override
    public void putManifest(String repository, RawManifest manifest, String tag) throws IOException {
      log.add("manifest " + repository + " " + manifest.digest());
      onManifest.run(manifest);
      super.putManifest(repository, manifest, tag);
      log.add("stored " + repository + " " + manifest.digest());
    }
  }
}
