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
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small blocking HTTP/1.1 server: one accept thread and one pooled thread per open connection (reused by the
 * next connection), at most
 * {@code maxConnections} at a time. When all are taken, a new connection waits (each one on its own
 * deadline, not behind the others) while room is made: first a connection waiting for its next request is
 * closed (clients reopen one, as they do after any idle close), then one whose client has not read for
 * {@link #STALLED_WRITE_MS} (a write to it blocked that long: a client that requests a blob and never
 * reads cannot hold a slot against newcomers). A connection that gets no slot within {@link #SLOT_WAIT_MS}
 * is answered 503; more than {@link #MAX_WAITING} waiting are answered 503 at once. Closing stops
 * accepting, closes every open connection and frees the pool.
 */
final class BlockingHttpServer implements Closeable {
  static final int SLOT_WAIT_MS = 30_000;
  /** A write blocked this long, while others wait for a slot, closes its connection. */
  static final int STALLED_WRITE_MS = 10_000;
  static final int MAX_WAITING = 1024;
  private static final byte[] BUSY = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
      + "Content-Length: 13\r\nConnection: close\r\n\r\nserver busy\r\n").getBytes(StandardCharsets.US_ASCII);

  private final ServerSocketChannel listener;
  private final InetSocketAddress address;
  private final RequestHandler handler;
  private final ServeTls tls;
  private final AccessLog accessLog;
  private final int headTimeoutMs;
  private final int slotWaitMs;
  private final int stalledWriteMs;
  private final Semaphore slots;
  private final java.util.concurrent.LinkedBlockingDeque<Waiting> waiting = new java.util.concurrent.LinkedBlockingDeque<>();
  private final ExecutorService pool;
  private final Set<HttpConnection> open = ConcurrentHashMap.newKeySet();
  private final CopyBuffers buffers = new CopyBuffers();
  private volatile boolean closed;

  /** A connection accepted while every slot was taken, until its deadline. */
  private record Waiting(SocketChannel client, long deadlineNanos) {}

  private BlockingHttpServer(ServerSocketChannel listener, RequestHandler handler, ServeTls tls, AccessLog accessLog,
      int maxConnections, int headTimeoutMs, int slotWaitMs, int stalledWriteMs) throws IOException {
    this.tls = tls;
    this.accessLog = accessLog;
    this.headTimeoutMs = headTimeoutMs;
    this.slotWaitMs = slotWaitMs;
    this.stalledWriteMs = stalledWriteMs;
    this.listener = listener;
    this.address = (InetSocketAddress) listener.getLocalAddress();
    this.handler = handler;
    this.slots = new Semaphore(maxConnections);
    AtomicInteger n = new AtomicInteger();
    // A thread that served a closed connection takes the next one (a new thread only when none is idle): the
    // slots bound the connections; a thread still finishing its last one while a new one starts is the most
    // there may be beyond them. Idle threads end after 30 s.
    ThreadPoolExecutor tpe = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
        new SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, "airlock-serve-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.pool = tpe;
  }

  /** Listens on {@code addr} (port 0: any free port) and serves every request with {@code handler}. */
  static BlockingHttpServer start(InetSocketAddress addr, int maxConnections, RequestHandler handler) throws IOException {
    return start(addr, maxConnections, handler, HttpConnection.HEAD_TIMEOUT_MS);
  }

  /** As above, speaking TLS with {@code tls} and logging requests to {@code accessLog} (either may be null). */
  static BlockingHttpServer start(InetSocketAddress addr, int maxConnections, RequestHandler handler, ServeTls tls,
      AccessLog accessLog) throws IOException {
    return start(addr, maxConnections, handler, tls, accessLog, HttpConnection.HEAD_TIMEOUT_MS, SLOT_WAIT_MS,
        STALLED_WRITE_MS);
  }

  /** As {@link #start(InetSocketAddress, int, RequestHandler)}, with another head timeout (tests). */
  static BlockingHttpServer start(InetSocketAddress addr, int maxConnections, RequestHandler handler, int headTimeoutMs)
      throws IOException {
    return start(addr, maxConnections, handler, headTimeoutMs, SLOT_WAIT_MS, STALLED_WRITE_MS);
  }

  /** As above, with other slot-wait and stalled-write times (tests). */
  static BlockingHttpServer start(InetSocketAddress addr, int maxConnections, RequestHandler handler, int headTimeoutMs,
      int slotWaitMs, int stalledWriteMs) throws IOException {
    return start(addr, maxConnections, handler, null, null, headTimeoutMs, slotWaitMs, stalledWriteMs);
  }

  private static BlockingHttpServer start(InetSocketAddress addr, int maxConnections, RequestHandler handler,
      ServeTls tls, AccessLog accessLog, int headTimeoutMs, int slotWaitMs, int stalledWriteMs) throws IOException {
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
      server = new BlockingHttpServer(listener, handler, tls, accessLog, Math.max(1, maxConnections), headTimeoutMs,
          slotWaitMs, stalledWriteMs);
    } catch (IOException e) {
      listener.close();
      throw e;
    }
    Thread acceptor = new Thread(server::acceptLoop, "airlock-serve-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    Thread dispatcher = new Thread(server::dispatchLoop, "airlock-serve-wait");
    dispatcher.setDaemon(true);
    dispatcher.start();
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
      if (waiting.isEmpty() && slots.tryAcquire()) {
        serve(client);
      } else if (closed || waiting.size() >= MAX_WAITING) {
        refuse(client);
      } else {
        waiting.addLast(new Waiting(client, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(slotWaitMs)));
      }
    }
  }

  /**
   * Gives waiting connections slots in the order they came, making room as they wait; answers 503 to each
   * whose own deadline passes first.
   */
  private void dispatchLoop() {
    try {
      while (!closed) {
        Waiting w = waiting.pollFirst(100, TimeUnit.MILLISECONDS);
        if (w == null) {
          continue;
        }
        expire();
        if (System.nanoTime() - w.deadlineNanos() > 0) {
          refuse(w.client());
          continue;
        }
        if (slots.tryAcquire() || makeRoom() && slots.tryAcquire(20, TimeUnit.MILLISECONDS)
            || slots.tryAcquire(20, TimeUnit.MILLISECONDS)) {
          serve(w.client());
        } else {
          waiting.addFirst(w);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      Waiting w;
      while ((w = waiting.poll()) != null) {
        refuse(w.client());
      }
    }
  }

  /** 503 to every waiting connection whose deadline has passed. */
  private void expire() {
    long now = System.nanoTime();
    for (java.util.Iterator<Waiting> it = waiting.iterator(); it.hasNext();) {
      Waiting w = it.next();
      if (now - w.deadlineNanos() > 0) {
        it.remove();
        refuse(w.client());
      }
    }
  }

  /**
   * Closes one connection to free its slot: an idle kept-alive one, else the one whose client has not read
   * for longest, if that is at least {@link #stalledWriteMs}. False when none can go.
   */
  private boolean makeRoom() {
    HttpConnection stalled = null;
    long longest = 0;
    for (HttpConnection c : open) {
      if (c.idle()) {
        c.close();
        return true;
      }
      long blocked = c.writeBlockedMs();
      if (blocked >= stalledWriteMs && blocked > longest) {
        stalled = c;
        longest = blocked;
      }
    }
    if (stalled != null) {
      stalled.close();
      return true;
    }
    return false;
  }

  /** Runs the connection on a pool thread; the caller holds a slot for it. */
  private void serve(SocketChannel client) {
    try {
      HttpConnection[] self = new HttpConnection[1];
      self[0] = new HttpConnection(client, handler, headTimeoutMs, buffers, tls, accessLog, () -> {
        open.remove(self[0]);
        slots.release();
      });
      open.add(self[0]);
      if (closed) {
        self[0].close();
      }
      pool.execute(self[0]);
    } catch (RuntimeException e) { // the pool is shut down
      slots.release();
      refuse(client);
    }
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
