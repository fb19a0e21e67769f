package dev.airlock.registry.http;

import java.util.ArrayList;
import java.util.List;

/**
 * Stops the JDK HTTP clients' selector threads before the process exits.
 *
 * <p>HotSpot's exit waits about 300 ms for every thread running native code to block, and a JDK
 * {@link java.net.http.HttpClient}'s selector thread sits in native {@code epoll_wait} until its client
 * is garbage-collected, so every command that had talked to a registry paid 0.3 s at exit (import
 * 8.3 s, of which 0.33 s was after the last line). JDK 17's client has no {@code close()}; its selector
 * loop ends, and shuts the client down, when the thread is interrupted. Later JDKs' clients are
 * {@link AutoCloseable} and end the same way.
 */
public final class ClientThreads {
  private static final String PREFIX = "HttpClient-";
  private static final String SUFFIX = "-SelectorManager";

  private ClientThreads() {}

  /**
   * Interrupts every JDK HTTP client selector thread and waits up to {@code waitMillis} in all for them
   * to end. Call only when no request is in flight any more: at exit.
   *
   * @return how many selector threads were still alive after the wait
   */
  public static int stopSelectors(long waitMillis) {
    List<Thread> selectors = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String name = t.getName();
      if (name.startsWith(PREFIX) && name.endsWith(SUFFIX) && t.isAlive()) {
        selectors.add(t);
        t.interrupt();
      }
    }
    long deadline = System.nanoTime() + waitMillis * 1_000_000L;
    int alive = 0;
    for (Thread t : selectors) {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      try {
        if (left > 0) {
          t.join(left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (t.isAlive()) {
        alive++;
      }
    }
    return alive;
  }
}
