package dev.airlock.serve;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The listening socket of {@code airlock serve}, in front of the JDK HTTP server (bound to an ephemeral
 * loopback port). Clients told {@code --tls-verify=false} (skopeo, containerd) try TLS first and fall
 * back to plain HTTP when that fails; the JDK server never answers a TLS hello, so each such client
 * would wait for the server's request timeout. The front looks at the first bytes of each connection:
 * a TLS handshake gets a plain-HTTP 400 at once (as Go's servers answer), anything else is relayed both
 * ways unchanged. Two pump threads and one 64 KiB buffer each per open connection.
 */
final class PlainHttpFront implements Closeable {
  private static final int TLS_HANDSHAKE = 0x16;
  private static final int BUFFER = 64 * 1024;
  private static final int FIRST_BYTES_TIMEOUT_MS = 30_000;
  private static final byte[] NOT_TLS = ("HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
      + "this registry speaks plain HTTP, not TLS\n").getBytes(StandardCharsets.US_ASCII);

  private final ServerSocket listener;
  private final InetSocketAddress backend;
  private final ExecutorService pumps;
  private volatile boolean closed;

  private PlainHttpFront(ServerSocket listener, InetSocketAddress backend) {
    this.listener = listener;
    this.backend = backend;
    AtomicInteger n = new AtomicInteger();
    this.pumps = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "airlock-serve-io-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Listens on {@code addr} and relays to {@code backend}. */
  static PlainHttpFront start(InetSocketAddress addr, int backlog, InetSocketAddress backend) throws IOException {
    ServerSocket listener = new ServerSocket();
    listener.setReuseAddress(true);
    listener.bind(addr, backlog);
    PlainHttpFront front = new PlainHttpFront(listener, backend);
    Thread acceptor = new Thread(front::acceptLoop, "airlock-serve-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    return front;
  }

  InetSocketAddress address() {
    return (InetSocketAddress) listener.getLocalSocketAddress();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        pumps.execute(() -> relay(client));
      } catch (IOException | java.util.concurrent.RejectedExecutionException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void relay(Socket client) {
    Socket upstream = null;
    try {
      client.setTcpNoDelay(true);
      client.setSoTimeout(FIRST_BYTES_TIMEOUT_MS); // a connection that never speaks does not hold a thread
      InputStream in = client.getInputStream();
      byte[] buf = new byte[BUFFER];
      int n = in.read(buf);
      client.setSoTimeout(0);
      if (n <= 0) {
        client.close();
        return;
      }
      if ((buf[0] & 0xff) == TLS_HANDSHAKE) {
        client.getOutputStream().write(NOT_TLS);
        client.close();
        return;
      }
      upstream = new Socket();
      upstream.setTcpNoDelay(true);
      upstream.connect(backend);
      upstream.getOutputStream().write(buf, 0, n);
      Socket up = upstream;
      AtomicInteger open = new AtomicInteger(2);
      pumps.execute(() -> pump(up, client, new byte[BUFFER], open));
      pump(client, up, buf, open);
    } catch (IOException | RuntimeException e) {
      closeQuietly(client);
      closeQuietly(upstream);
    }
  }

  /** Copies until end of stream, then half-closes; the last direction to finish closes both sockets. */
  private static void pump(Socket from, Socket to, byte[] buf, AtomicInteger open) {
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
      to.shutdownOutput();
      if (open.decrementAndGet() == 0) {
        closeQuietly(from);
        closeQuietly(to);
      }
    } catch (IOException e) {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void closeQuietly(Socket s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    try {
      listener.close();
    } catch (SocketException e) {
      // already closed
    }
    pumps.shutdownNow();
  }
}
