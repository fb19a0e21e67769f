package dev.airlock.verify.integrity;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * Runs independent checks (hashing one blob each) on a few threads, the heaviest first so the threads
 * finish together. Each thread owns one buffer of {@link #BUFFER} bytes, so memory is bounded by the
 * thread count whatever the checks read. The outcome does not depend on the scheduling: when checks
 * fail, the failure rethrown is the one of the check listed first; checks listed after a known failure
 * are skipped, those listed before it still run.
 */
public final class ParallelChecks {
  /** The buffer each thread hands to its checks. */
  public static final int BUFFER = 1 << 20;

  /** One check; {@code buffer} is the calling thread's, free to use until the check returns. */
  @FunctionalInterface
  public interface Check {
    void run(byte[] buffer) throws IOException;
  }

  /** A check and its weight (the bytes it reads). */
  public record Job(long weight, Check check) {}

  private ParallelChecks() {}

  /**
   * A check that reads {@code blob} of {@code store} to its end through a verifying stream, which throws
   * {@link dev.airlock.oci.DigestMismatchException} there when size or digest differ.
   */
  public static Job readToEnd(dev.airlock.store.ContentStore store, dev.airlock.oci.Descriptor blob) {
    return new Job(blob.size(), buf -> {
      try (java.io.InputStream in = dev.airlock.oci.VerifyingInputStream.of(store.openBlob("", blob), blob.digest(),
          blob.size(), "blob " + blob.digest())) {
        while (in.read(buf) >= 0) {
          // checked at the end of the stream
        }
      }
    });
  }

  /** The threads worth using here: one per processor. */
  public static int defaultThreads() {
    return Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /**
   * Runs {@code jobs} on up to {@code threads} threads (the caller's among them) and returns when all
   * have run or been skipped; rethrows the failure of the first failed job in list order.
   */
  public static void run(List<Job> jobs, int threads) throws IOException {
    int n = jobs.size();
    int[] order = IntStream.range(0, n).boxed()
        .sorted(Comparator.<Integer>comparingLong(i -> -jobs.get(i).weight()).thenComparingInt(i -> i))
        .mapToInt(Integer::intValue).toArray();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger firstFailed = new AtomicInteger(Integer.MAX_VALUE);
    AtomicBoolean stop = new AtomicBoolean();
    Throwable[] failures = new Throwable[n];
    Runnable worker = () -> {
      byte[] buffer = new byte[BUFFER];
      int k;
      while (!stop.get() && (k = next.getAndIncrement()) < n) {
        int i = order[k];
        if (i > firstFailed.get()) {
          continue; // a failure listed earlier wins anyway
        }
        try {
          jobs.get(i).check().run(buffer);
        } catch (Throwable t) {
          failures[i] = t;
          firstFailed.accumulateAndGet(i, Math::min);
        }
      }
    };
    List<Thread> helpers = new ArrayList<>();
    for (int t = 1; t < Math.min(threads, n); t++) {
      Thread th = new Thread(worker, "airlock-verify-" + t);
      th.setDaemon(true);
      th.start();
      helpers.add(th);
    }
    worker.run();
    boolean interrupted = false;
    for (Thread th : helpers) {
      while (true) {
        try {
          th.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
          stop.set(true);
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while verifying blobs");
    }
    int f = firstFailed.get();
    if (f == Integer.MAX_VALUE) {
      return;
    }
    throw dev.airlock.Futures.rethrow(failures[f]);
  }
}
