package dev.airlock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Waiting for work done on other threads, with the failure it threw, and naming those threads. */
public final class Futures {
  private Futures() {}

  /** The future's value; its failure is thrown as it was thrown (an {@link UncheckedIOException} unwrapped). */
  public static <T> T join(CompletableFuture<T> future) throws IOException {
    try {
      return future.join();
    } catch (CompletionException e) {
      throw rethrow(e.getCause());
    }
  }

  /**
   * Throws {@code cause}, the failure of a task run elsewhere, as an {@link IOException} or unchecked
   * throwable; declared to return one so callers can write {@code throw rethrow(c)}.
   */
  public static IOException rethrow(Throwable cause) throws IOException {
    if (cause instanceof UncheckedIOException u) {
      throw u.getCause();
    }
    if (cause instanceof IOException io) {
      throw io;
    }
    if (cause instanceof RuntimeException r) {
      throw r;
    }
    if (cause instanceof Error err) {
      throw err;
    }
    throw new IOException(cause);
  }

  /** Daemon threads named {@code name-1}, {@code name-2}, ... */
  public static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
