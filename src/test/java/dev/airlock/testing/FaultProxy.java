package dev.airlock.testing;

import dev.airlock.testing.FaultPlan.Fault;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/1.1 proxy on 127.0.0.1 in front of one upstream (a real {@code docker-registry}, an airlock
 * {@code serve}, any HTTP server), injecting the faults of a {@link FaultPlan}: a connection dropped or
 * stalled mid-body, a 5xx answered by the proxy, an answer lost after the upstream processed the request,
 * a reset before the answer, a slow trickle. Clients talk to {@link #hostPort()} as if it were the
 * upstream (the {@code Host} header is passed on, so a registry's {@code Location}s point at the proxy).
 * Keep-alive connections are kept; each client connection has its own upstream connection.
 *
 * <p>Every request is logged ({@link #exchanges()}), with what was injected and where, so a failing test
 * can say what the client went through. The plan can be changed between phases ({@link #plan(FaultPlan)}).
 */
public final class FaultProxy implements Closeable {
  /** A request as the plan sees it. {@code target} is the path and query as sent. */
  public record Request(String method, String target, Map<String, String> headers) {
    public String path() {
      int q = target.indexOf('?');
      return q < 0 ? target : target.substring(0, q);
    }

    /** What identifies the request across runs: upload-session ids and {@code _state} masked. */
    String key() {
      String path = path().replaceAll("(/blobs/uploads/)[^/?]+", "$1*");
      int q = target.indexOf('?');
      TreeMap<String, String> params = new TreeMap<>();
      if (q >= 0) {
        for (String p : target.substring(q + 1).split("&")) {
          int eq = p.indexOf('=');
          String name = eq < 0 ? p : p.substring(0, eq);
          if (!name.equals("_state")) {
            params.put(name, eq < 0 ? "" : p.substring(eq + 1));
          }
        }
      }
      return method + " " + path + (params.isEmpty() ? "" : "?" + params);
    }
  }

  /** One request through the proxy: what was injected ({@code fault} null: none) and the status seen. */
  public record Exchange(long seq, String method, String target, Fault fault, String detail, int status) {
    @Override
    public String toString() {
      return "#" + seq + " " + method + " " + target + (status > 0 ? " -> " + status : "")
          + (fault == null ? "" : "  [" + fault.label() + ": " + detail + "]");
    }
  }

  private static final int HEAD_CAP = 64 * 1024;
  private static final int IDLE_MILLIS = 20_000;
  private static final int READ_MILLIS = 60_000;
  private static final byte[] EMPTY = new byte[0];

  private final ServerSocket server;
  private final InetSocketAddress upstream;
  private final Thread acceptor;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final Map<String, Integer> seen = new ConcurrentHashMap<>();
  private final List<Exchange> log = new CopyOnWriteArrayList<>();
  private final AtomicLong seq = new AtomicLong();
  private volatile FaultPlan plan;
  private volatile boolean closed;

  private FaultProxy(String upstreamHostPort, FaultPlan plan) throws IOException {
    int colon = upstreamHostPort.lastIndexOf(':');
    this.upstream = new InetSocketAddress(upstreamHostPort.substring(0, colon),
        Integer.parseInt(upstreamHostPort.substring(colon + 1)));
    this.plan = plan;
    this.server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::accept, "fault-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A proxy in front of {@code upstreamHostPort} ({@code 127.0.0.1:PORT}), injecting {@code plan}'s faults. */
  public static FaultProxy start(String upstreamHostPort, FaultPlan plan) throws IOException {
    return new FaultProxy(upstreamHostPort, plan);
  }

  /** {@code 127.0.0.1:PORT} of the proxy. */
  public String hostPort() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /**
   * Starts a new phase: faults from now on follow {@code p}, the count of requests seen starts again (so a
   * run's faults do not depend on what ran before it) and the log is emptied.
   */
  public void plan(FaultPlan p) {
    this.plan = p;
    seen.clear();
    log.clear();
  }

  /** The plan in force. */
  public FaultPlan plan() {
    return plan;
  }

  /** Every request so far, in the order they were read. */
  public List<Exchange> exchanges() {
    return List.copyOf(log);
  }

  /** The requests that got a fault. */
  public List<Exchange> injected() {
    return log.stream().filter(e -> e.fault() != null).toList();
  }

  /** How many of each fault were injected. */
  public Map<Fault, Integer> injectedCounts() {
    Map<Fault, Integer> m = new EnumMap<>(Fault.class);
    injected().forEach(e -> m.merge(e.fault(), 1, Integer::sum));
    return m;
  }

  /** The log, one request a line (for a failing test's message). */
  public String describe() {
    StringBuilder b = new StringBuilder();
    log.forEach(e -> b.append(e).append('\n'));
    return b.toString();
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      sockets.add(client);
      Thread t = new Thread(() -> serve(client), "fault-proxy-conn");
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  /** One client connection: requests in turn, each to the same upstream connection while both keep it. */
  private void serve(Socket client) {
    Upstream up = new Upstream();
    try {
      client.setTcpNoDelay(true);
      InputStream cin = new BufferedInputStream(client.getInputStream(), 64 * 1024);
      OutputStream cout = client.getOutputStream();
      while (!closed) {
        client.setSoTimeout(IDLE_MILLIS); // an idle keep-alive connection is closed, as servers do
        cin.mark(1);
        try {
          if (cin.read() < 0) {
            return;
          }
        } catch (java.net.SocketTimeoutException e) {
          return;
        }
        cin.reset();
        client.setSoTimeout(READ_MILLIS);
        Head req = Head.read(cin);
        if (req == null) {
          return;
        }
        Request r = req.request();
        int n = seen.merge(r.key(), 1, Integer::sum);
        FaultPlan p = plan;
        FaultPlan.Decision d = p.decide(r, n);
        long s = seq.incrementAndGet();
        if (!exchange(s, req, cin, client, cout, up, p, d)) {
          return;
        }
      }
    } catch (IOException | RuntimeException e) {
      // the client or upstream went away: this connection ends
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      up.close();
      closeQuietly(client);
      sockets.remove(client);
      threads.remove(Thread.currentThread());
    }
  }

  /** Handles one request; false when the client connection is to be closed. */
  private boolean exchange(long s, Head req, InputStream cin, Socket client, OutputStream cout, Upstream up,
      FaultPlan p, FaultPlan.Decision d) throws IOException, InterruptedException {
    Body reqBody = Body.ofRequest(req, cin);
    Fault f = d == null ? null : d.fault();
    SplittableRandom rnd = d == null ? null : d.random();
    if (f == Fault.HTTP_ERROR) {
      reqBody.drain();
      int status = new int[] {500, 502, 503}[rnd.nextInt(3)];
      byte[] body = ("{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"injected by the fault proxy\"}]}")
          .getBytes(StandardCharsets.UTF_8);
      String head = "HTTP/1.1 " + status + " " + (status == 500 ? "Internal Server Error" : status == 502 ? "Bad Gateway"
          : "Service Unavailable") + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
      record(s, req, f, "answered " + status + " without asking upstream", status);
      cout.write(head.getBytes(StandardCharsets.ISO_8859_1));
      cout.write(body);
      cout.flush();
      return true;
    }
    if (f == Fault.RESET) {
      reqBody.drain();
      record(s, req, f, "reset after reading the request, nothing forwarded", 0);
      client.setSoLinger(true, 0);
      return false;
    }
    boolean reused = up.isOpen();
    OutputStream uout = up.get(upstream).getOutputStream();
    uout.write(req.raw());
    boolean cutRequest = (f == Fault.DROP_MID_BODY || f == Fault.STALL) && reqBody.length() >= 2;
    if (cutRequest) {
      long at = 1 + rnd.nextLong(reqBody.length() - 1);
      reqBody.copy(uout, at);
      uout.flush();
      if (f == Fault.STALL) {
        record(s, req, f, "request body stalled after " + at + " of " + reqBody.length() + " bytes for "
            + p.stall().toMillis() + " ms, then closed", 0);
        Thread.sleep(p.stall().toMillis());
      } else {
        record(s, req, f, "request body cut after " + at + " of " + reqBody.length() + " bytes", 0);
      }
      up.close();
      return false;
    }
    reqBody.copy(uout, Long.MAX_VALUE);
    uout.flush();
    InputStream uin = up.in();
    Head resp = readAnswer(uin);
    if (resp == null && reused && reqBody.length() == 0) {
      up.close(); // the upstream had closed the idle connection: once more on a new one, not a fault
      uout = up.get(upstream).getOutputStream();
      uout.write(req.raw());
      uout.flush();
      uin = up.in();
      resp = readAnswer(uin);
    }
    while (resp != null && resp.status() >= 100 && resp.status() < 200 && resp.status() != 101) {
      cout.write(resp.raw()); // 100 Continue and the like go straight on
      resp = Head.read(uin);
    }
    if (resp == null) {
      record(s, req, null, "upstream closed without an answer", 0);
      return false;
    }
    boolean noBody = req.method().equals("HEAD") || resp.status() == 204 || resp.status() == 304;
    Body respBody = Body.ofResponse(resp, uin, noBody);
    boolean keepUpstream = !resp.hasToken("connection", "close") && respBody.length() != Body.UNTIL_EOF;
    if (f == Fault.LOST_RESPONSE) {
      respBody.drain();
      if (!keepUpstream) {
        up.close();
      }
      record(s, req, f, "upstream answered " + resp.status() + "; the answer was dropped", resp.status());
      return false;
    }
    if (f == Fault.DROP_MID_BODY || f == Fault.STALL) {
      String where;
      if (respBody.length() >= 2 || respBody.length() == Body.UNTIL_EOF) {
        byte[] body = respBody.length() == Body.UNTIL_EOF ? respBody.readAll() : null;
        long len = body != null ? body.length : respBody.length();
        long at = len < 2 ? 0 : 1 + rnd.nextLong(len - 1);
        cout.write(resp.raw());
        if (body != null) {
          cout.write(body, 0, (int) at);
        } else {
          respBody.copy(cout, at);
        }
        where = "answer " + resp.status() + " body after " + at + " of " + len + " bytes";
      } else {
        int at = 1 + rnd.nextInt(resp.raw().length - 1);
        cout.write(resp.raw(), 0, at);
        where = "answer " + resp.status() + " head after " + at + " of " + resp.raw().length + " bytes";
      }
      cout.flush();
      up.close();
      if (f == Fault.STALL) {
        record(s, req, f, where + ", silent for " + p.stall().toMillis() + " ms, then closed", resp.status());
        Thread.sleep(p.stall().toMillis());
      } else {
        record(s, req, f, where + ", then closed", resp.status());
      }
      return false;
    }
    if (f == Fault.TRICKLE) {
      record(s, req, f, "answer " + resp.status() + " in up to " + (p.tricklePieces() + 1) + " pieces, "
          + p.trickleGap().toMillis() + " ms apart", resp.status());
      byte[] head = resp.raw();
      int half = head.length / 2;
      cout.write(head, 0, half);
      cout.flush();
      Thread.sleep(p.trickleGap().toMillis());
      cout.write(head, half, head.length - half);
      cout.flush();
      int pieces = 0;
      long piece = Math.max(1, respBody.length() == Body.UNTIL_EOF ? 512 : respBody.length() / p.tricklePieces());
      while (pieces < p.tricklePieces() - 1 && respBody.remaining() > 0) {
        Thread.sleep(p.trickleGap().toMillis());
        respBody.copy(cout, piece);
        cout.flush();
        pieces++;
      }
    } else {
      record(s, req, null, null, resp.status());
      cout.write(resp.raw());
    }
    respBody.copy(cout, Long.MAX_VALUE);
    cout.flush();
    if (!keepUpstream) {
      up.close();
      return false; // the answer ended with the connection, or said it would
    }
    return !req.hasToken("connection", "close");
  }

  private static Head readAnswer(InputStream in) {
    try {
      return Head.read(in);
    } catch (IOException e) {
      return null;
    }
  }

  private void record(long s, Head req, Fault f, String detail, int status) {
    log.add(new Exchange(s, req.method(), req.target(), f, detail, status));
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    sockets.forEach(FaultProxy::closeQuietly);
    threads.forEach(Thread::interrupt);
    try {
      acceptor.join(2000);
      for (Thread t : List.copyOf(threads)) {
        t.join(2000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // going anyway
    }
  }

  /** The upstream connection of one client connection, opened when first needed and again after a close. */
  private final class Upstream {
    private Socket socket;
    private InputStream in;

    Socket get(InetSocketAddress to) throws IOException {
      if (socket == null) {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(to, 5000);
        socket.setSoTimeout(READ_MILLIS);
        sockets.add(socket);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
      }
      return socket;
    }

    InputStream in() {
      return in;
    }

    boolean isOpen() {
      return socket != null;
    }

    void close() {
      if (socket != null) {
        closeQuietly(socket);
        sockets.remove(socket);
        socket = null;
        in = null;
      }
    }
  }

  /** A request or response head: its raw bytes (forwarded unchanged) and the parts the proxy needs. */
  private record Head(byte[] raw, String first, Map<String, String> headers) {
    /** The next head, or null at a clean end of stream before its first byte. */
    static Head read(InputStream in) throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream(512);
      int matched = 0;
      while (matched < 4) {
        int c = in.read();
        if (c < 0) {
          if (b.size() == 0) {
            return null;
          }
          throw new IOException("connection ended inside a head");
        }
        b.write(c);
        if (b.size() > HEAD_CAP) {
          throw new IOException("head too large");
        }
        matched = (c == '\r' && (matched == 0 || matched == 2)) || (c == '\n' && (matched == 1 || matched == 3))
            ? matched + 1 : (c == '\r' ? 1 : 0);
      }
      byte[] raw = b.toByteArray();
      String[] lines = new String(raw, StandardCharsets.ISO_8859_1).split("\r\n");
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim(),
              (a, c) -> a + ", " + c);
        }
      }
      return new Head(raw, lines[0], headers);
    }

    String method() {
      return first.split(" ", 3)[0];
    }

    String target() {
      String[] p = first.split(" ", 3);
      return p.length > 1 ? p[1] : "";
    }

    int status() {
      String[] p = first.split(" ", 3);
      try {
        return p.length > 1 ? Integer.parseInt(p[1]) : 0;
      } catch (NumberFormatException e) {
        return 0;
      }
    }

    boolean hasToken(String header, String token) {
      String v = headers.get(header);
      if (v == null) {
        return false;
      }
      for (String t : v.split(",")) {
        if (t.trim().equalsIgnoreCase(token)) {
          return true;
        }
      }
      return false;
    }

    Request request() {
      return new Request(method(), target(), Map.copyOf(headers));
    }
  }

  /**
   * A message body as bytes on the wire: a {@code Content-Length} body streams; a chunked one is read whole
   * first (test content is small), so that it too has a length to cut at.
   */
  private static final class Body {
    static final long UNTIL_EOF = -2;
    private final InputStream in;
    private final long length;
    private long left;

    private Body(InputStream in, long length) {
      this.in = in;
      this.length = length;
      this.left = length;
    }

    static Body ofRequest(Head h, InputStream in) throws IOException {
      if (h.hasToken("transfer-encoding", "chunked")) {
        byte[] raw = readChunked(in);
        return new Body(new ByteArrayInputStream(raw), raw.length);
      }
      long cl = contentLength(h);
      return new Body(in, Math.max(0, cl));
    }

    static Body ofResponse(Head h, InputStream in, boolean noBody) throws IOException {
      if (noBody) {
        return new Body(new ByteArrayInputStream(EMPTY), 0);
      }
      if (h.hasToken("transfer-encoding", "chunked")) {
        byte[] raw = readChunked(in);
        return new Body(new ByteArrayInputStream(raw), raw.length);
      }
      long cl = contentLength(h);
      return new Body(in, cl >= 0 ? cl : UNTIL_EOF);
    }

    private static long contentLength(Head h) {
      String v = h.headers().get("content-length");
      try {
        return v == null ? -1 : Long.parseLong(v.split(",")[0].trim());
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    long length() {
      return length;
    }

    long remaining() {
      return length == UNTIL_EOF ? 1 : left;
    }

    /** Copies up to {@code max} more bytes (all that is left when fewer). */
    void copy(OutputStream out, long max) throws IOException {
      byte[] buf = new byte[64 * 1024];
      long todo = length == UNTIL_EOF ? max : Math.min(max, left);
      while (todo > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, todo));
        if (n < 0) {
          if (length == UNTIL_EOF) {
            left = 0;
            return;
          }
          throw new IOException("body ended early");
        }
        out.write(buf, 0, n);
        todo -= n;
        left -= n;
      }
    }

    void drain() throws IOException {
      copy(OutputStream.nullOutputStream(), Long.MAX_VALUE);
    }

    byte[] readAll() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      copy(b, Long.MAX_VALUE);
      return b.toByteArray();
    }

    /** The raw chunked encoding up to and including the last chunk and trailers. */
    private static byte[] readChunked(InputStream in) throws IOException {
      ByteArrayOutputStream raw = new ByteArrayOutputStream();
      while (true) {
        String sizeLine = line(in, raw);
        int semi = sizeLine.indexOf(';');
        long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
        if (size == 0) {
          while (!line(in, raw).isEmpty()) {
            // trailers
          }
          return raw.toByteArray();
        }
        raw.write(in.readNBytes((int) size));
        line(in, raw);
      }
    }

    private static String line(InputStream in, ByteArrayOutputStream raw) throws IOException {
      StringBuilder b = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0) {
        raw.write(c);
        if (c == '\n') {
          break;
        }
        if (c != '\r') {
          b.append((char) c);
        }
      }
      if (c < 0) {
        throw new IOException("connection ended inside a chunked body");
      }
      return b.toString();
    }
  }

  /** For a test's summary: {@code drop mid-body 12, stall 3}. */
  public static String summary(Map<Fault, Integer> counts) {
    List<String> parts = new ArrayList<>();
    counts.forEach((f, n) -> parts.add(f.label() + " " + n));
    return parts.isEmpty() ? "none" : String.join(", ", parts);
  }
}
