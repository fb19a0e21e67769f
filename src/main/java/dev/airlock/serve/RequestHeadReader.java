package dev.airlock.serve;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * Reads request heads off one connection into a fixed buffer, with a deadline for each head. Bytes that
 * follow a head (the next, pipelined request) stay in the buffer for the next call. Bodies are never read
 * here.
 */
final class RequestHeadReader {
  /** Longest request line (414 beyond). */
  static final int MAX_REQUEST_LINE = 8 * 1024;
  /** Longest head, request line and fields (431 beyond). */
  static final int MAX_HEAD = 32 * 1024;

  /** Sets the read timeout of the connection before each read ({@link Socket#setSoTimeout}). */
  interface ReadTimeout {
    void set(int millis) throws IOException;
  }

  private final ReadTimeout timeout;
  private final InputStream in;
  private final byte[] buf = new byte[MAX_HEAD];
  private int start;
  private int end;

  RequestHeadReader(Socket socket) throws IOException {
    this(socket.getInputStream(), socket::setSoTimeout);
  }

  /** Reads heads from {@code in}, calling {@code timeout} before each read (tests: any stream). */
  RequestHeadReader(InputStream in, ReadTimeout timeout) {
    this.in = in;
    this.timeout = timeout;
  }

  /**
   * Waits up to {@code millis} for the next request's first byte and returns it without consuming it;
   * -1 when the client closed the connection or stayed silent.
   */
  int awaitFirstByte(int millis) throws IOException {
    if (start == end) {
      start = 0;
      end = 0;
      try {
        if (!fill(millis)) {
          return -1;
        }
      } catch (SocketTimeoutException e) {
        return -1;
      }
    }
    return buf[start] & 0xff;
  }

  /**
   * Reads the rest of a head whose first byte {@link #awaitFirstByte} saw, until {@code deadlineNanos}.
   *
   * @throws SocketTimeoutException when the head is not complete by then
   * @throws MalformedRequestException when it is too long or malformed
   * @return the head, or null when the client closed the connection in the middle of it
   */
  HttpRequestHead read(long deadlineNanos) throws IOException, MalformedRequestException {
    int scanned = start;
    while (true) {
      for (int i = Math.max(start, scanned); i < end; i++) {
        if (buf[i] != '\n') {
          continue;
        }
        if (i - start >= 1 && buf[i - 1] == '\n') {
          return take(i - 1, i + 1);
        }
        if (i - start >= 2 && buf[i - 1] == '\r' && buf[i - 2] == '\n') {
          return take(i - 2, i + 1);
        }
      }
      scanned = end;
      if (indexOfNewline(end) < 0 && end - start > MAX_REQUEST_LINE) {
        throw new MalformedRequestException(414, "request line too long");
      }
      if (end == buf.length) {
        if (start == 0) {
          throw new MalformedRequestException(431, "request header fields too large");
        }
        System.arraycopy(buf, start, buf, 0, end - start);
        scanned -= start;
        end -= start;
        start = 0;
      }
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        throw new SocketTimeoutException("request head not complete in time");
      }
      if (!fill((int) Math.max(1, left / 1_000_000))) {
        return null;
      }
    }
  }

  private int indexOfNewline(int limit) {
    for (int i = start; i < limit; i++) {
      if (buf[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** The head is buf[start, headEnd) (its last line's terminator excluded); the next request starts at next. */
  private HttpRequestHead take(int headEnd, int next) throws MalformedRequestException {
    int eol = indexOfNewline(headEnd);
    if ((eol < 0 ? headEnd : eol) - start > MAX_REQUEST_LINE) {
      throw new MalformedRequestException(414, "request line too long");
    }
    int len = headEnd - start;
    if (len > 0 && buf[start + len - 1] == '\r') {
      len--;
    }
    byte[] head = new byte[len];
    System.arraycopy(buf, start, head, 0, len);
    start = next;
    return HttpRequestHead.parse(head, len);
  }

  /**
   * The bytes read but not consumed yet, removed from this reader: what a TLS layer put over the same
   * connection must read first (the start of the ClientHello {@link #awaitFirstByte} saw).
   */
  byte[] takeBuffered() {
    byte[] out = java.util.Arrays.copyOfRange(buf, start, end);
    start = 0;
    end = 0;
    return out;
  }

  /** One read with a timeout; false at end of stream. */
  private boolean fill(int millis) throws IOException {
    timeout.set(millis);
    int n = in.read(buf, end, buf.length - end);
    if (n < 0) {
      return false;
    }
    end += n;
    return true;
  }
}
