package dev.airlock.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A manifest or index exactly as received: its bytes, media type and digest. The bytes are the truth;
 * the accessors are read-only views over them. A RawManifest is never re-serialised, so its digest,
 * and every signature over it, stay valid wherever it is copied.
 */
public final class RawManifest {
  private final byte[] bytes;
  private final String mediaType;
  private final Digest digest;
  private final JsonNode json;

  private RawManifest(byte[] bytes, String mediaType, Digest digest, JsonNode json) {
    this.bytes = bytes;
    this.mediaType = mediaType;
    this.digest = digest;
    this.json = json;
  }

  /**
   * Wraps received bytes. The media type is taken from the body's {@code mediaType} field, else from
   * {@code mediaTypeHint} (a Content-Type header or a descriptor), else inferred from the shape.
   * Schema 1 and unknown types are refused.
   */
  public static RawManifest of(byte[] bytes, String mediaTypeHint, String what) {
    JsonNode json = Json.tree(bytes, what);
    if (!json.isObject()) {
      throw new InvalidInputException(what + " is not a JSON object");
    }
    String mt = text(json, "mediaType");
    String hint = stripParams(mediaTypeHint);
    if (mt == null) {
      if (hint != null && (MediaTypes.isManifest(hint) || MediaTypes.isSchema1(hint))) {
        mt = hint;
      } else if (json.has("manifests")) {
        mt = MediaTypes.OCI_INDEX;
      } else if (json.has("config") || json.has("layers")) {
        mt = MediaTypes.OCI_MANIFEST;
      } else if (json.path("schemaVersion").asInt() == 1) {
        mt = MediaTypes.DOCKER_SCHEMA1;
      } else {
        throw new InvalidInputException(what + " has no mediaType and does not look like a manifest or index");
      }
    }
    if (json.path("schemaVersion").asInt() == 1 && !MediaTypes.isSchema1(mt)) {
      mt = MediaTypes.DOCKER_SCHEMA1;
    }
    MediaTypes.requireSupportedManifest(mt, what);
    RawManifest m = new RawManifest(bytes, mt, Digest.sha256(bytes), json);
    m.validateShape(what);
    return m;
  }

  /** Wraps received bytes and checks they hash to {@code expected}. */
  public static RawManifest of(byte[] bytes, String mediaTypeHint, Digest expected, String what) throws DigestMismatchException {
    Digest actual = Digest.of(expected.algorithm(), expected.newMessageDigest().digest(bytes));
    if (!actual.equals(expected)) {
      throw new DigestMismatchException(what + " digest", expected.toString(), actual.toString());
    }
    RawManifest m = of(bytes, mediaTypeHint, what);
    return expected.algorithm() == Digest.Algorithm.SHA256 ? m : new RawManifest(m.bytes, m.mediaType, expected, m.json);
  }

  private void validateShape(String what) {
    if (isIndex()) {
      if (!json.path("manifests").isArray()) {
        throw new InvalidInputException(what + ": index has no 'manifests' array");
      }
    } else {
      if (!json.path("config").isObject()) {
        throw new InvalidInputException(what + ": manifest has no 'config' descriptor");
      }
      if (json.has("layers") && !json.path("layers").isArray()) {
        throw new InvalidInputException(what + ": 'layers' is not an array");
      }
    }
    // every descriptor must parse: digests are validated here, once
    children();
    subject();
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  /** The bytes without a copy; callers must not modify them. */
  public byte[] bytesUnsafe() {
    return bytes;
  }

  public int size() {
    return bytes.length;
  }

  public String mediaType() {
    return mediaType;
  }

  public Digest digest() {
    return digest;
  }

  public JsonNode json() {
    return json.deepCopy();
  }

  public boolean isIndex() {
    return MediaTypes.isIndex(mediaType);
  }

  public Descriptor descriptor() {
    return new Descriptor(mediaType, digest, bytes.length, null, null, null, artifactType());
  }

  /** {@code artifactType}, or for a manifest without one, the config media type when it is not an image config. */
  public String artifactType() {
    String at = text(json, "artifactType");
    if (at != null) {
      return at;
    }
    if (!isIndex()) {
      String cfg = text(json.path("config"), "mediaType");
      if (cfg != null && !cfg.equals(MediaTypes.OCI_CONFIG) && !cfg.equals(MediaTypes.DOCKER_CONFIG)
          && !cfg.equals(MediaTypes.OCI_EMPTY)) {
        return cfg;
      }
    }
    return null;
  }

  /** The manifest's config (null for an index). */
  public Descriptor config() {
    return isIndex() ? null : descriptor(json.path("config"), "config");
  }

  /** The layers of a manifest (empty for an index). */
  public List<Descriptor> layers() {
    return isIndex() ? List.of() : descriptors(json.path("layers"), "layers");
  }

  /** The children of an index (empty for a manifest). */
  public List<Descriptor> manifests() {
    return isIndex() ? descriptors(json.path("manifests"), "manifests") : List.of();
  }

  /** Everything this manifest points to, in order: config then layers, or the index's manifests. */
  public List<Descriptor> children() {
    if (isIndex()) {
      return manifests();
    }
    List<Descriptor> all = new ArrayList<>();
    all.add(config());
    all.addAll(layers());
    return all;
  }

  /** The OCI 1.1 {@code subject}, or null. */
  public Descriptor subject() {
    JsonNode s = json.get("subject");
    return s == null || s.isNull() ? null : descriptor(s, "subject");
  }

  public Map<String, String> annotations() {
    JsonNode a = json.get("annotations");
    if (a == null || !a.isObject()) {
      return Map.of();
    }
    Map<String, String> m = new LinkedHashMap<>();
    a.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
    return Collections.unmodifiableMap(m);
  }

  private static List<Descriptor> descriptors(JsonNode arr, String field) {
    if (arr == null || arr.isMissingNode() || arr.isNull()) {
      return List.of();
    }
    List<Descriptor> out = new ArrayList<>();
    int i = 0;
    for (JsonNode n : arr) {
      out.add(descriptor(n, field + "[" + i++ + "]"));
    }
    return out;
  }

  private static Descriptor descriptor(JsonNode n, String field) {
    if (!n.isObject()) {
      throw new InvalidInputException("descriptor '" + field + "' is not a JSON object");
    }
    String mt = text(n, "mediaType");
    Digest d;
    try {
      d = Digest.parse(text(n, "digest"));
    } catch (InvalidInputException e) {
      throw new InvalidInputException("descriptor '" + field + "': " + e.getMessage());
    }
    if (!n.path("size").canConvertToLong() || n.path("size").asLong() < 0) {
      throw new InvalidInputException("descriptor '" + field + "' has no valid size");
    }
    Map<String, String> ann = null;
    if (n.path("annotations").isObject()) {
      ann = new LinkedHashMap<>();
      Map<String, String> a = ann;
      n.path("annotations").fields().forEachRemaining(e -> a.put(e.getKey(), e.getValue().asText()));
    }
    Platform p = null;
    if (n.path("platform").isObject()) {
      p = Descriptor.platformFromTree(n.path("platform"));
    }
    List<String> urls = null;
    if (n.path("urls").isArray()) {
      urls = new ArrayList<>();
      for (JsonNode u : n.path("urls")) {
        urls.add(u.asText());
      }
    }
    return new Descriptor(mt, d, n.path("size").asLong(), urls, ann, p, text(n, "artifactType"));
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  public static String stripParams(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
  }

  @Override
  public String toString() {
    return mediaType + " " + digest;
  }
}
