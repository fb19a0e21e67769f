package dev.airlock.serve;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * One client connection, served by one pool thread: request heads are read and answered in turn while
 * the client keeps the connection alive. A head must be complete within the head timeout (normally
 * {@link #HEAD_TIMEOUT_MS}) of its first byte (of the accept, for the first one); a stalled head is
 * closed, a slow download is not. Between requests a connection may stay idle {@link #IDLE_TIMEOUT_MS}. The
 * first byte 0x16 (a TLS handshake, sent by clients told {@code --tls-verify=false}, which fall back to
 * plain HTTP when it fails) gets a plain-HTTP 400 at once, as Go's servers answer. Request bodies are
 * never read: a request that has one is answered and the connection closed.
 */
final class HttpConnection implements Runnable {
  static final int HEAD_TIMEOUT_MS = 1_000;
  static final int IDLE_TIMEOUT_MS = 15_000;
  private static final int TLS_HANDSHAKE = 0x16;
  private static final int DISCARD_LIMIT = 1024 * 1024;
  static final byte[] NOT_TLS = ("HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
      + "this registry speaks plain HTTP, not TLS\n").getBytes(StandardCharsets.US_ASCII);
  private static final System.Logger LOG = System.getLogger(HttpConnection.class.getName());

  private final SocketChannel channel;
  private final RequestHandler handler;
  private final int headTimeoutMs;
  private final Runnable onClose;
  private final CopyBuffers buffers;
  private ByteBuffer copyBuffer; // taken from buffers on the first file body to a loopback client
  private volatile boolean idle;
  private final WriteWatch writes = new WriteWatch();

  /**
   * A connection whose file bodies are copied through one of {@code buffers} when the client is on this
   * host, and go out by {@code sendfile} otherwise (see {@link HttpResponse}).
   */
  HttpConnection(SocketChannel channel, RequestHandler handler, int headTimeoutMs, CopyBuffers buffers,
      Runnable onClose) {
    this.channel = channel;
    this.handler = handler;
    this.headTimeoutMs = headTimeoutMs;
    this.buffers = buffers;
    this.onClose = onClose;
  }

  /** True while waiting for the next request of a kept-alive connection (safe to close under load). */
  boolean idle() {
    return idle;
  }

  /** How long this connection's current write has been blocked by a client that does not read (ms; 0: none). */
  long writeBlockedMs() {
    return writes.blockedMs();
  }

  /** Closes the socket; the serving thread sees the connection end. */
  void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // closed anyway
    }
  }

  @Override
  public void run() {
    try {
      Socket socket = channel.socket();
      socket.setTcpNoDelay(true);
      socket.setKeepAlive(true);
      RequestHeadReader reader = new RequestHeadReader(socket);
      long deadline = System.nanoTime() + headTimeoutMs * 1_000_000L; // the first head counts from the accept
      int first = reader.awaitFirstByte(headTimeoutMs);
      if (first == TLS_HANDSHAKE) {
        writeFully(NOT_TLS);
        return;
      }
      boolean loopback = channel.getRemoteAddress() instanceof InetSocketAddress peer
          && peer.getAddress().isLoopbackAddress();
      while (first >= 0 && serveOne(reader, deadline, loopback)) {
        idle = true;
        first = reader.awaitFirstByte(IDLE_TIMEOUT_MS);
        idle = false;
        deadline = System.nanoTime() + headTimeoutMs * 1_000_000L;
      }
    } catch (IOException e) {
      // the client went away or the server is closing: nothing to tell anyone
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "airlock serve: request failed", e);
    } finally {
      close();
      if (copyBuffer != null) {
        buffers.give(copyBuffer);
      }
      onClose.run();
    }
  }

  /** Reads and answers one request; true when the connection stays open for another. */
  private boolean serveOne(RequestHeadReader reader, long deadline, boolean loopback) throws IOException {
    HttpRequestHead request;
    try {
      request = reader.read(deadline);
    } catch (SocketTimeoutException e) {
      return false; // a stalled head
    } catch (MalformedRequestException e) {
      HttpResponse refusal = new HttpResponse(channel, true);
      refusal.header("Content-Type", "text/plain");
      refusal.sendBytes(e.status(), (e.getMessage() + "\n").getBytes(StandardCharsets.US_ASCII), false);
      discardInputThenClose();
      return false;
    }
    if (request == null) {
      return false;
    }
    boolean close = !request.keepAlive() || request.hasBody();
    HttpResponse response = new HttpResponse(channel, close, loopback ? this::copyBuffer : null, writes);
    try {
      handler.handle(request, response);
    } catch (RuntimeException e) {
      if (!response.committed()) {
        response.header("Content-Type", "text/plain");
        response.sendBytes(500, "internal error\n".getBytes(StandardCharsets.US_ASCII), request.method().equals("HEAD"));
      }
      throw e;
    }
    if (request.hasBody()) {
      discardInputThenClose();
    }
    return !close;
  }

  /**
   * The response is out; stops sending and reads what the client still sends (up to a limit, briefly) so
   * that closing does not reset the connection before the client has read the answer.
   */
  private void discardInputThenClose() throws IOException {
    Socket socket = channel.socket();
    socket.shutdownOutput();
    InputStream in = socket.getInputStream();
    byte[] sink = new byte[16 * 1024];
    long deadline = System.nanoTime() + headTimeoutMs * 1_000_000L;
    long total = 0;
    try {
      long left;
      while (total < DISCARD_LIMIT && (left = (deadline - System.nanoTime()) / 1_000_000) > 0) {
        socket.setSoTimeout((int) left);
        int n = in.read(sink);
        if (n < 0) {
          return;
        }
        total += n;
      }
    } catch (SocketTimeoutException e) {
      // enough waiting
    }
  }

  /** This connection's copy buffer, taken on first use; null when the server has none to spare. */
  private ByteBuffer copyBuffer() {
    if (copyBuffer == null) {
      copyBuffer = buffers.take();
    }
    return copyBuffer;
  }

  private void writeFully(byte[] bytes) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }
}
