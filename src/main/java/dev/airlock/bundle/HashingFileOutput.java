package dev.airlock.bundle;

import dev.airlock.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A file written through a few large buffers whose SHA-256 is computed on a second thread from the very
 * buffers written, so hashing the output overlaps with reading and writing it (on a 2-core machine the
 * tarball's digest then costs almost no wall-clock time). Memory is bounded: {@value #BUFFERS} buffers of
 * {@value #BUFFER_SIZE} bytes. Not thread-safe: one writer.
 */
final class HashingFileOutput extends OutputStream {
  static final int BUFFER_SIZE = 1 << 20;
  static final int BUFFERS = 4;

  private record Chunk(byte[] bytes, int length) {}

  private static final Chunk END = new Chunk(new byte[0], 0);

  private final FileChannel channel;
  private final MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
  private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(BUFFERS);
  private final Thread hasher;
  private volatile Throwable hasherFailure;
  private byte[] current;
  private int pos;
  private long count;
  private boolean closed;
  private Digest digest;

  HashingFileOutput(Path file) throws IOException {
    this.channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING);
    for (int i = 0; i < BUFFERS - 1; i++) {
      free.add(new byte[BUFFER_SIZE]);
    }
    current = new byte[BUFFER_SIZE];
    hasher = new Thread(this::hashLoop, "airlock-tar-sha256");
    hasher.setDaemon(true);
    hasher.start();
  }

  private void hashLoop() {
    try {
      while (true) {
        Chunk c = full.take();
        if (c == END) {
          return;
        }
        md.update(c.bytes(), 0, c.length());
        free.put(c.bytes());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      hasherFailure = e;
    }
  }

  @Override
  public void write(int b) throws IOException {
    if (pos == current.length) {
      flushBuffer();
    }
    current[pos++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (pos == current.length) {
        flushBuffer();
      }
      int n = Math.min(len, current.length - pos);
      System.arraycopy(b, off, current, pos, n);
      pos += n;
      off += n;
      len -= n;
    }
  }

  /**
   * Copies exactly {@code size} bytes of {@code in} straight into the write buffers (no intermediate
   * copy), calling {@code progress} with each count read.
   *
   * @return the bytes copied, less than {@code size} only when {@code in} ended early
   */
  long copyFrom(InputStream in, long size, java.util.function.LongConsumer progress) throws IOException {
    long left = size;
    while (left > 0) {
      if (pos == current.length) {
        flushBuffer();
      }
      int n = in.read(current, pos, (int) Math.min(left, current.length - pos));
      if (n < 0) {
        break;
      }
      pos += n;
      left -= n;
      progress.accept(n);
    }
    return size - left;
  }

  /** Bytes written so far. */
  long count() {
    return count + pos;
  }

  private void flushBuffer() throws IOException {
    if (pos == 0) {
      return;
    }
    ByteBuffer bb = ByteBuffer.wrap(current, 0, pos);
    while (bb.hasRemaining()) {
      channel.write(bb);
    }
    count += pos;
    try {
      failIfHasherDied();
      full.put(new Chunk(current, pos));
      byte[] next;
      while ((next = free.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS)) == null) {
        failIfHasherDied();
      }
      current = next;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while writing");
    }
    pos = 0;
  }

  private void failIfHasherDied() throws IOException {
    if (hasherFailure != null) {
      throw new IOException("hashing the output failed: " + hasherFailure, hasherFailure);
    }
  }

  /** The SHA-256 of everything written; valid after {@link #close()}. */
  Digest digest() {
    if (digest == null) {
      throw new IllegalStateException("not closed yet");
    }
    return digest;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      flushBuffer();
      full.put(END);
      hasher.join();
      failIfHasherDied();
      digest = Digest.of(Digest.Algorithm.SHA256, md.digest());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      hasher.interrupt();
      throw new InterruptedIOException("interrupted while writing");
    } finally {
      if (hasher.isAlive()) {
        hasher.interrupt();
      }
      channel.close();
    }
  }
}
