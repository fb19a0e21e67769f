package dev.airlock.serve;

import dev.airlock.InvalidInputException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.function.Consumer;

/**
 * {@code serve --access-log FILE}: one line per request, appended and written out before the next
 * request on that connection is read:
 * <pre>TIME CLIENT METHOD PATH STATUS BYTES USER</pre>
 * TIME is UTC ISO-8601 with milliseconds (when the answer ended), CLIENT the peer's address, PATH the
 * request path (a {@code /v2/} path with its query: {@code tags/list?n=..&last=..}; other paths without it,
 * so the token endpoint's query is not kept), BYTES the body bytes sent (0 for HEAD; fewer than the
 * length when the client went away), USER the Basic or token user, {@code -} when anonymous or refused.
 * A request head that did not parse is logged with {@code -} as method and path. Nothing of a request's
 * header fields is written: no password, token or Authorization value can reach the file. Fields are
 * visible ASCII without spaces (anything else becomes {@code ?}). {@link #reopen} (SIGHUP) starts appending
 * to the file at that path again, after a log rotation moved it.
 */
public final class AccessLog implements Closeable {
  private final Path file;
  private FileChannel out;
  private Consumer<String> problems = m -> { };
  private long lost;
  private long lastReport;

  private AccessLog(Path file, FileChannel out) {
    this.file = file;
    this.out = out;
  }

  public static AccessLog open(Path file) {
    return new AccessLog(file, openChannel(file));
  }

  private static FileChannel openChannel(Path file) {
    try {
      return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    } catch (IOException | RuntimeException e) {
      throw new InvalidInputException("--access-log " + file + " cannot be opened for appending: " + e.getMessage());
    }
  }

  /** Where a failure to write the file is told (once a minute at most): the serve command's standard error. */
  public void reportTo(Consumer<String> problems) {
    this.problems = problems;
  }

  /**
   * Writes one line. A write that fails (a full disk) loses the line and is told to {@link #reportTo}, with
   * how many lines were lost, at most once a minute; the request was answered anyway.
   */
  void log(String client, String method, String path, int status, long bytes, String user) {
    StringBuilder b = new StringBuilder(160);
    b.append(DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.MILLIS))).append(' ')
        .append(field(client)).append(' ').append(field(method)).append(' ').append(field(pathOf(path))).append(' ')
        .append(status).append(' ').append(bytes).append(' ').append(field(user)).append('\n');
    ByteBuffer line = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.US_ASCII));
    synchronized (this) {
      try {
        while (line.hasRemaining()) {
          out.write(line);
        }
      } catch (IOException | RuntimeException e) {
        lost++;
        long now = System.nanoTime();
        if (lastReport == 0 || now - lastReport > 60_000_000_000L) {
          lastReport = now == 0 ? 1 : now;
          problems.accept("serve: --access-log " + file + " not written (" + lost + " line(s) lost so far): "
              + e.getMessage());
        }
      }
    }
  }

  /** A {@code /v2/} path keeps its query (pagination); any other path (the token endpoint) loses it. */
  static String pathOf(String target) {
    if (target == null) {
      return null;
    }
    int q = target.indexOf('?');
    return q < 0 || target.startsWith("/v2/") ? target : target.substring(0, q);
  }

  private static String field(String s) {
    if (s == null || s.isEmpty()) {
      return "-";
    }
    String t = s.length() > 2048 ? s.substring(0, 2048) + "..." : s;
    StringBuilder b = new StringBuilder(t.length());
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      b.append(c > 0x20 && c < 0x7f ? c : '?');
    }
    return b.toString();
  }

  /** Appends to the file now at the path (after a rotation); on failure the old file keeps the lines. */
  public synchronized void reopen() {
    FileChannel fresh = openChannel(file);
    FileChannel old = out;
    out = fresh;
    try {
      old.close();
    } catch (IOException e) {
      // the new one is in use
    }
  }

  public Path file() {
    return file;
  }

  @Override
  public synchronized void close() throws IOException {
    out.close();
  }
}
