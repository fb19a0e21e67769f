package dev.airlock.serve;

import dev.airlock.InvalidInputException;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * A read-only OCI distribution endpoint over {@link ServedContent}: {@code /v2/}, manifests, blobs
 * (with ranges), tags, {@code _catalog} and the referrers API. Loopback unless told otherwise.
 */
public final class RegistryServer implements Closeable {
  /** Enough connections for several clients pulling many layers each (one thread per open connection). */
  public static final int DEFAULT_THREADS = 64;

  private final BlockingHttpServer server;
  private final ServedContent content;

  private final boolean https;

  private RegistryServer(BlockingHttpServer server, ServedContent content, boolean https) {
    this.server = server;
    this.content = content;
    this.https = https;
  }

  /** {@code https} or {@code http}. */
  public String scheme() {
    return https ? "https" : "http";
  }

  /**
   * Starts serving {@code content} on {@code addr} ({@code host:port}, port 0 = any free one), with at
   * most {@code threads} connections open at a time (each has its thread while it is open).
   *
   * @throws InvalidInputException when the address is not loopback and {@code allowRemote} is false
   */
  public static RegistryServer start(ServedContent content, String addr, boolean allowRemote, int threads)
      throws IOException {
    return start(content, addr, allowRemote, threads, false);
  }

  /**
   * {@link #start(ServedContent, String, boolean, int)}; with {@code warmUp}, the request path is first run a
   * few hundred times against a private loopback copy of the server ({@link WarmUp}), so the first clients
   * are not served by a cold JIT.
   */
  public static RegistryServer start(ServedContent content, String addr, boolean allowRemote, int threads,
      boolean warmUp) throws IOException {
    return start(content, addr, allowRemote, threads, warmUp, null, m -> { });
  }

  /**
   * As {@link #start(ServedContent, String, boolean, int, boolean)}, every request needing a user of
   * {@code users} when it is not null (HTTP Basic, {@link BasicAuthHandler}; failed logins told to
   * {@code log} without the password). Passwords in Basic auth travel as they are, so until serve speaks
   * TLS an htpasswd file is for a loopback address only.
   */
  public static RegistryServer start(ServedContent content, String addr, boolean allowRemote, int threads,
      boolean warmUp, Htpasswd users, java.util.function.Consumer<String> log) throws IOException {
    return start(content, addr, allowRemote, threads, warmUp, users, null, log);
  }

  /**
   * As above; with {@code tokens} (which needs {@code users}), the distribution token flow instead of Basic
   * on every request: {@code /token} checks the users' passwords and issues short-lived pull tokens,
   * the registry takes only those ({@link TokenAuthHandler}).
   */
  public static RegistryServer start(ServedContent content, String addr, boolean allowRemote, int threads,
      boolean warmUp, Htpasswd users, TokenAuth tokens, java.util.function.Consumer<String> log) throws IOException {
    return start(content, addr, allowRemote, threads, warmUp, users, tokens, null, null, log);
  }

  /**
   * As above, speaking HTTPS with {@code tls} when it is not null (then {@code users} may be served to other
   * machines), and writing one line per request to {@code accessLog} when it is not null. The server does not
   * close {@code tls} nor {@code accessLog}: their owner does, after {@link #close}.
   */
  public static RegistryServer start(ServedContent content, String addr, boolean allowRemote, int threads,
      boolean warmUp, Htpasswd users, TokenAuth tokens, ServeTls tls, AccessLog accessLog,
      java.util.function.Consumer<String> log) throws IOException {
    if (tokens != null && users == null) {
      throw new InvalidInputException("--token-auth needs --htpasswd FILE: the users whose passwords the token endpoint checks");
    }
    InetSocketAddress sa = parseAddress(addr);
    if (!sa.getAddress().isLoopbackAddress() && !allowRemote) {
      throw new InvalidInputException("--addr " + addr + " is not a loopback address; serving to other machines"
          + " must be asked for with --allow-remote");
    }
    if (users != null && tls == null && !sa.getAddress().isLoopbackAddress()) {
      throw new InvalidInputException("--htpasswd over plain HTTP would send passwords in the clear to other machines;"
          + " give --tls-cert and --tls-key, or serve on a loopback --addr");
    }
    if (accessLog != null) {
      accessLog.reportTo(log);
    }
    RegistryHandler handler = new RegistryHandler(content);
    if (warmUp) {
      WarmUp.run(handler, content);
    }
    RequestHandler front = users == null ? handler
        : tokens != null ? new TokenAuthHandler(handler, users, tokens, tls != null, log) : new BasicAuthHandler(handler, users, log);
    return new RegistryServer(BlockingHttpServer.start(sa, Math.max(2, threads), front, tls, accessLog), content, tls != null);
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
    return address().getPort();
  }

  /** {@code host:port} as clients should use it. */
  public String hostPort() {
    InetSocketAddress a = address();
    String host = a.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  private InetSocketAddress address() {
    return server.address();
  }

  @Override
  public void close() throws IOException {
    try {
      server.close();
    } finally {
      content.close();
    }
  }
}
