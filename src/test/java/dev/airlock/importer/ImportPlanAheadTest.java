package dev.airlock.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.VerificationException;
import dev.airlock.store.ContentStore;
import dev.airlock.store.ForwardingStore;
import dev.airlock.store.LayoutStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A registry target is opened and the plan made while the bundle is verified; a failed verification drops it. */
class ImportPlanAheadTest {
  @TempDir Path tmp;
  Path bundle;

  @BeforeEach
  void setUp() throws IOException {
    bundle = tmp.resolve("bundle");
    SampleContent.write(bundle);
  }

  /** A "registry" that is a layout on disk, counting how often it is opened and closed. */
  final class LayoutRegistry implements RegistryTargets {
    final CountDownLatch opened = new CountDownLatch(1);
    final AtomicInteger closed = new AtomicInteger();
    final Path dir = tmp.resolve("registry");

    @Override
    public ImportTarget open(String hostPort, String prefix, String spec) throws IOException {
      LayoutStore store = LayoutStore.openOrCreate(dir);
      opened.countDown();
      ContentStore counted = new ForwardingStore(store) {
        @Override
        public void close() throws IOException {
          closed.incrementAndGet();
          store.close();
        }
      };
      return new ImportTarget(spec, counted, hostPort, prefix, new TargetFeatures(true, true, false, "layout as a registry"), null, true,
          repos -> PushAccess.unchecked("auth: not checked"));
    }
  }

  BundleImporter.Options options() {
    return new BundleImporter.Options("registry.test:5000", new ReferenceMapper(null, false, false),
        new BundleVerifier.Request(List.of(), null, true), false, 4, null, null, null);
  }

  @Test
  void theTargetIsOpenedAndPlannedWhileTheBundleIsVerified() throws Exception {
    LayoutRegistry registry = new LayoutRegistry();
    BundleVerifier waitsForThePlan = (b, req) -> {
      try {
        // with planning after verification, this would never see the target opened
        assertThat(registry.opened.await(30, TimeUnit.SECONDS)).as("target opened while verifying").isTrue();
      } catch (InterruptedException e) {
        throw new InterruptedIOException();
      }
      return new IntegrityVerifier().verify(b, req);
    };

    ImportResult r = new BundleImporter(waitsForThePlan, registry).run(bundle, options());

    assertThat(r.blobsPushed()).isGreaterThan(5);
    assertThat(r.plan().blobs()).isGreaterThan(5);
    LayoutStore.open(registry.dir).verifyAllBlobs();
    assertThat(registry.closed).hasValue(1);
  }

  @Test
  void aFailedVerificationPushesNothingAndClosesThePlannedTarget() throws Exception {
    LayoutRegistry registry = new LayoutRegistry();
    CountDownLatch planned = new CountDownLatch(1);
    BundleVerifier fails = (b, req) -> {
      try {
        registry.opened.await(30, TimeUnit.SECONDS);
        planned.await(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        throw new InterruptedIOException();
      }
      throw new VerificationException("blob sha256:abc does not match its digest");
    };

    assertThatThrownBy(() -> new BundleImporter(fails, registry).run(bundle, options()))
        .isInstanceOf(VerificationException.class).hasMessageContaining("does not match");

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (registry.closed.get() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(registry.closed).as("the target the plan opened is closed").hasValue(1);
    try (var names = Files.list(registry.dir.resolve("blobs/sha256"))) {
      assertThat(names.count()).as("blobs pushed").isZero();
    }
  }

  @Test
  void aFailedVerificationDoesNotWaitForAPlanThatHangs() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    RegistryTargets hangs = (hostPort, prefix, spec) -> {
      entered.countDown();
      try {
        new CountDownLatch(1).await(); // a registry that never answers
      } catch (InterruptedException e) {
        interrupted.countDown();
      }
      throw new InterruptedIOException("gave up");
    };
    BundleVerifier fails = (b, req) -> {
      try {
        entered.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new InterruptedIOException();
      }
      throw new VerificationException("bundle signature does not verify");
    };

    assertThatThrownBy(() -> new BundleImporter(fails, hangs).run(bundle, options()))
        .isInstanceOf(VerificationException.class).hasMessageContaining("signature");
    assertThat(interrupted.await(30, TimeUnit.SECONDS)).as("the hung planning is interrupted").isTrue();
  }
}
