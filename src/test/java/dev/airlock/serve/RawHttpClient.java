package dev.airlock.serve;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A test client on a raw socket to 127.0.0.1: writes bytes as given, reads responses one by one. */
final class RawHttpClient implements Closeable {
  /** Generous: only a server that never answers makes a read wait this long. */
  static final int READ_TIMEOUT_MS = 30_000;

  record Response(int status, String statusLine, Map<String, String> headers, byte[] body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  final Socket socket;
  final InputStream in;

  RawHttpClient(InetSocketAddress server) throws IOException {
    this(server, 0);
  }

  /** With {@code receiveBuffer} > 0, a small receive window (a slow reader's socket). */
  RawHttpClient(InetSocketAddress server, int receiveBuffer) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new InetSocketAddress("127.0.0.1", server.getPort()));
    socket.setSoTimeout(READ_TIMEOUT_MS);
    in = new BufferedInputStream(socket.getInputStream());
  }

  RawHttpClient send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawHttpClient send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return this;
  }

  static String get(String path, String... extraHeaders) {
    return request("GET", path, extraHeaders);
  }

  static String request(String method, String path, String... extraHeaders) {
    StringBuilder b = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (String h : extraHeaders) {
      b.append(h).append("\r\n");
    }
    return b.append("\r\n").toString();
  }

  /** Reads one response; its body is Content-Length bytes, none when {@code headRequest}. */
  Response read(boolean headRequest) throws IOException {
    String statusLine = line();
    if (statusLine == null) {
      throw new IOException("connection closed before a response");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    String l;
    while ((l = line()) != null && !l.isEmpty()) {
      int colon = l.indexOf(':');
      headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
    }
    String cl = headers.get("content-length");
    byte[] body = headRequest ? new byte[0]
        : cl != null ? in.readNBytes(Integer.parseInt(cl)) : in.readAllBytes();
    return new Response(Integer.parseInt(statusLine.split(" ")[1]), statusLine, headers, body);
  }

  Response read() throws IOException {
    return read(false);
  }

  /** True when the server closed the connection (end of stream) with nothing more to read. */
  boolean closedByServer() throws IOException {
    return in.read() < 0;
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      b.write(c);
    }
    if (c < 0 && b.size() == 0) {
      return null;
    }
    String s = b.toString(StandardCharsets.ISO_8859_1);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
