package dev.airlock.bundler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import dev.airlock.store.LayoutStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads the packages an SBOM lists: SPDX JSON {@code packages[].name/versionInfo}, CycloneDX JSON
 * {@code components[].name/version/purl}, also inside an in-toto statement's predicate or a DSSE
 * envelope's payload. Only layers up to {@link #CAP} bytes are read; anything else is skipped quietly.
 */
final class SbomPackages {
  private SbomPackages() {}

  static final int CAP = 8 * 1024 * 1024;

  record Package(String name, String version, String purl) {}

  static List<Package> read(LayoutStore work, Descriptor layer) {
    if (layer.size() > CAP || layer.size() < 2) {
      return List.of();
    }
    try (InputStream in = work.openBlob("", layer)) {
      JsonNode n = Json.MAPPER.readTree(Json.readCapped(in, CAP, "SBOM " + layer.digest()));
      return fromNode(n, 0);
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }

  private static List<Package> fromNode(JsonNode n, int depth) throws IOException {
    List<Package> out = new ArrayList<>();
    if (n == null || depth > 3) {
      return out;
    }
    if (n.path("payload").isTextual() && n.has("payloadType")) {
      byte[] payload = Base64.getDecoder().decode(n.path("payload").asText());
      return fromNode(Json.MAPPER.readTree(payload), depth + 1);
    }
    if (n.path("predicate").isObject()) {
      return fromNode(n.path("predicate"), depth + 1);
    }
    if (n.path("packages").isArray()) {
      for (JsonNode p : n.path("packages")) {
        String purl = null;
        for (JsonNode ref : p.path("externalRefs")) {
          if ("purl".equals(ref.path("referenceType").asText())) {
            purl = ref.path("referenceLocator").asText(null);
          }
        }
        if (p.path("name").isTextual()) {
          out.add(new Package(p.path("name").asText(), p.path("versionInfo").asText(null), purl));
        }
      }
    } else if (n.path("components").isArray()) {
      for (JsonNode p : n.path("components")) {
        if (p.path("name").isTextual()) {
          out.add(new Package(p.path("name").asText(), p.path("version").asText(null), p.path("purl").asText(null)));
        }
      }
    }
    return out;
  }
}
