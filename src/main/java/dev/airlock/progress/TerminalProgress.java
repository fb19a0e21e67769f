package dev.airlock.progress;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The CLI's progress: on a terminal, one line redrawn in place (phase, bar, bytes, rate, ETA when the
 * total is known, items); otherwise plain, complete log lines: what each phase does when it starts, what it
 * did when it ends, and messages. Thread-safe.
 *
 * <p>A total is an estimate: past it, the bar gives way to the bytes moved ("of about X estimated") and no
 * ETA is shown; nor is one before a second has passed and a hundredth of the bytes have moved, when a rate
 * says nothing yet.
 */
public final class TerminalProgress implements ProgressListener {
  private static final long REDRAW_NANOS = 200_000_000L;
  /** Not a terminal: a plain log line with bytes, rate and ETA at most this often. */
  private static final long LOG_NANOS = 5_000_000_000L;

  private final PrintWriter out;
  private final boolean terminal;
  private final LongSupplier clock;
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong items = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private String phase = "";
  private long totalBytes = -1;
  private long totalItems = -1;
  private long phaseStart;
  private long lastDraw;
  private boolean lineOpen;

  public TerminalProgress(PrintWriter out, boolean terminal) {
    this(out, terminal, System::nanoTime);
  }

  TerminalProgress(PrintWriter out, boolean terminal, LongSupplier clock) {
    this.out = out;
    this.terminal = terminal;
    this.clock = clock;
  }

  /** A terminal when the JVM has a console. */
  public static TerminalProgress forConsole(PrintWriter out) {
    return new TerminalProgress(out, onTerminal());
  }

