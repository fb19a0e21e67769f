package dev.airlock.serve;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The direct buffers loopback connections copy file bodies through: one per connection that sends a file,
 * taken before its first file body and given back when it closes. At most {@link #MAX} are ever
 * allocated (16 MiB), whatever {@code --threads} says; a connection that finds none free sends by
 * {@code sendfile} instead, so direct memory never runs out.
 */
final class CopyBuffers {
  /** Large enough that a read and a write move 256 KiB per system call; 64 KiB to 1 MiB measured the same. */
  static final int SIZE = 256 * 1024;
  /** As many as the default connection limit ({@link RegistryServer#DEFAULT_THREADS}). */
  static final int MAX = 64;

  private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();
  private final AtomicInteger allocated = new AtomicInteger();
  private final int max;

  CopyBuffers() {
    this(MAX);
  }

  CopyBuffers(int max) {
    this.max = max;
  }

  /** A free buffer, a new one while fewer than the maximum exist, else null (send by sendfile). */
  ByteBuffer take() {
    ByteBuffer b = free.poll();
    if (b != null) {
      return b;
    }
    if (allocated.incrementAndGet() > max) {
      allocated.decrementAndGet();
      return null;
    }
    return ByteBuffer.allocateDirect(SIZE);
  }

  void give(ByteBuffer b) {
    free.add(b.clear());
  }

  /** Buffers allocated so far (tests). */
  int allocated() {
    return allocated.get();
  }

  /** Buffers given back and not taken again (tests). */
  int free() {
    return free.size();
  }
}
