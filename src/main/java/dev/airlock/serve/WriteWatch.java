package dev.airlock.serve;

/**
 * When a connection's current write to the client began, so the server can tell a client that stopped
 * reading (its write blocked for long) from one that downloads slowly (its writes keep returning). A write
 * is at most a copy buffer or a sendfile chunk ({@link HttpResponse#TRANSFER_CHUNK}), so a client that reads
 * at all ends each write within seconds.
 */
final class WriteWatch {
  static final WriteWatch NONE = new WriteWatch();

  private volatile long since; // System.nanoTime() of the write in progress; 0 when none

  void begin() {
    long now = System.nanoTime();
    since = now == 0 ? 1 : now;
  }

  void end() {
    since = 0;
  }

  /** How long the write in progress has been blocked, in milliseconds; 0 when none is. */
  long blockedMs() {
    long s = since;
    return s == 0 ? 0 : (System.nanoTime() - s) / 1_000_000;
  }
}
