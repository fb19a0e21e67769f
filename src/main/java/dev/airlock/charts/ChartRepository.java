package dev.airlock.charts;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.AirlockException;
import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.VerifyingInputStream;
import dev.airlock.store.AtomicFiles;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Helm HTTP chart repository: {@code index.yaml} and the chart archives it lists. index.yaml is read as
 * a stream and only the asked chart's entries are kept (public indexes run to tens of megabytes).
 * No credentials are ever sent.
 */
public final class ChartRepository {
  /** index.yaml larger than this is refused. */
  public static final long INDEX_CAP = 256L * 1024 * 1024;
  /** A chart archive larger than this is refused. */
  public static final long ARCHIVE_CAP = 512L * 1024 * 1024;

  /** A chart version listed in index.yaml. {@code digest} is null when the index gives none. */
  public record ChartVersion(String name, String version, String url, Digest digest) {}

  /** Built on the first chart fetched over HTTP: most bundles have none, and a client costs a thread and its set-up. */
  private HttpClient http;

  public ChartRepository() {}

  private synchronized HttpClient http() {
    if (http == null) {
      dev.airlock.registry.http.RegistryHttp.largeClientBuffers();
      // most bundles fetch no chart over HTTPS: load the trust store only when one does
      http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30))
          .sslContext(dev.airlock.registry.http.DeferredSslContext.ofDefault())
          .followRedirects(HttpClient.Redirect.NORMAL).build();
    }
    return http;
  }

  /** The versions of {@code chart} listed by the repository at {@code repoUrl}. */
  public List<ChartVersion> versions(String repoUrl, String chart) throws IOException {
    URI index = base(repoUrl).resolve("index.yaml");
    try (InputStream in = get(index, INDEX_CAP)) {
      return versions(in, index, repoUrl, chart);
    }
  }

  /**
   * The versions of {@code chart} in an index.yaml read from {@code in} (untrusted: read as a stream,
   * only the chart's own entries are kept); {@code index} names it in errors.
   */
  static List<ChartVersion> versions(InputStream in, URI index, String repoUrl, String chart) throws IOException {
    List<ChartVersion> out = new ArrayList<>();
    try (JsonParser p = ChartContents.YAML.getFactory().createParser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new InvalidInputException(index + " is not a Helm repository index");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if (!field.equals("entries") || p.currentToken() != JsonToken.START_OBJECT) {
          p.skipChildren();
          continue;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          p.nextToken();
          if (!name.equals(chart)) {
            p.skipChildren();
            continue;
          }
          JsonNode list = p.readValueAsTree();
          for (JsonNode v : list) {
            String version = v.path("version").asText(null);
            String url = v.path("urls").path(0).asText(null);
            if (version == null || url == null) {
              continue;
            }
            String dg = v.path("digest").asText(null);
            Digest digest = dg != null && dg.matches("[0-9a-f]{64}") ? Digest.sha256Hex(dg) : null;
            String resolved;
            try {
              resolved = base(repoUrl).resolve(url).toString();
            } catch (IllegalArgumentException e) {
              throw new InvalidInputException(index + ": chart " + chart + " " + version + " has a malformed URL: "
                  + Json.firstLine(e.getMessage()));
            }
            out.add(new ChartVersion(chart, version, resolved, digest));
          }
        }
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new InvalidInputException(index + " is not valid YAML: " + e.getOriginalMessage());
    }
    return out;
  }

  /** Downloads a chart archive to {@code target}, checking the digest when one is known. */
  public void download(String url, Digest expected, Path target) throws IOException {
    Path tmp = AtomicFiles.tempBeside(target);
    try {
      try (InputStream raw = get(URI.create(url), ARCHIVE_CAP);
          InputStream in = expected == null ? raw : new VerifyingInputStream(raw, expected, -1, "chart archive " + url);
          OutputStream out = Files.newOutputStream(tmp)) {
        in.transferTo(out);
      }
      AtomicFiles.moveIntoPlace(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static URI base(String repoUrl) {
    return URI.create(repoUrl.endsWith("/") ? repoUrl : repoUrl + "/");
  }

  private InputStream get(URI uri, long cap) throws IOException {
    HttpResponse<InputStream> r;
    try {
      r = http().send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10)).GET().build(),
          HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + uri, e);
    } catch (java.net.ConnectException e) {
      throw new AirlockException("cannot connect to chart repository " + uri.getHost() + ": connection refused", e);
    }
    if (r.statusCode() == 404) {
      r.body().close();
      throw new NotFoundException(uri + " does not exist (HTTP 404)");
    }
    if (r.statusCode() != 200) {
      r.body().close();
      throw new AirlockException("GET " + uri + " failed: HTTP " + r.statusCode());
    }
    return new FilterInputStream(r.body()) {
      long count;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0 && (count += n) > cap) {
          throw new InvalidInputException(uri + " is larger than the " + cap + " byte limit");
        }
        return n;
      }

      @Override
      public int read() throws IOException {
        int c = super.read();
        if (c >= 0 && ++count > cap) {
          throw new InvalidInputException(uri + " is larger than the " + cap + " byte limit");
        }
        return c;
      }
    };
  }
}
