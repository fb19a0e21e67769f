package dev.airlock.registry.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A response body that gives up when a read has waited {@code timeout} without a byte: a watchdog closes
 * the underlying stream, and the blocked read fails with an {@link IdleTimeoutException} (an ordinary
 * {@link IOException}, so a blob download resumes with {@code Range} and other requests are retried).
 * Time the consumer spends not reading does not count.
 */
final class IdleTimeoutInputStream extends FilterInputStream {
  private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

  /** No bytes came for too long. */
  static final class IdleTimeoutException extends IOException {
    IdleTimeoutException(String message) {
      super(message);
    }
  }

  private final long timeoutNanos;
  private final ScheduledFuture<?> check;
  private volatile long received;
  private volatile long readingSince;
  private volatile boolean timedOut;
  private volatile boolean closed;

  IdleTimeoutInputStream(InputStream in, Duration timeout) {
    super(in);
    this.timeoutNanos = timeout.toNanos();
    long period = Math.max(50, Math.min(5000, timeout.toMillis() / 4));
    this.check = WATCHDOG.scheduleWithFixedDelay(this::checkIdle, period, period, TimeUnit.MILLISECONDS);
  }

  private static ScheduledThreadPoolExecutor watchdog() {
    ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = Executors.defaultThreadFactory().newThread(r);
      t.setDaemon(true);
      t.setName("airlock-read-watchdog");
      return t;
    });
    e.setRemoveOnCancelPolicy(true);
    return e;
  }

  private void checkIdle() {
    long since = readingSince;
    if (closed || since == 0 || System.nanoTime() - since < timeoutNanos) {
      return;
    }
    timedOut = true;
    check.cancel(false);
    try {
      in.close(); // unblocks the waiting read
    } catch (IOException | RuntimeException e) {
      // the read fails either way
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (timedOut) {
      throw timeout();
    }
    readingSince = Math.max(1, System.nanoTime());
    int n;
    try {
      n = in.read(b, off, len);
    } catch (IOException e) {
      if (timedOut) {
        throw timeout();
      }
      throw e;
    } finally {
      readingSince = 0;
    }
    if (timedOut) {
      throw timeout(); // a closed body may also read as a clean end
    }
    if (n < 0) {
      check.cancel(false);
    } else {
      received += n;
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[8192];
    long left = n;
    while (left > 0) {
      int r = read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        break;
      }
      left -= r;
    }
    return n - left;
  }

  /** Body bytes read so far. */
  long received() {
    return received;
  }

  private IOException timeout() {
    return new IdleTimeoutException("no data for " + seconds(Duration.ofNanos(timeoutNanos)) + " (read timeout)");
  }

  /** {@code 60 s}, {@code 0.5 s}. */
  static String seconds(Duration d) {
    long ms = d.toMillis();
    return (ms % 1000 == 0 ? Long.toString(ms / 1000) : Double.toString(ms / 1000.0)) + " s";
  }

  @Override
  public void close() throws IOException {
    closed = true;
    check.cancel(false);
    in.close();
  }
}
