package dev.airlock.serve;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The direct buffers loopback connections copy file bodies through: one per connection that sends a file,
 * taken on its first file body and given back when it closes, so there are never more than the server's
 * connection limit and memory stays at most {@code limit × SIZE} (16 MiB for the default 64 connections).
 */
final class CopyBuffers {
  /** Large enough that a read and a write move 256 KiB per system call; 64 KiB to 1 MiB measured the same. */
  static final int SIZE = 256 * 1024;

  private final ConcurrentLinkedQueue<ByteBuffer> free = new ConcurrentLinkedQueue<>();

  ByteBuffer take() {
    ByteBuffer b = free.poll();
    return b != null ? b : ByteBuffer.allocateDirect(SIZE);
  }

  void give(ByteBuffer b) {
    free.add(b.clear());
  }
}
