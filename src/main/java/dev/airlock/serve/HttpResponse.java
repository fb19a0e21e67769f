package dev.airlock.serve;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The answer to one request, written straight to the connection's socket channel: a status line, the
 * header fields set so far, a fixed {@code Content-Length} and the body (none for HEAD). A file body goes
 * out in one of two ways, chosen by the connection:
 * <ul>
 *   <li>to a remote client, with {@link FileChannel#transferTo}, which is {@code sendfile(2)} on Linux: the
 *       bytes never enter user space and the server spends almost no CPU on them;</li>
 *   <li>to a client on this host (loopback), read into a direct buffer and written from it. With sendfile
 *       the client's own read would copy every byte from page-cache pages nobody has touched lately; here
 *       it copies from socket buffers the server has just written, still in cache. Measured with skopeo
 *       pulling 1.5 GiB on a 2-core machine, the pulls are about 3% faster this way (3-5% across
 *       measurements; bench/results/2026-11-23-speed-changes.md).</li>
 * </ul>
 * One answer per request; a second send is an error. The response also carries what the access log
 * records of the exchange: status, body bytes sent, the client's address and the authenticated user.
 */
final class HttpResponse {
  private static final int STREAM_BUFFER = 256 * 1024;
  /** The most one sendfile call sends, so that each call's return shows the client still reads. */
  static final long TRANSFER_CHUNK = 1 << 20;

  private final WritableByteChannel channel;
  private final boolean closeAfter;
  private final Supplier<ByteBuffer> copyBuffer;
  private final WriteWatch watch;
  private final Map<String, String> headers = new LinkedHashMap<>();
  private boolean committed;
  private int status;
  private long bodyBytes;
  private String client;
  private String user;

  /** A response whose file bodies go out by {@code sendfile}. */
  HttpResponse(WritableByteChannel channel, boolean closeAfter) {
    this(channel, closeAfter, null);
  }

  /**
   * A response whose file bodies are copied through the buffer {@code copyBuffer} gives (the connection's
   * own, reused by every response on it), or go out by {@code sendfile} when {@code copyBuffer} is null or
   * gives null.
   */
  HttpResponse(WritableByteChannel channel, boolean closeAfter, Supplier<ByteBuffer> copyBuffer) {
    this(channel, closeAfter, copyBuffer, WriteWatch.NONE);
  }

  /** As above, each write to the client timed by {@code watch}. */
  HttpResponse(WritableByteChannel channel, boolean closeAfter, Supplier<ByteBuffer> copyBuffer, WriteWatch watch) {
    this.channel = channel;
    this.closeAfter = closeAfter;
    this.copyBuffer = copyBuffer;
    this.watch = watch;
  }

  /** Sets a header field (replacing an earlier value); control characters in the value become '?'. */
  void header(String name, String value) {
    headers.put(name, withoutControls(value));
  }

  /** {@code s} with every control character (U+0000-U+001F, U+007F) replaced by '?'; {@code s} itself when none. */
  static String withoutControls(String s) {
    char[] out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        if (out == null) {
          out = s.toCharArray();
        }
        out[i] = '?';
      }
    }
    return out == null ? s : new String(out);
  }

  boolean committed() {
    return committed;
  }

  /** The status sent, 0 before. */
  int status() {
    return status;
  }

  /** Body bytes written to the client so far. */
  long bodyBytes() {
    return bodyBytes;
  }

  /**
   * The client's address as the connection knows it (for the access log and the failed-login limit);
   * null when not known (tests).
   */
  String client() {
    return client;
  }

  HttpResponse client(String address) {
    this.client = address;
    return this;
  }

  /** The user the request was authenticated as (Basic or token), for the access log; null: anonymous. */
  String user() {
    return user;
  }

  void user(String name) {
    this.user = name;
  }

  /** Sends {@code body} (headers only when {@code headOnly}, with the body's length). */
  void sendBytes(int status, byte[] body, boolean headOnly) throws IOException {
    byte[] head = head(status, body.length);
    ByteBuffer out = ByteBuffer.allocate(head.length + (headOnly ? 0 : body.length));
    out.put(head);
    if (!headOnly) {
      out.put(body);
    }
    writeFully(out.flip());
    bodyBytes += headOnly ? 0 : body.length;
  }

  /**
   * Sends {@code count} bytes of {@code file} from {@code position} (by {@code sendfile} or through the copy
   * buffer, see the class comment), or only the headers.
   */
  void sendFile(int status, FileChannel file, long position, long count, boolean headOnly) throws IOException {
    ByteBuffer buf = headOnly || copyBuffer == null ? null : copyBuffer.get(); // null: none to spare, sendfile
    writeFully(ByteBuffer.wrap(head(status, count)));
    if (headOnly) {
      return;
    }
    if (buf != null) {
      copy(file, position, position + count, buf);
    } else {
      transfer(file, position, position + count);
    }
  }

  private void copy(FileChannel file, long position, long end, ByteBuffer buf) throws IOException {
    long pos = position;
    while (pos < end) {
      buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
      int n = file.read(buf, pos);
      if (n < 0) {
        throw new IOException("file data ends at " + pos + ", before " + end);
      }
      pos += n;
      writeFully(buf.flip());
      bodyBytes += n;
    }
  }

  private void transfer(FileChannel file, long position, long end) throws IOException {
    long pos = position;
    int idle = 0;
    while (pos < end) {
      long n;
      watch.begin();
      try {
        n = file.transferTo(pos, Math.min(TRANSFER_CHUNK, end - pos), channel); // blocking: returns once bytes went out
      } finally {
        watch.end();
      }
      if (n > 0) {
        pos += n;
        bodyBytes += n;
        idle = 0;
      } else if (file.size() < end) {
        throw new IOException("file data ends at " + file.size() + ", before " + end);
      } else if (++idle > 100) {
        throw new IOException("sendfile made no progress at offset " + pos);
      }
    }
  }

  /** Sends {@code count} bytes read from {@code in}, or only the headers. */
  void sendStream(int status, InputStream in, long count, boolean headOnly) throws IOException {
    writeFully(ByteBuffer.wrap(head(status, count)));
    if (headOnly) {
      return;
    }
    byte[] buf = new byte[(int) Math.max(1, Math.min(STREAM_BUFFER, count))];
    long left = count;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        throw new IOException("body ended " + left + " bytes early");
      }
      writeFully(ByteBuffer.wrap(buf, 0, n));
      bodyBytes += n;
      left -= n;
    }
  }

  private byte[] head(int status, long contentLength) throws IOException {
    if (committed) {
      throw new IOException("response already sent");
    }
    committed = true;
    this.status = status;
    StringBuilder h = new StringBuilder(256);
    h.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
    h.append("Date: ").append(date()).append("\r\n");
    for (Map.Entry<String, String> e : headers.entrySet()) {
      if (!e.getKey().equalsIgnoreCase("Content-Length") && !e.getKey().equalsIgnoreCase("Connection")) {
        h.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
      }
    }
    h.append("Content-Length: ").append(contentLength).append("\r\n");
    if (closeAfter) {
      h.append("Connection: close\r\n");
    }
    h.append("\r\n");
    return h.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** The Date field's value, formatted once a second (every response of that second shares it). */
  private static String date() {
    long now = System.currentTimeMillis() / 1000;
    FormattedDate d = lastDate;
    if (d == null || d.epochSecond() != now) {
      d = new FormattedDate(now, DateTimeFormatter.RFC_1123_DATE_TIME.format(
          ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(now), ZoneOffset.UTC)));
      lastDate = d;
    }
    return d.text();
  }

  private record FormattedDate(long epochSecond, String text) {}

  private static volatile FormattedDate lastDate;

  private void writeFully(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      watch.begin();
      try {
        channel.write(b);
      } finally {
        watch.end();
      }
    }
  }

  static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 206 -> "Partial Content";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 414 -> "URI Too Long";
      case 401 -> "Unauthorized";
      case 416 -> "Range Not Satisfiable";
      case 429 -> "Too Many Requests";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      case 505 -> "HTTP Version Not Supported";
      default -> "Status " + status;
    };
  }
}
