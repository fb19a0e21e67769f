package dev.airlock.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Before {@code airlock serve} opens its real address, the request path is run a few hundred times against a
 * private copy of the server on an ephemeral loopback port (ping, tags, manifests by tag and digest, blob
 * HEAD and a one-byte ranged GET through the file-body path), so the JIT has compiled it before the first
 * client arrives. A fresh JVM otherwise answers its first hundred requests a few milliseconds slower each,
 * which is most of a cluster's first pull. Bounded in requests and time; failures are ignored (it only
 * warms).
 */
final class WarmUp {
  private WarmUp() {}

  static final int MAX_REQUESTS = 400;
  static final long MAX_NANOS = 1_500_000_000L;
  private static final String ACCEPT = "application/vnd.oci.image.index.v1+json, "
      + "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, "
      + "application/vnd.docker.distribution.manifest.v2+json";

  /** Runs the warm-up against a private server over {@code content}; returns the requests made. */
  static int run(RegistryHandler handler, ServedContent content) {
    int[] count = {0};
    long deadline = System.nanoTime() + MAX_NANOS;
    try (BlockingHttpServer server = BlockingHttpServer.start(new InetSocketAddress("127.0.0.1", 0), 2, handler);
        Socket s = new Socket()) {
      s.connect(server.address(), 1000);
      s.setSoTimeout(2000);
      Client c = new Client(s, count, deadline);
      List<String> names = RepositoryNames.of(content.indexEntries()).all();
      while (count[0] < MAX_REQUESTS && System.nanoTime() < deadline) {
        int before = count[0];
        c.get("/v2/", null);
        for (String name : names.subList(0, Math.min(names.size(), 16))) {
          JsonNode tags = Json.MAPPER.readTree(c.get("/v2/" + name + "/tags/list", null));
          for (JsonNode tag : tags.path("tags")) {
            if (count[0] >= MAX_REQUESTS || System.nanoTime() >= deadline) {
              return count[0];
            }
            JsonNode m = Json.MAPPER.readTree(c.get("/v2/" + name + "/manifests/" + tag.asText(), ACCEPT));
            JsonNode layer = m.path("layers").path(0);
            if (m.has("config")) {
              c.head("/v2/" + name + "/blobs/" + m.path("config").path("digest").asText());
            }
            if (layer.has("digest")) {
              c.getRange("/v2/" + name + "/blobs/" + layer.path("digest").asText());
            }
            break; // one tag per repository per round
          }
        }
        if (count[0] == before + 1 && names.isEmpty()) {
          break; // nothing but the ping to warm
        }
      }
    } catch (IOException | RuntimeException e) {
      // a warm-up only: whatever failed here, the real server answers for itself
    }
    return count[0];
  }

  /** A minimal keep-alive client: sends a request, reads the head and exactly Content-Length bytes. */
  private static final class Client {
    private final InputStream in;
    private final OutputStream out;
    private final int[] count;
    private final long deadline;

    Client(Socket s, int[] count, long deadline) throws IOException {
      this.in = s.getInputStream();
      this.out = s.getOutputStream();
      this.count = count;
      this.deadline = deadline;
    }

    byte[] get(String path, String accept) throws IOException {
      return exchange("GET", path, accept == null ? "" : "Accept: " + accept + "\r\n", true);
    }

    void head(String path) throws IOException {
      exchange("HEAD", path, "", false);
    }

    void getRange(String path) throws IOException {
      exchange("GET", path, "Range: bytes=0-0\r\n", true);
    }

    private byte[] exchange(String method, String path, String headers, boolean body) throws IOException {
      if (count[0] >= MAX_REQUESTS || System.nanoTime() >= deadline) {
        throw new IOException("warm-up done"); // ends the run (caught there)
      }
      count[0]++;
      out.write((method + " " + path + " HTTP/1.1\r\nHost: warm-up\r\n" + headers + "\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long length = 0;
      String line;
      boolean first = true;
      while (!(line = readLine()).isEmpty()) {
        if (first) {
          first = false;
          continue;
        }
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
          length = Long.parseLong(line.substring(colon + 1).trim());
        }
      }
      if (!body || length == 0) {
        return new byte[0];
      }
      if (length > (1 << 20)) {
        throw new IOException("warm-up answer too large");
      }
      return in.readNBytes((int) length);
    }

    private String readLine() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream(128);
      int c;
      while ((c = in.read()) >= 0 && c != '\n') {
        if (c != '\r') {
          b.write(c);
        }
        if (b.size() > 16384) {
          throw new IOException("warm-up: header line too long");
        }
      }
      if (c < 0 && b.size() == 0) {
        throw new IOException("warm-up: connection closed");
      }
      return b.toString(StandardCharsets.US_ASCII);
    }
  }
}
