package dev.airlock.verify.integrity;

import dev.airlock.bundle.CanonicalTarReader;
import dev.airlock.oci.Digest;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The SHA-256 of a whole uncompressed tarball (for the {@code .sha256} beside it) and the check of every
 * blob in it, from one sequential read: each chunk of the file is read once into a small ring of buffers
 * and fed to two digests, the file's on one thread and the current blob's on the other. Whichever thread
 * is ahead reads the next chunk, so reading is shared and neither waits for long; the threads are at most
 * {@link #SLOTS} chunks apart, so memory is {@code SLOTS * CHUNK} bytes whatever the bundle's size.
 *
 * <p>Two hashes of every byte cannot be avoided: the file's SHA-256 runs through every byte in order from
 * the start of the file, a blob's from the start of the blob, so no state is shared between them; and a
 * matching {@code .sha256}, which anyone who rewrites the file can rewrite too, says nothing about the blobs.
 * What this saves over hashing the file and the blobs as separate jobs is the second read of the file.
 * Blobs are checked in tarball order, so when several are corrupted the first is named.
 */
final class FileAndBlobHashing {
  /** Bytes read at a time. */
  static final int CHUNK = 1 << 19;
  /** Chunks in flight. */
  static final int SLOTS = 8;

  private final BundleScan r;
  private final FileChannel ch;
  private final long fileSize;
  private final int chunk;
  private final long chunks;
  private final List<CanonicalTarReader.Entry> blobs;
  private final List<Digest> digests;

  private final Object lock = new Object();
  private final byte[][] slots = new byte[SLOTS][];
  private final int[] length = new int[SLOTS];
  /** The chunk a slot holds, is being read into, or (a fresh ring) last held. */
  private final long[] claimed = new long[SLOTS];
  private final boolean[] ready = new boolean[SLOTS];
  /** How many roles are done with the chunk a slot holds. */
  private final int[] released = new int[SLOTS];
  private int roles;
  private Throwable failure;

  private FileAndBlobHashing(BundleScan r, FileChannel ch, List<CanonicalTarReader.Entry> blobs, List<Digest> digests,
      int chunk) throws IOException {
    this.r = r;
    this.ch = ch;
    this.fileSize = ch.size();
    this.chunk = chunk;
    this.chunks = (fileSize + chunk - 1) / chunk;
    this.blobs = blobs;
    this.digests = digests;
  }

  /**
   * Checks each of {@code blobs} (in tarball order) against its digest in {@code digests} and returns the
   * SHA-256 of all of {@code ch}, on two threads (the caller's and one more) when {@code threads} is 2 or more,
   * reading {@code chunk} bytes at a time ({@link #CHUNK}; tests use less).
   *
   * @throws dev.airlock.VerificationException naming the first corrupted blob
   */
  static Digest run(BundleScan r, FileChannel ch, List<CanonicalTarReader.Entry> blobs, List<Digest> digests,
      int threads, int chunk) throws IOException {
    return new FileAndBlobHashing(r, ch, blobs, digests, chunk).run(threads);
  }

  private Digest run(int threads) throws IOException {
    FileRole file = new FileRole();
    BlobRole blob = new BlobRole();
    roles = threads >= 2 ? 2 : 1;
    for (int s = 0; s < SLOTS; s++) {
      slots[s] = new byte[(int) Math.min(chunk, Math.max(1, fileSize))];
      claimed[s] = s - SLOTS;
      ready[s] = true;
      released[s] = roles;
    }
    if (roles == 1) {
      work(List.of(file, blob));
    } else {
      Thread helper = new Thread(() -> work(List.of(blob)), "airlock-verify-blobs");
      helper.setDaemon(true);
      helper.start();
      work(List.of(file));
      boolean interrupted = false;
      while (true) {
        try {
          helper.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
          fail(new InterruptedIOException("interrupted while verifying blobs"));
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (lock) {
      if (failure != null) {
        blob.discard();
        throw dev.airlock.Futures.rethrow(failure);
      }
    }
    return file.digest();
  }

  /** What one thread does with each chunk. */
  private interface Role {
    void chunk(long at, byte[] b, int n) throws IOException;

    void end() throws IOException;
  }

  /** Runs {@code mine} over every chunk in order, reading those no other thread has claimed yet. */
  private void work(List<Role> mine) {
    try {
      for (long k = 0; k < chunks; k++) {
        int s = (int) (k % SLOTS);
        boolean reader;
        synchronized (lock) {
          while (failure == null && claimed[s] != k && !(claimed[s] == k - SLOTS && released[s] == roles)) {
            lock.wait();
          }
          if (failure != null) {
            return;
          }
          reader = claimed[s] != k;
          if (reader) {
            claimed[s] = k;
            ready[s] = false;
            released[s] = 0;
          } else {
            while (failure == null && !ready[s]) {
              lock.wait();
            }
            if (failure != null) {
              return;
            }
          }
        }
        long at = k * chunk;
        if (reader) {
          int n = read(slots[s], at, (int) Math.min(chunk, fileSize - at));
          synchronized (lock) {
            length[s] = n;
            ready[s] = true;
            lock.notifyAll();
          }
        }
        for (Role role : mine) {
          role.chunk(at, slots[s], length[s]);
        }
        synchronized (lock) {
          if (++released[s] == roles) {
            lock.notifyAll();
          }
        }
      }
      for (Role role : mine) {
        role.end();
      }
    } catch (InterruptedException e) {
      fail(new InterruptedIOException("interrupted while verifying blobs"));
    } catch (Throwable t) {
      fail(t);
    }
  }

  private void fail(Throwable t) {
    synchronized (lock) {
      if (failure == null) {
        failure = t;
      }
      lock.notifyAll();
    }
  }

  private int read(byte[] b, long at, int len) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(b, 0, len);
    while (buf.hasRemaining()) {
      if (ch.read(buf, at + buf.position()) < 0) {
        throw new EOFException(r.bundle + " ended at byte " + (at + buf.position()) + " while being read; it was "
            + fileSize + " bytes when the read began");
      }
    }
    return len;
  }

  /** The whole file's digest. */
  private static final class FileRole implements Role {
    private final MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
    private Digest digest;

    @Override
    public void chunk(long at, byte[] b, int n) {
      md.update(b, 0, n);
    }

    @Override
    public void end() {
      digest = Digest.of(Digest.Algorithm.SHA256, md.digest());
    }

    Digest digest() {
      return digest;
    }
  }

  /** Each blob's check, fed the part of each chunk that falls in it. */
  private final class BlobRole implements Role {
    private final byte[] head = new byte[BlobCheck.HEAD_BYTES];
    private int next;
    private BlobCheck.Fed current;
    private long currentEnd;
    private final List<BlobCheck.Fed> open = new ArrayList<>(1);

    @Override
    public void chunk(long at, byte[] b, int n) throws IOException {
      long end = at + n;
      while (true) {
        if (current == null) {
          if (next == blobs.size() || blobs.get(next).dataOffset() >= end) {
            return;
          }
          CanonicalTarReader.Entry e = blobs.get(next);
          current = new BlobCheck.Fed(r, digests.get(next), e.size(), head);
          open.add(current);
          currentEnd = e.dataOffset() + e.size();
          next++;
          if (e.dataOffset() < at) {
            throw new IllegalStateException("blob at " + e.dataOffset() + " before chunk at " + at);
          }
        }
        long from = Math.max(at, currentEnd - blobs.get(next - 1).size());
        long to = Math.min(end, currentEnd);
        if (to > from) {
          current.update(b, (int) (from - at), (int) (to - from));
        }
        if (currentEnd > end) {
          return;
        }
        current.finish();
        open.clear();
        current = null;
      }
    }

    @Override
    public void end() throws IOException {
      if (current != null) {
        current.finish(); // only a file shorter than its headers said: its size check names it
        open.clear();
        current = null;
      }
      if (next < blobs.size()) {
        throw new EOFException(r.bundle + " ended before blob " + digests.get(next));
      }
    }

    void discard() throws IOException {
      for (BlobCheck.Fed f : open) {
        f.discard();
      }
    }
  }
}
