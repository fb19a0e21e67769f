package dev.airlock.bundler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import dev.airlock.store.LayoutStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;

/**
 * Reads the packages an SBOM lists: SPDX JSON {@code packages[].name/versionInfo} (purl from
 * {@code externalRefs}), CycloneDX JSON {@code components[].name/version/purl} with nested components,
 * also inside an in-toto statement's predicate or a DSSE envelope's payload. Only layers up to
 * {@link #CAP} bytes are read; anything else is skipped quietly.
 */
final class SbomPackages {
  private SbomPackages() {}

  static final int CAP = 8 * 1024 * 1024;
  /** CycloneDX nests components; deeper levels than this are not read. */
  private static final int MAX_NESTING = 16;

  record Package(String name, String version, String purl) {}

  /** One SBOM document: {@code format} spdx or cyclonedx, its spec version (SPDX-2.3, 1.5), its packages. */
  record Document(String format, String specVersion, List<Package> packages) {}

  /** The packages of the SBOM in {@code layer}; empty when it is none. */
  static List<Package> read(LayoutStore work, Descriptor layer) {
    Document d = document(work, layer);
    return d == null ? List.of() : d.packages();
  }

  /** The SBOM document in {@code layer}, or null when the layer is not one (or too large). */
  static Document document(LayoutStore work, Descriptor layer) {
    if (layer.size() > CAP || layer.size() < 2) {
      return null;
    }
    try (InputStream in = work.openBlob("", layer)) {
      JsonNode n = Json.MAPPER.readTree(Json.readCapped(in, CAP, "SBOM " + layer.digest()));
      return fromNode(n, 0);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static Document fromNode(JsonNode n, int depth) throws IOException {
    if (n == null || depth > 3) {
      return null;
    }
    if (n.path("payload").isTextual() && n.has("payloadType")) {
      byte[] payload = Base64.getDecoder().decode(n.path("payload").asText());
      return fromNode(Json.MAPPER.readTree(payload), depth + 1);
    }
    if (n.path("dsseEnvelope").isObject()) { // a Sigstore bundle carrying an SBOM attestation
      return fromNode(n.path("dsseEnvelope"), depth + 1);
    }
    if (n.path("predicate").isObject()) {
      return fromNode(n.path("predicate"), depth + 1);
    }
    if (n.path("spdxVersion").isTextual() || n.path("packages").isArray() && !n.has("bomFormat")) {
      List<Package> out = new ArrayList<>();
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
      return new Document("spdx", n.path("spdxVersion").asText(null), out);
    }
    if ("CycloneDX".equals(n.path("bomFormat").asText()) || n.path("components").isArray()) {
      List<Package> out = new ArrayList<>();
      Deque<JsonNode> todo = new ArrayDeque<>();
      Deque<Integer> levels = new ArrayDeque<>();
      for (JsonNode c : n.path("components")) {
        todo.add(c);
        levels.add(0);
      }
      while (!todo.isEmpty()) {
        JsonNode p = todo.poll();
        int level = levels.poll();
        if (p.path("name").isTextual()) {
          out.add(new Package(p.path("name").asText(), p.path("version").asText(null), p.path("purl").asText(null)));
        }
        if (level < MAX_NESTING) {
          for (JsonNode c : p.path("components")) {
            todo.add(c);
            levels.add(level + 1);
          }
        }
      }
      String v = n.path("specVersion").asText(null);
      return new Document("cyclonedx", v == null ? null : "CycloneDX-" + v, out);
    }
    return null;
  }
}
