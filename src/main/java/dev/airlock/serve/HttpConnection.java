package dev.airlock.serve;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLSocket;

/**
 * One client connection, served by one pool thread: request heads are read and answered in turn while
 * the client keeps the connection alive. A head must be complete within the head timeout (normally
 * {@link #HEAD_TIMEOUT_MS}) of its first byte (of the accept, for the first one); a stalled head is
 * closed, a slow download is not. Between requests a connection may stay idle {@link #IDLE_TIMEOUT_MS}. The
 * first byte 0x16 (a TLS handshake, sent by clients told {@code --tls-verify=false}, which fall back to
 * plain HTTP when it fails) gets a plain-HTTP 400 at once, as Go's servers answer. With TLS ({@link ServeTls})
 * it is the other way round: a first byte that is not a handshake gets that 400, a handshake has
 * {@link #HANDSHAKE_TIMEOUT_MS} to complete, and file bodies are copied through a heap buffer into the TLS
 * layer (no sendfile). Request bodies are never read: a request that has one is answered and the
 * connection closed. Each request (a malformed head too) is one line of the access log, if there is one.
 */
final class HttpConnection implements Runnable {
  static final int HEAD_TIMEOUT_MS = 1_000;
  static final int IDLE_TIMEOUT_MS = 15_000;
  private static final int TLS_HANDSHAKE = 0x16;
  private static final int DISCARD_LIMIT = 1024 * 1024;
  /** Each TLS record holds at most 16 KiB; 64 KiB per write keeps system calls few. */
  static final int TLS_COPY_BUFFER = 64 * 1024;
  /** A client has this long for its TLS handshake. */
  static final int HANDSHAKE_TIMEOUT_MS = 10_000;
  private static final String NOT_PLAIN_TEXT = "Client sent an HTTP request to an HTTPS server.\n";
  private static final long NOT_PLAIN_BODY = NOT_PLAIN_TEXT.length();
  static final byte[] NOT_PLAIN = ("HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
      + NOT_PLAIN_TEXT).getBytes(StandardCharsets.US_ASCII);
  static final byte[] NOT_TLS = ("HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
      + "this registry speaks plain HTTP, not TLS\n").getBytes(StandardCharsets.US_ASCII);
  private static final System.Logger LOG = System.getLogger(HttpConnection.class.getName());

  private final SocketChannel channel;
  private final ServeTls tls;
  private final AccessLog accessLog;
  private WritableByteChannel out; // the socket channel, or the TLS layer over it
  private String client;
  private ByteBuffer tlsBuffer;
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
    this(channel, handler, headTimeoutMs, buffers, null, null, onClose);
  }

  /**
   * As above, speaking TLS with {@code tls} when it is not null (a plain HTTP request is answered 400, as Go's
   * servers answer it), each request logged to {@code accessLog} when it is not null.
   */
  HttpConnection(SocketChannel channel, RequestHandler handler, int headTimeoutMs, CopyBuffers buffers, ServeTls tls,
      AccessLog accessLog, Runnable onClose) {
    this.channel = channel;
    this.out = channel;
    this.tls = tls;
    this.accessLog = accessLog;
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
      client = channel.getRemoteAddress() instanceof InetSocketAddress peer ? peer.getAddress().getHostAddress() : null;
      RequestHeadReader reader = new RequestHeadReader(socket);
      long deadline = System.nanoTime() + headTimeoutMs * 1_000_000L; // the first head counts from the accept
      int first = reader.awaitFirstByte(headTimeoutMs);
      boolean loopback = channel.getRemoteAddress() instanceof InetSocketAddress peer
          && peer.getAddress().isLoopbackAddress();
      if (tls == null && first == TLS_HANDSHAKE) {
        writeFully(NOT_TLS);
        return;
      }
      if (tls != null) {
        if (first < 0) {
          return;
        }
        if (first != TLS_HANDSHAKE) {
          writeFully(NOT_PLAIN);
          accessLog(null, 400, NOT_PLAIN_BODY, null);
          return;
        }
        SSLSocket ssl = tls.wrap(socket, new ByteArrayInputStream(reader.takeBuffered()));
        ssl.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
        try {
          ssl.startHandshake();
        } catch (IOException e) {
          return; // a client that does not trust the certificate, or speaks no common protocol: nothing to answer
        }
        out = new StreamChannel(ssl.getOutputStream());
        reader = new RequestHeadReader(ssl);
        loopback = false; // file bodies are encrypted: copied through the connection's own buffer
        deadline = System.nanoTime() + headTimeoutMs * 1_000_000L;
        first = reader.awaitFirstByte(IDLE_TIMEOUT_MS);
      }
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
      HttpResponse refusal = new HttpResponse(out, true).client(client);
      refusal.header("Content-Type", "text/plain");
      byte[] body = (e.getMessage() + "\n").getBytes(StandardCharsets.US_ASCII);
      try {
        refusal.sendBytes(e.status(), body, false);
      } finally {
        accessLog(null, e.status(), refusal.bodyBytes(), null);
      }
      discardInputThenClose();
      return false;
    }
    if (request == null) {
      return false;
    }
    boolean close = !request.keepAlive() || request.hasBody();
    HttpResponse response = new HttpResponse(out, close, tls != null ? this::tlsBuffer : loopback ? this::copyBuffer
        : null, writes).client(client);
    try {
      handler.handle(request, response);
    } catch (RuntimeException e) {
      if (!response.committed()) {
        response.header("Content-Type", "text/plain");
        response.sendBytes(500, "internal error\n".getBytes(StandardCharsets.US_ASCII), request.method().equals("HEAD"));
      }
      throw e;
    } finally {
      accessLog(request, response.status(), response.bodyBytes(), response.user());
    }
    if (request.hasBody()) {
      discardInputThenClose();
    }
    return !close;
  }

  /** One access-log line, when there is an access log; status 0 (nothing sent) is logged as 000. */
  private void accessLog(HttpRequestHead request, int status, long bytes, String user) {
    if (accessLog != null) {
      accessLog.log(client, request == null ? null : request.method(), request == null ? null
          : request.rawQuery() == null ? request.rawPath() : request.rawPath() + "?" + request.rawQuery(), status, bytes,
          user);
    }
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

  /** The buffer TLS connections copy file bodies through (heap: the TLS layer encrypts from an array). */
  private ByteBuffer tlsBuffer() {
    if (tlsBuffer == null) {
      tlsBuffer = ByteBuffer.allocate(TLS_COPY_BUFFER);
    }
    return tlsBuffer;
  }

  private void writeFully(byte[] bytes) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }

  /** Writes to the TLS socket's stream: arrays as they are, direct buffers through a small copy. */
  private static final class StreamChannel implements WritableByteChannel {
    private final OutputStream stream;
    private byte[] copy;
    private boolean open = true;

    StreamChannel(OutputStream stream) {
      this.stream = stream;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = src.remaining();
      if (src.hasArray()) {
        stream.write(src.array(), src.arrayOffset() + src.position(), n);
        src.position(src.limit());
        return n;
      }
      if (copy == null) {
        copy = new byte[16 * 1024];
      }
      int k = Math.min(n, copy.length);
      src.get(copy, 0, k);
      stream.write(copy, 0, k);
      return k;
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() throws IOException {
      open = false;
      stream.close();
    }
  }
}
