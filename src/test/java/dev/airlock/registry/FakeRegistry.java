package dev.airlock.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.airlock.oci.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-process registry for faults a real one will not show. It serves manifests and blobs from maps;
 * a test installs a {@link Fault} that may answer a request itself. Every request is recorded with its
 * Authorization header.
 */
final class FakeRegistry implements AutoCloseable {
  /** Answers a request itself (returns true) or lets the fake serve it. */
  @FunctionalInterface
  interface Fault {
    boolean handle(HttpExchange ex, String method, String path) throws IOException;
  }

  record Seen(String method, String uri, String authorization, String range) {}

  final HttpServer server;
  private final java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newCachedThreadPool();
  final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
  final Map<String, String> manifestTypes = new ConcurrentHashMap<>();
  final List<Seen> seen = new CopyOnWriteArrayList<>();
  /** Open upload sessions by id, and the ids that became blobs. */
  final Map<String, java.io.ByteArrayOutputStream> sessions = new ConcurrentHashMap<>();
  final List<String> committed = new CopyOnWriteArrayList<>();
  /** Upload sessions the client cancelled (DELETE). */
  final List<String> cancelled = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.atomic.AtomicInteger sessionCounter = new java.util.concurrent.atomic.AtomicInteger();
  volatile Fault fault = (ex, m, p) -> false;
  volatile String basicAuth;

  FakeRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::serve);
    server.setExecutor(executor); // a stalled answer must not hold up the others
    server.start();
  }

  String hostPort() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  String url() {
    return "http://" + hostPort();
  }

  void putBlob(byte[] data) {
    blobs.put(Digest.sha256(data).toString(), data);
  }

  void putManifest(String repo, String tag, String type, byte[] bytes) {
    String d = Digest.sha256(bytes).toString();
    manifests.put(repo + "@" + d, bytes);
    manifestTypes.put(repo + "@" + d, type);
    if (tag != null) {
      manifests.put(repo + ":" + tag, bytes);
      manifestTypes.put(repo + ":" + tag, type);
    }
  }

  private void serve(HttpExchange ex) throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      String path = ex.getRequestURI().getPath();
      seen.add(new Seen(method, ex.getRequestURI().toString(), ex.getRequestHeaders().getFirst("Authorization"),
          ex.getRequestHeaders().getFirst("Range")));
      if (basicAuth != null && !basicAuth.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"fake\"");
        send(ex, 401, "application/json", "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}".getBytes());
        return;
      }
      if (fault.handle(ex, method, path)) {
        return;
      }
      if (path.contains("/blobs/uploads/")) {
        upload(ex, method, path);
        return;
      }
      ex.getRequestBody().readAllBytes();
      if (path.equals("/v2/")) {
        send(ex, 200, "application/json", "{}".getBytes());
        return;
      }
      int mi = path.indexOf("/manifests/");
      int bi = path.indexOf("/blobs/");
      if (mi > 0) {
        String repo = path.substring(4, mi);
        String ref = path.substring(mi + 11);
        String key = repo + (Digest.isValid(ref) ? "@" : ":") + ref;
        byte[] body = manifests.get(key);
        if (body == null) {
          send(ex, 404, "application/json", "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}".getBytes());
          return;
        }
        ex.getResponseHeaders().add("Docker-Content-Digest", Digest.sha256(body).toString());
        sendMaybeHead(ex, method, 200, manifestTypes.get(key), body);
        return;
      }
      if (bi > 0) {
        byte[] body = blobs.get(path.substring(bi + 7));
        if (body == null) {
          send(ex, 404, "application/json", "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown\"}]}".getBytes());
          return;
        }
        sendMaybeHead(ex, method, 200, "application/octet-stream", body);
        return;
      }
      send(ex, 404, "text/plain", "404 page not found".getBytes());
    }
  }

  /** Upload sessions: POST opens one, PATCH appends at its offset, PUT ?digest= appends, checks and stores. */
  private void upload(HttpExchange ex, String method, String path) throws IOException {
    byte[] body = ex.getRequestBody().readAllBytes();
    String prefix = path.substring(0, path.indexOf("/blobs/uploads/") + 15);
    if (method.equals("POST")) {
      String id = "s" + sessionCounter.incrementAndGet();
      sessions.put(id, new java.io.ByteArrayOutputStream());
      ex.getResponseHeaders().add("Location", prefix + id);
      send(ex, 202, null, new byte[0]);
      return;
    }
    String id = path.substring(prefix.length());
    java.io.ByteArrayOutputStream buf = sessions.get(id);
    if (buf == null) {
      send(ex, 404, "application/json", "{\"errors\":[{\"code\":\"BLOB_UPLOAD_UNKNOWN\"}]}".getBytes());
      return;
    }
    if (method.equals("DELETE")) {
      sessions.remove(id);
      cancelled.add(id);
      send(ex, 204, null, new byte[0]);
      return;
    }
    String range = ex.getRequestHeaders().getFirst("Content-Range");
    if (range != null && Long.parseLong(range.substring(0, range.indexOf('-'))) != buf.size()) {
      send(ex, 416, "application/json", "{\"errors\":[{\"code\":\"BLOB_UPLOAD_INVALID\"}]}".getBytes());
      return;
    }
    buf.write(body);
    if (method.equals("PATCH")) {
      ex.getResponseHeaders().add("Location", prefix + id);
      ex.getResponseHeaders().add("Range", "0-" + (buf.size() - 1));
      send(ex, 202, null, new byte[0]);
      return;
    }
    String query = ex.getRequestURI().getQuery();
    String digest = query == null ? "" : query.replaceAll(".*digest=([^&]+).*", "$1");
    if (!Digest.sha256(buf.toByteArray()).toString().equals(digest)) {
      send(ex, 400, "application/json", "{\"errors\":[{\"code\":\"DIGEST_INVALID\"}]}".getBytes());
      return;
    }
    sessions.remove(id);
    committed.add(id);
    blobs.put(digest, buf.toByteArray());
    send(ex, 201, null, new byte[0]);
  }

  static void sendMaybeHead(HttpExchange ex, String method, int status, String type, byte[] body) throws IOException {
    if (method.equals("HEAD")) {
      ex.getResponseHeaders().add("Content-Type", type);
      ex.getResponseHeaders().add("Content-Length", String.valueOf(body.length));
      ex.sendResponseHeaders(status, -1);
      return;
    }
    send(ex, status, type, body);
  }

  static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    if (type != null) {
      ex.getResponseHeaders().add("Content-Type", type);
    }
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
