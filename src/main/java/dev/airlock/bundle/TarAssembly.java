package dev.airlock.bundle;

import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.VerifyingInputStream;
import dev.airlock.progress.ProgressListener;
import dev.airlock.store.BlobSource;
import dev.airlock.store.archive.ChannelRangeInputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Writes a bundle tarball in place: the same bytes as {@link BundleTarWriter} (entries sorted by name,
 * same headers), but large blobs are fetched from their sources <em>straight into their slot</em> of the
 * tarball, several at once, instead of into a working directory first and copied after. That halves what
 * an export writes to disk and leaves nothing big to delete. The layout of the file is known before any
 * byte moves (every digest and size is), so each blob's offset is fixed.
 *
 * <p>Each fetched blob is verified (size and digest) while it streams into its slot; a journal beside the
 * partial file lists the slots already filled and verified. The tarball's own SHA-256 is computed by a
 * second thread that reads the file back in order as soon as each entry is complete (from the page cache).
 * After a failure or a kill, the partial file and its journal stay; the next run copies the listed blobs
 * out of the old partial file (verifying them again) and fetches only the rest.
 */
public final class TarAssembly {
  private TarAssembly() {}

  /** Where a blob's bytes come from. */
  public sealed interface Content permits FromFile, Fetched {}

  /** A file of the working directory; {@code verified}: checked while it was written by this process. */
  public record FromFile(Path file, boolean verified) implements Content {}

  /** Fetched from its source into its slot (the stream is verified here, whatever it does itself). */
  public record Fetched(BlobSource source) implements Content {}

  /** The file written, and how many fetched blobs came from the source or from an earlier partial file. */
  public record Result(Digest digest, long size, int fetched, long fetchedBytes, int reused, long reusedBytes) {}

  private static final int RECORD = 512;
  private static final int BUFFER = 1 << 20;

  /** One tar entry: header at {@code start}, data at {@code dataStart}, padded end at {@code end}. */
  private record Entry(String name, byte[] header, long start, long dataStart, long size, long end, Digest digest,
      byte[] bytes, CountDownLatch done) {}

