package dev.airlock.serve;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small blocking HTTP/1.1 server: one accept thread and one pooled thread per open connection, at most
 * {@code maxConnections} at a time. When all are taken, a connection waiting for its next request is
 * closed to make room (clients reopen one, as they do after any idle close); when none is idle, the new
 * connection waits in the accept loop and is answered 503 if no slot frees within
 * {@link #SLOT_WAIT_MS}. Closing stops accepting, closes every open connection and frees the pool.
 */
final class BlockingHttpServer implements Closeable {
  static final int SLOT_WAIT_MS = 30_000;
  private static final byte[] BUSY = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
      + "Content-Length: 13\r\nConnection: close\r\n\r\nserver busy\r\n").getBytes(StandardCharsets.US_ASCII);

  private final ServerSocketChannel listener;
  private final InetSocketAddress address;
  private final RequestHandler handler;
  private final int headTimeoutMs;
  private final Semaphore slots;
  private final ExecutorService pool;
  private final Set<HttpConnection> open = ConcurrentHashMap.newKeySet();
  private final CopyBuffers buffers = new CopyBuffers();
  private volatile boolean closed;

  private BlockingHttpServer(ServerSocketChannel listener, RequestHandler handler, int maxConnections,
      int headTimeoutMs) throws IOException {
    this.headTimeoutMs = headTimeoutMs;
    this.listener = listener;
    this.address = (InetSocketAddress) listener.getLocalAddress();
    this.handler = handler;
    this.slots = new Semaphore(maxConnections);
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor tpe = new ThreadPoolExecutor(maxConnections, maxConnections, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "airlock-serve-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    tpe.allowCoreThreadTimeOut(true);
    this.pool = tpe;
  }

  /** Listens on {@code addr} (port 0: any free port) and serves every request with {@code handler}. */
  static BlockingHttpServer start(InetSocketAddress addr, int maxConnections, RequestHandler handler) throws IOException {
    return start(addr, maxConnections, handler, HttpConnection.HEAD_TIMEOUT_MS);
  }

  /** As {@link #start(InetSocketAddress, int, RequestHandler)}, with another head timeout (tests). */
  static BlockingHttpServer start(InetSocketAddress addr, int maxConnections, RequestHandler handler, int headTimeoutMs)
      throws IOException {
    ServerSocketChannel listener = ServerSocketChannel.open();
    try {
      listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      listener.bind(addr, 128);
    } catch (java.net.BindException e) {
      listener.close();
      throw new java.net.BindException("cannot listen on " + addr.getHostString() + ":" + addr.getPort() + ": "
          + e.getMessage());
    } catch (IOException | RuntimeException e) {
      listener.close();
      throw e;
    }
    BlockingHttpServer server;
    try {
      server = new BlockingHttpServer(listener, handler, Math.max(1, maxConnections), headTimeoutMs);
    } catch (IOException e) {
      listener.close();
      throw e;
    }
    Thread acceptor = new Thread(server::acceptLoop, "airlock-serve-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    return server;
  }

  /** The loopback connections' copy buffers (tests). */
  CopyBuffers copyBuffers() {
    return buffers;
  }

  /** The bound address (with the actual port when 0 was asked for). */
  InetSocketAddress address() {
    return address;
  }

  private void acceptLoop() {
    while (!closed) {
      SocketChannel client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        continue; // e.g. too many open files for a moment
      }
      try {
        if (!takeSlot()) {
          refuse(client);
          continue;
        }
        HttpConnection[] self = new HttpConnection[1];
        self[0] = new HttpConnection(client, handler, headTimeoutMs, buffers, () -> {
          open.remove(self[0]);
          slots.release();
        });
        open.add(self[0]);
        if (closed) {
          self[0].close();
        }
        pool.execute(self[0]);
      } catch (InterruptedException e) {
        refuse(client);
        return;
      } catch (RuntimeException e) { // the pool is shut down
        refuse(client);
      }
    }
  }

  /** A free slot, closing idle kept-alive connections to make one; false when none freed in time. */
  private boolean takeSlot() throws InterruptedException {
    if (slots.tryAcquire()) {
      return true;
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SLOT_WAIT_MS);
    do {
      if (closed || System.nanoTime() > deadline) {
        return false;
      }
      for (HttpConnection c : open) {
        if (c.idle()) {
          c.close();
          break;
        }
      }
    } while (!slots.tryAcquire(20, TimeUnit.MILLISECONDS));
    return true;
  }

  private static void refuse(SocketChannel client) {
    try (client) {
      client.write(ByteBuffer.wrap(BUSY));
    } catch (IOException e) {
      // refused anyway
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    try {
      listener.close();
    } finally {
      open.forEach(HttpConnection::close);
      pool.shutdown();
      try {
        if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
          pool.shutdownNow();
        }
      } catch (InterruptedException e) {
        pool.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }
}