  /**
   * Whether the JVM's standard streams are a terminal: it has a console and (on JDK 22 and later, where a
   * console exists also when the streams are redirected) that console says it is a terminal.
   */
  public static boolean onTerminal() {
    java.io.Console c = System.console();
    if (c == null) {
      return false;
    }
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
    } catch (ReflectiveOperationException e) {
      return true; // JDK 17-21: a console is only there when attached to a terminal
    }
  }

  /** What a phase does, in words, for the log line that starts it (unknown phases are printed as named). */
  static final java.util.Map<String, String> PHASES = java.util.Map.ofEntries(
      java.util.Map.entry("resolve", "resolving the spec's entries to digests"),
      java.util.Map.entry("fetch", "fetching manifests and small blobs into the working directory"),
      java.util.Map.entry("fetch into the bundle", "writing the bundle, fetching the large blobs straight into it"),
      java.util.Map.entry("write", "writing the bundle"),
      java.util.Map.entry("walk", "reading the sources' manifests: platform filters, referrers"),
      java.util.Map.entry("policy", "checking the policy on the source content, before anything is pushed"),
      java.util.Map.entry("verify", "verifying the bundle offline: every blob's digest, the bundle signature and the policy"),
      java.util.Map.entry("plan", "verified; the plan follows"),
      java.util.Map.entry("push", "pushing blobs and manifests"),
      java.util.Map.entry("commit", "every layer hashed to its digest: committing the uploads, then the manifests"),
      java.util.Map.entry("check", "re-reading the target to prove every tag, platform and signature"));

  @Override
  public synchronized void phase(String name, long totalItems, long totalBytes) {
    endLine();
    if (!terminal && !phase.isEmpty()) {
      out.println(phase + ": " + done());
    }
    this.phase = name;
    this.totalItems = totalItems;
    this.totalBytes = totalBytes;
    bytes.set(0);
    items.set(0);
    skipped.set(0);
    phaseStart = clock.getAsLong();
    lastDraw = terminal ? 0 : phaseStart; // not a terminal: the first log line comes LOG_NANOS after the phase starts
    if (!terminal) {
      String what = PHASES.get(name);
      String totals = (totalItems >= 0 ? totalItems + " item(s)" : "")
          + (totalBytes >= 0 ? (totalItems >= 0 ? ", " : "") + "about " + human(totalBytes) : "");
      out.println(name + (what == null && totals.isEmpty() ? "" : ": ") + (what == null ? "" : what)
          + (totals.isEmpty() ? "" : (what == null ? "" : " (") + totals + (what == null ? "" : ")")));
      out.flush();
    }
  }

  /** The end of a phase in words: {@code done in 1.2s: 12 items (3 already there), 1.8 KiB}. */
  private String done() {
    double seconds = Math.max(0, (clock.getAsLong() - phaseStart) / 1e9);
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "done in %.1fs", seconds));
    if (items.get() > 0) {
      b.append(": ").append(items.get()).append(" item(s)");
      if (skipped.get() > 0) {
        b.append(" (").append(skipped.get()).append(" already there)");
      }
    }
    if (bytes.get() > 0) {
      b.append(items.get() > 0 ? ", " : ": ").append(human(bytes.get()));
    }
    return b.toString();
  }

  @Override
  public void bytes(long n) {
    bytes.addAndGet(n);
    maybeDraw(false);
  }

  @Override
  public void item(String what, boolean wasSkipped) {
    items.incrementAndGet();
    if (wasSkipped) {
      skipped.incrementAndGet();
    }
    maybeDraw(false);
  }

  @Override
  public synchronized void info(String message) {
    endLine();
    out.println(message);
    out.flush();
  }

  /** Ends the progress line (call when done). */
  public synchronized void finish() {
    if (terminal && !phase.isEmpty()) {
      draw();
    }
    endLine();
    if (!terminal && !phase.isEmpty()) {
      out.println(phase + ": " + done());
      out.flush();
    }
    phase = "";
  }

  private void maybeDraw(boolean force) {
    long now = clock.getAsLong();
    if (!force && now - lastDraw < (terminal ? REDRAW_NANOS : LOG_NANOS)) {
      return;
    }
    synchronized (this) {
      if (!force && now - lastDraw < (terminal ? REDRAW_NANOS : LOG_NANOS)) {
        return;
      }
      lastDraw = now;
      if (terminal) {
        draw();
      } else {
        out.println("  " + line());
        out.flush();
      }
    }
  }

  private void draw() {
    out.print("\r" + line() + "\u001b[K");
    out.flush();
    lineOpen = true;
  }

  /** The progress line as drawn (package-visible for tests). */
  synchronized String line() {
    long b = bytes.get();
    double seconds = Math.max(1e-3, (clock.getAsLong() - phaseStart) / 1e9);
    double rate = b / seconds;
    StringBuilder s = new StringBuilder(phase);
    if (totalBytes > 0 && b <= totalBytes) {
      int width = 24;
      int filled = (int) Math.min(width, width * b / totalBytes);
      s.append(" [").append("#".repeat(filled)).append(" ".repeat(width - filled)).append("] ")
          .append(human(b)).append(" / ").append(human(totalBytes));
    } else if (totalBytes > 0) { // the estimate was short (referrers found on the way): no bar past 100%
      s.append(' ').append(human(b)).append(" (of about ").append(human(totalBytes)).append(" estimated)");
    } else {
      s.append(' ').append(human(b));
    }
    s.append("  ").append(human((long) rate)).append("/s");
    if (totalBytes > 0 && rate > 0 && b < totalBytes && seconds >= 1 && b * 100 >= totalBytes) {
      long eta = (long) ((totalBytes - b) / rate);
      if (eta < 100 * 3600) {
        s.append("  ETA ").append(eta >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", eta / 3600, eta / 60 % 60, eta % 60)
            : String.format(Locale.ROOT, "%d:%02d", eta / 60, eta % 60));
      }
    }
    s.append("  ").append(items.get());
    if (totalItems > 0) {
      s.append('/').append(totalItems);
    }
    s.append(" items");
    if (skipped.get() > 0) {
      s.append(" (").append(skipped.get()).append(" already there)");
    }
    return s.toString();
  }

  private void endLine() {
    if (lineOpen) {
      out.println();
      out.flush();
      lineOpen = false;
    }
  }

  public static String human(long n) {
    return ByteSize.human(n);
  }
}
