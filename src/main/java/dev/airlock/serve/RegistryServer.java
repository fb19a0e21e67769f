package dev.airlock.serve;

import com.sun.net.httpserver.HttpServer;
import dev.airlock.InvalidInputException;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A read-only OCI distribution endpoint over {@link ServedContent}: {@code /v2/}, manifests, blobs
 * (with ranges), tags, {@code _catalog} and the referrers API. Loopback unless told otherwise.
 */
public final class RegistryServer implements Closeable {
  /** Enough threads for several clients pulling many layers each. */
  public static final int DEFAULT_THREADS = 32;

  private final HttpServer server;
  private final PlainHttpFront front;
  private final ExecutorService pool;
  private final ServedContent content;

  private RegistryServer(HttpServer server, PlainHttpFront front, ExecutorService pool, ServedContent content) {
    this.server = server;
    this.front = front;
    this.pool = pool;
    this.content = content;
  }

  /**
   * Starts serving {@code content} on {@code addr} ({@code host:port}, port 0 = any free one).
   *
   * @throws InvalidInputException when the address is not loopback and {@code allowRemote} is false
   */
  public static RegistryServer start(ServedContent content, String addr, boolean allowRemote, int threads)
      throws IOException {
    InetSocketAddress sa = parseAddress(addr);
    if (!sa.getAddress().isLoopbackAddress() && !allowRemote) {
      throw new InvalidInputException("--addr " + addr + " is not a loopback address; serving to other machines"
          + " must be asked for with --allow-remote");
    }
    RegistryHandler handler = new RegistryHandler(content);
    closeStalledRequests();
    // the JDK server listens on an ephemeral loopback port behind the front, which answers TLS hellos
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    AtomicInteger n = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, threads), r -> {
      Thread t = new Thread(r, "airlock-serve-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(pool);
    server.createContext("/", handler);
    server.start();
    PlainHttpFront front;
    try {
      front = PlainHttpFront.start(sa, 128, server.getAddress());
    } catch (IOException | RuntimeException e) {
      server.stop(0);
      pool.shutdownNow();
      throw e;
    }
    return new RegistryServer(server, front, pool, content);
  }

  /**
   * A connection whose request line has not arrived within a second is closed (the {@link PlainHttpFront}
   * answers TLS hellos at once; this bounds any other stalled request head). Only the request head is
   * timed; a slow download is not. Must be set before the first server of the JVM starts.
   */
  private static void closeStalledRequests() {
    if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
      System.setProperty("sun.net.httpserver.maxReqTime", "1");
      System.setProperty("sun.net.httpserver.timerMillis", "200");
    }
  }

  static InetSocketAddress parseAddress(String addr) throws UnknownHostException {
    int colon = addr == null ? -1 : addr.lastIndexOf(':');
    if (colon < 0) {
      throw new InvalidInputException("--addr '" + addr + "' must be host:port, e.g. 127.0.0.1:5000");
    }
    String host = addr.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(addr.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new InvalidInputException("--addr '" + addr + "': port is not a number");
    }
    if (port < 0 || port > 65535) {
      throw new InvalidInputException("--addr '" + addr + "': port out of range");
    }
    return new InetSocketAddress(InetAddress.getByName(host.isEmpty() ? "127.0.0.1" : host), port);
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return front.address().getPort();
  }

  /** {@code host:port} as clients should use it. */
  public String hostPort() {
    InetSocketAddress a = front.address();
    String host = a.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  @Override
  public void close() throws IOException {
    front.close();
    server.stop(0);
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    content.close();
  }
}
