package dev.airlock.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.auth.Scopes;
import dev.airlock.registry.http.Call;
import dev.airlock.registry.http.LinkHeader;
import dev.airlock.registry.http.RegistryHttp;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Referrers of a subject: the {@code GET /v2/<name>/referrers/<digest>} API (artifact type filter,
 * {@code Link} pages) when the registry has it, else the {@code sha256-<hex>} tag index. Which of the two
 * works is remembered per repository.
 */
final class ReferrersClient {
  enum Mode { API, FALLBACK_TAG }

  private static final int MAX_PAGES = 1000;
  private final RegistryHttp http;
  private final String registry;
  private final ManifestPuller manifests;
  private final Map<String, Mode> modes = new ConcurrentHashMap<>();

  ReferrersClient(RegistryHttp http, String registry, ManifestPuller manifests) {
    this.http = http;
    this.registry = registry;
    this.manifests = manifests;
  }

  /** What is known about a repository, or null when it has not been asked yet. */
  Mode knownMode(String repository) {
    return modes.get(repository);
  }

  void remember(String repository, Mode mode) {
    modes.put(repository, mode);
  }

  List<Descriptor> list(String repository, Digest subject, String artifactType) throws IOException {
    if (modes.get(repository) != Mode.FALLBACK_TAG) {
      List<Descriptor> viaApi = viaApi(repository, subject, artifactType);
      if (viaApi != null) {
        modes.put(repository, Mode.API);
        return viaApi;
      }
      modes.put(repository, Mode.FALLBACK_TAG);
    }
    return filter(viaTag(repository, subject), artifactType);
  }

  /** Asks whether the repository has the API (probing once with this subject). */
  Mode mode(String repository, Digest subject) throws IOException {
    Mode m = modes.get(repository);
    if (m == null) {
      m = viaApi(repository, subject, null) != null ? Mode.API : Mode.FALLBACK_TAG;
      modes.put(repository, m);
    }
    return m;
  }

  /** The API's answer, or null when the registry does not have the API. */
  private List<Descriptor> viaApi(String repository, Digest subject, String artifactType) throws IOException {
    String q = artifactType == null ? "" : "?artifactType=" + URLEncoder.encode(artifactType, StandardCharsets.UTF_8);
    URI next = http.uri("/v2/" + repository + "/referrers/" + subject + q);
    List<Descriptor> out = new ArrayList<>();
    boolean filtered = true;
    for (int page = 0; next != null && page < MAX_PAGES; page++) {
      Call call = new Call("GET", next, Map.of("Accept", MediaTypes.OCI_INDEX), null, Scopes.pull(repository),
          registry + "/" + repository, subject.toString());
      RegistryHttp.Answer r = http.fetch(call, Json.MANIFEST_CAP, "referrers of " + subject);
      int s = r.status();
      String type = RawManifest.stripParams(r.headers().firstValue("Content-Type").orElse(""));
      if (page == 0 && (s == 404 || s == 400 || s == 405 || (s == 200 && !MediaTypes.OCI_INDEX.equals(type)))) {
        return null;
      }
      if (s != 200) {
        throw http.failure(r, call, "cannot list referrers");
      }
      if (artifactType != null && r.headers().firstValue("OCI-Filters-Applied").orElse("").contains("artifactType")) {
        filtered = true;
      } else {
        filtered = artifactType == null;
      }
      byte[] body = r.body();
      out.addAll(descriptors(Json.tree(body, "referrers of " + subject)));
      next = LinkHeader.next(r.headers(), next);
    }
    return filtered ? out : filter(out, artifactType);
  }

  private List<Descriptor> viaTag(String repository, Digest subject) throws IOException {
    RawManifest idx;
    try {
      idx = manifests.get(repository, subject.tagForm());
    } catch (RegistryNotFoundException e) {
      return List.of();
    }
    if (!idx.isIndex()) {
      return List.of();
    }
    return descriptors(idx.json());
  }

  private static List<Descriptor> descriptors(JsonNode index) {
    List<Descriptor> out = new ArrayList<>();
    for (JsonNode n : index.path("manifests")) {
      if (!Digest.isValid(n.path("digest").asText(""))) {
        continue;
      }
      Map<String, String> ann = new LinkedHashMap<>();
      n.path("annotations").fields().forEachRemaining(e -> ann.put(e.getKey(), e.getValue().asText()));
      out.add(new Descriptor(n.path("mediaType").asText(null), Digest.parse(n.path("digest").asText()),
          n.path("size").asLong(), null, ann, null, n.path("artifactType").asText(null)));
    }
    return out;
  }

  private static List<Descriptor> filter(List<Descriptor> all, String artifactType) {
    if (artifactType == null) {
      return all;
    }
    return all.stream().filter(d -> artifactType.equals(d.artifactType())).toList();
  }
}