  /**
   * Writes the tarball to {@code partial} (kept, with {@code journal}, after a failure).
   *
   * @param blobs every blob of the bundle, digest to size
   * @param content where each blob's bytes come from
   * @param parallelism fetched blobs in flight at once
   */
  public static Result assemble(Path partial, Path journal, Map<Digest, Long> blobs, Function<Digest, Content> content,
      byte[] indexJson, int parallelism, ProgressListener progress) throws IOException {
    Map<Digest, long[]> earlier = new HashMap<>();
    Path old = partial.resolveSibling(partial.getFileName() + ".old");
    if (Files.exists(partial) && Files.exists(journal)) {
      earlier = readJournal(journal);
      Files.move(partial, old, StandardCopyOption.REPLACE_EXISTING);
    } else {
      Files.deleteIfExists(old);
    }
    Files.deleteIfExists(journal);
    try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING);
        FileChannel previous = Files.exists(old) ? FileChannel.open(old, StandardOpenOption.READ) : null) {
      Result r = assembleInto(out, previous, earlier, journal, blobs, content, indexJson, parallelism, progress,
          List.of());
      Files.deleteIfExists(old);
      return r;
    }
  }

  /** Receives every byte of the tarball once, in order, as the hashing thread reads it back. */
  @FunctionalInterface
  public interface ByteSink {
    void accept(long position, byte[] bytes, int offset, int length);

    /**
     * The first position at or after {@code position} whose bytes this sink needs: a sink's reader does not read
     * the bytes before it (the chunks of split blobs are a third of a set's bytes). Every byte by default.
     */
    default long next(long position) {
      return position;
    }
  }

  /**
   * Writes the tarball into {@code out} in place (a set of parts seen as one file), resuming from what an
   * interrupted run left in it: the blobs its {@code journal} lists at the same offsets are checked where
   * they are (read and hashed, not copied) and kept; a damaged one is fetched again. {@code sink} (may be
   * null) sees every byte in order.
   */
  public static Result assembleInPlace(FileChannel out, Path journal, Map<Digest, Long> blobs,
      Function<Digest, Content> content, byte[] indexJson, int parallelism, ProgressListener progress, ByteSink sink)
      throws IOException {
    return assembleInPlace(out, journal, blobs, content, indexJson, parallelism, progress,
        sink == null ? List.of() : List.of(sink));
  }

  /**
   * As {@link #assembleInPlace(FileChannel, Path, Map, Function, byte[], int, ProgressListener, ByteSink)}, each
   * sink fed by a thread of its own reading the file back in order beside the one hashing the tarball (from the
   * page cache), so that several digests of the same bytes are computed at once rather than one after the other.
   */
  public static Result assembleInPlace(FileChannel out, Path journal, Map<Digest, Long> blobs,
      Function<Digest, Content> content, byte[] indexJson, int parallelism, ProgressListener progress,
      List<ByteSink> sinks) throws IOException {
    Map<Digest, long[]> earlier = Files.exists(journal) ? readJournal(journal) : new HashMap<>();
    return assembleInto(out, out, earlier, journal, blobs, content, indexJson, parallelism, progress, sinks);
  }

  private static Result assembleInto(FileChannel out, FileChannel previous, Map<Digest, long[]> earlier, Path journal,
      Map<Digest, Long> blobs, Function<Digest, Content> content, byte[] indexJson, int parallelism,
      ProgressListener progress, List<ByteSink> sinks) throws IOException {
    List<Entry> entries = layout(blobs, indexJson);
    long total = entries.get(entries.size() - 1).end() + 2L * RECORD;
    if (out.size() < total && previous == out) {
      throw new IOException("the parts being written hold " + out.size() + " bytes, the bundle needs " + total);
    }
    boolean inPlace = previous == out;
    AtomicInteger fetched = new AtomicInteger();
    AtomicLong fetchedBytes = new AtomicLong();
    AtomicInteger reused = new AtomicInteger();
    AtomicLong reusedBytes = new AtomicLong();
    Map<Digest, long[]> reusable = earlier;
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallelism), dev.airlock.Futures.daemon("airlock-slot"));
    List<Thread> hashers = new ArrayList<>();
    try (BufferedWriter log = inPlace
        ? Files.newBufferedWriter(journal, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)
        : Files.newBufferedWriter(journal, StandardCharsets.UTF_8)) {
      // the end-of-archive marker first: the hashing thread reads it as soon as the last entry is done
      writeFully(out, ByteBuffer.allocate(2 * RECORD), total - 2L * RECORD);
      MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
      Throwable[] hashFailure = new Throwable[1];
      List<ByteSink> readers = new ArrayList<>();
      readers.add(null); // the tarball's own digest
      readers.addAll(sinks);
      for (ByteSink sink : readers) {
        Thread hasher = new Thread(() -> {
          try {
            hashInOrder(out, entries, total, sink == null ? md : null, sink);
          } catch (IOException | RuntimeException e) {
            synchronized (hashFailure) {
              hashFailure[0] = e;
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, "airlock-tar-sha256");
        hasher.setDaemon(true);
        hasher.start();
        hashers.add(hasher);
      }

      List<CompletableFuture<Void>> slots = new ArrayList<>();
      for (Entry e : entries) {
        writeFully(out, ByteBuffer.wrap(e.header()), e.start());
        if (e.digest() == null) { // a directory, index.json or oci-layout
          if (e.bytes() != null) {
            writeFully(out, ByteBuffer.wrap(e.bytes()), e.dataStart());
          }
          e.done().countDown();
          continue;
        }
        Content c = content.apply(e.digest());
        if (c instanceof FromFile f) {
          try (InputStream in = Files.newInputStream(f.file())) {
            copyIntoSlot(f.verified() ? in : new VerifyingInputStream(in, e.digest(), e.size(),
                "blob " + e.digest() + " in the working directory"), out, e, new byte[BUFFER], progress);
          }
          e.done().countDown();
          progress.item("blob " + e.digest().shortForm(), false);
        } else {
          BlobSource source = ((Fetched) c).source();
          slots.add(CompletableFuture.runAsync(() -> {
            try {
              long[] at = reusable.get(e.digest());
              boolean kept = false;
              if (at != null && at[1] == e.size() && previous != null && inPlace && at[0] == e.dataStart()) {
                kept = checkInPlace(out, e, progress);
              } else if (at != null && at[1] == e.size() && previous != null && !inPlace) {
                InputStream in = new ChannelRangeInputStream(previous, at[0], e.size());
                copyIntoSlot(new VerifyingInputStream(in, e.digest(), e.size(),
                    "blob " + e.digest() + " kept from the interrupted run"), out, e, new byte[BUFFER], progress);
                kept = true;
              }
              if (kept) {
                reused.incrementAndGet();
                reusedBytes.addAndGet(e.size());
              } else {
                try (InputStream in = source.open()) {
                  copyIntoSlot(VerifyingInputStream.of(in, e.digest(), e.size(), "blob " + e.digest()), out, e,
                      new byte[BUFFER], ProgressListener.NONE);
                }
                fetched.incrementAndGet();
                fetchedBytes.addAndGet(e.size());
              }
              synchronized (log) {
                log.write(e.digest() + " " + e.dataStart() + " " + e.size() + "\n");
                log.flush();
              }
              e.done().countDown();
              progress.item("blob " + e.digest().shortForm(), false);
            } catch (IOException ex) {
              throw new UncheckedIOException(ex);
            }
          }, pool));
        }
      }
      awaitAll(slots);
      for (Thread hasher : hashers) {
        hasher.join();
      }
      if (hashFailure[0] != null) {
        throw new IOException("hashing the bundle failed: " + hashFailure[0].getMessage(), hashFailure[0]);
      }
      Digest digest = Digest.of(Digest.Algorithm.SHA256, md.digest());
      return new Result(digest, total, fetched.get(), fetchedBytes.get(), reused.get(), reusedBytes.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing the bundle");
    } finally {
      pool.shutdownNow();
      for (Thread hasher : hashers) {
        if (hasher.isAlive()) {
          hasher.interrupt();
        }
      }
    }
  }

  /** Whether the blob an interrupted run wrote into this very slot is whole and right (read and hashed where it is). */
  private static boolean checkInPlace(FileChannel out, Entry e, ProgressListener progress) throws IOException {
    try (InputStream in = new VerifyingInputStream(new ChannelRangeInputStream(out, e.dataStart(), e.size()), e.digest(),
        e.size(), "blob " + e.digest() + " kept from the interrupted run")) {
      byte[] buf = new byte[BUFFER];
      int n;
      while ((n = in.read(buf)) >= 0) {
        progress.bytes(n);
      }
    } catch (DigestMismatchException ex) {
      return false; // damaged or never finished: fetched again
    }
    int pad = (int) (e.end() - e.dataStart() - e.size());
    if (pad > 0) {
      writeFully(out, ByteBuffer.allocate(pad), e.dataStart() + e.size());
    }
    return true;
  }

  /** Where each blob's data lies in the tarball (tar order), and the tarball's size. */
  public record Slot(Digest digest, long dataStart, long size) {}

  public record Layout(long size, List<Slot> blobs) {}

  /** The layout {@link #assemble} and {@link BundleTarWriter} write for these blobs and this index. */
  public static Layout plan(Map<Digest, Long> blobs, byte[] indexJson) throws IOException {
    List<Entry> entries = layout(blobs, indexJson);
    List<Slot> slots = new ArrayList<>();
    for (Entry e : entries) {
      if (e.digest() != null) {
        slots.add(new Slot(e.digest(), e.dataStart(), e.size()));
      }
    }
    return new Layout(entries.get(entries.size() - 1).end() + 2L * RECORD, slots);
  }

  /** Bundle entries in tar order, with their headers and offsets. */
  private static List<Entry> layout(Map<Digest, Long> blobs, byte[] indexJson) throws IOException {
    TreeMap<String, Object> all = BundleTarWriter.entries(blobs, indexJson);
    List<Entry> out = new ArrayList<>();
    long pos = 0;
    for (Map.Entry<String, Object> e : all.entrySet()) {
      Object v = e.getValue();
      Digest d = v instanceof Digest dd ? dd : null;
      byte[] bytes = v instanceof byte[] b ? b : null;
      long size = d != null ? blobs.get(d) : bytes != null ? bytes.length : 0;
      byte[] header = BundleTarWriter.header(e.getKey(), size, v instanceof Boolean);
      long dataStart = pos + header.length;
      long end = dataStart + (size + RECORD - 1) / RECORD * RECORD;
      out.add(new Entry(e.getKey(), header, pos, dataStart, size, end, d, bytes, new CountDownLatch(1)));
      pos = end;
    }
    return out;
  }

  /** Copies exactly the entry's size into its slot (the stream's end is read, so it verifies itself). */
  private static void copyIntoSlot(InputStream in, FileChannel out, Entry e, byte[] buf, ProgressListener progress)
      throws IOException {
    long pos = e.dataStart();
    long left = e.size();
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        break;
      }
      writeFully(out, ByteBuffer.wrap(buf, 0, n), pos);
      pos += n;
      left -= n;
      progress.bytes(n);
    }
    if (left > 0 || in.read() >= 0) {
      throw new DigestMismatchException("blob " + e.digest() + " size", e.size() + " bytes",
          (left > 0 ? e.size() - left : "more than " + e.size()) + " bytes");
    }
    int pad = (int) (e.end() - e.dataStart() - e.size());
    if (pad > 0) {
      writeFully(out, ByteBuffer.allocate(pad), e.dataStart() + e.size());
    }
  }

  /** Reads the file back entry by entry, each once it is complete, into {@code md}. */
  private static void hashInOrder(FileChannel file, List<Entry> entries, long total, MessageDigest md, ByteSink sink)
      throws IOException, InterruptedException {
    ByteBuffer buf = ByteBuffer.allocate(BUFFER);
    long pos = 0;
    for (Entry e : entries) {
      e.done().await();
      pos = hashRange(file, pos, e.end(), md, buf, sink);
    }
    hashRange(file, pos, total, md, buf, sink);
  }

  private static long hashRange(FileChannel file, long from, long to, MessageDigest md, ByteBuffer buf, ByteSink sink)
      throws IOException {
    long pos = from;
    while (pos < to) {
      if (md == null && sink != null) {
        pos = Math.max(pos, sink.next(pos)); // the bytes it does not need are not read
        if (pos >= to) {
          return to;
        }
      }
      buf.clear().limit((int) Math.min(buf.capacity(), to - pos));
      int n = file.read(buf, pos);
      if (n <= 0) {
        throw new IOException("the bundle being written is shorter than its layout at byte " + pos);
      }
      if (md != null) {
        md.update(buf.array(), 0, n);
      }
      if (sink != null) {
        sink.accept(pos, buf.array(), 0, n);
      }
      pos += n;
    }
    return pos;
  }

  private static void writeFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
    while (b.hasRemaining()) {
      pos += ch.write(b, pos);
    }
  }

  /** digest -> {offset, size} of each blob the journal says was written and verified. */
  private static Map<Digest, long[]> readJournal(Path journal) throws IOException {
    Map<Digest, long[]> out = new HashMap<>();
    for (String line : Files.readAllLines(journal, StandardCharsets.UTF_8)) {
      String[] f = line.trim().split(" ");
      if (f.length == 3 && Digest.isValid(f[0])) {
        try {
          out.put(Digest.parse(f[0]), new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
        } catch (NumberFormatException e) {
          // a torn last line: that blob is fetched again
        }
      }
    }
    return out;
  }

  private static void awaitAll(List<CompletableFuture<Void>> futures) throws IOException {
    dev.airlock.Futures.join(CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)));
  }
}
