package dev.airlock.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An OCI content descriptor. Used for what airlock authors (its own index.json, artifacts it packs);
 * descriptors read from other people's manifests are views over the raw bytes, never re-serialised.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"mediaType", "digest", "size", "urls", "annotations", "platform", "artifactType"})
public record Descriptor(
    @JsonProperty("mediaType") String mediaType,
    @JsonProperty("digest") Digest digest,
    @JsonProperty("size") long size,
    @JsonProperty("urls") List<String> urls,
    @JsonProperty("annotations") Map<String, String> annotations,
    @JsonProperty("platform") Platform platform,
    @JsonProperty("artifactType") String artifactType) {

  public static final String REF_NAME = "org.opencontainers.image.ref.name";
  public static final String CREATED = "org.opencontainers.image.created";
  public static final String TITLE = "org.opencontainers.image.title";

  public Descriptor {
    annotations = annotations == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(annotations));
    urls = urls == null ? List.of() : List.copyOf(urls);
  }

  /**
   * Binds a descriptor object of a JSON tree, as {@code Json.MAPPER.convertValue(n, Descriptor.class)} does.
   * The usual shape (text fields, an integral size, text lists and maps, a platform of text fields; unknown
   * fields ignored) is read here directly: Jackson's first bean binding of this record (annotation
   * introspection, a proxy class per annotation type) was a tenth of a small import's main thread. Anything
   * else (a number where text goes, a fractional size, a bad digest, a null in a list...) goes through
   * Jackson as before, so its coercions and its errors (an {@link IllegalArgumentException}) are unchanged.
   */
  public static Descriptor fromTree(com.fasterxml.jackson.databind.JsonNode n) {
    Descriptor d = n != null && n.isObject() ? plain(n) : null;
    return d != null ? d : Json.MAPPER.convertValue(n, Descriptor.class);
  }

  private static final Object OTHER = new Object();

  /** The descriptor when every field it binds has the usual shape; null for Jackson to bind it. */
  private static Descriptor plain(com.fasterxml.jackson.databind.JsonNode n) {
    Object mediaType = text(n.get("mediaType"));
    Object artifactType = text(n.get("artifactType"));
    Object digestText = text(n.get("digest"));
    if (mediaType == OTHER || artifactType == OTHER || digestText == OTHER) {
      return null;
    }
    com.fasterxml.jackson.databind.JsonNode sizeNode = n.get("size");
    long size = 0;
    if (sizeNode != null && !sizeNode.isNull()) {
      if (!sizeNode.isIntegralNumber() || !sizeNode.canConvertToLong()) {
        return null;
      }
      size = sizeNode.longValue();
    }
    Object urls = texts(n.get("urls"));
    if (urls == OTHER) {
      return null;
    }
    Map<String, String> annotations = null;
    com.fasterxml.jackson.databind.JsonNode a = n.get("annotations");
    if (a != null && !a.isNull()) {
      if (!a.isObject()) {
        return null;
      }
      annotations = new java.util.LinkedHashMap<>();
      for (var it = a.fields(); it.hasNext(); ) {
        var e = it.next();
        if (!e.getValue().isTextual()) {
          return null;
        }
        annotations.put(e.getKey(), e.getValue().textValue());
      }
    }
    Platform platform = null;
    com.fasterxml.jackson.databind.JsonNode p = n.get("platform");
    if (p != null && !p.isNull()) {
      if (!p.isObject()) {
        return null;
      }
      platform = plainPlatform(p);
      if (platform == null) {
        return null;
      }
    }
    Digest digest;
    if (digestText == null) {
      digest = null;
    } else {
      try {
        digest = Digest.parse((String) digestText);
      } catch (RuntimeException e) {
        return null; // Jackson reports it, in its words
      }
    }
    @SuppressWarnings("unchecked")
    List<String> u = (List<String>) urls;
    return new Descriptor((String) mediaType, digest, size, u, annotations, platform, (String) artifactType);
  }

  /**
   * Binds a platform object of a JSON tree as {@code Json.MAPPER.convertValue(p, Platform.class)} does: text
   * fields read here, any other shape through Jackson (its coercions and errors).
   */
  public static Platform platformFromTree(com.fasterxml.jackson.databind.JsonNode p) {
    Platform platform = p != null && p.isObject() ? plainPlatform(p) : null;
    return platform != null ? platform : Json.MAPPER.convertValue(p, Platform.class);
  }

  private static Platform plainPlatform(com.fasterxml.jackson.databind.JsonNode p) {
    Object arch = text(p.get("architecture"));
    Object os = text(p.get("os"));
    Object osVersion = text(p.get("os.version"));
    Object variant = text(p.get("variant"));
    Object features = texts(p.get("os.features"));
    if (arch == OTHER || os == OTHER || osVersion == OTHER || variant == OTHER || features == OTHER) {
      return null;
    }
    @SuppressWarnings("unchecked")
    List<String> f = (List<String>) features;
    return new Platform((String) arch, (String) os, (String) osVersion, f, (String) variant);
  }

  /** A text field: its text, null when absent or null, {@link #OTHER} for any other node. */
  private static Object text(com.fasterxml.jackson.databind.JsonNode v) {
    if (v == null || v.isNull()) {
      return null;
    }
    return v.isTextual() ? v.textValue() : OTHER;
  }

  /** A list of text: the list, null when absent or null, {@link #OTHER} for any other shape. */
  private static Object texts(com.fasterxml.jackson.databind.JsonNode v) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isArray()) {
      return OTHER;
    }
    List<String> out = new java.util.ArrayList<>(v.size());
    for (com.fasterxml.jackson.databind.JsonNode e : v) {
      if (!e.isTextual()) {
        return OTHER;
      }
      out.add(e.textValue());
    }
    return out;
  }

  public static Descriptor of(String mediaType, Digest digest, long size) {
    return new Descriptor(mediaType, digest, size, null, null, null, null);
  }

  public Descriptor withAnnotations(Map<String, String> a) {
    return new Descriptor(mediaType, digest, size, urls, a, platform, artifactType);
  }

  public Descriptor withAnnotation(String key, String value) {
    Map<String, String> a = new TreeMap<>(annotations);
    a.put(key, value);
    return withAnnotations(a);
  }

  public Descriptor withPlatform(Platform p) {
    return new Descriptor(mediaType, digest, size, urls, annotations, p, artifactType);
  }

  public Descriptor withArtifactType(String t) {
    return new Descriptor(mediaType, digest, size, urls, annotations, platform, t);
  }

  public String annotation(String key) {
    return annotations.get(key);
  }

  /**
   * This descriptor as a JSON tree, as {@code Json.MAPPER.valueToTree(this)} gives it (the same fields in the
   * same order, the same values, hence the same bytes written). The usual shape (no null in {@code urls},
   * the annotations or the platform's features) is built here directly: Jackson's first bean serializer of
   * this record (annotation introspection, a proxy per annotation type) cost a small bundle's fetch threads
   * about 45 ms of CPU before their first {@code index.json} entry; any other shape goes through Jackson.
   * DescriptorToTreeTest compares the two.
   */
  public com.fasterxml.jackson.databind.node.ObjectNode toTree() {
    if (hasNull(urls) || hasNull(annotations.values()) || (platform != null && hasNull(platform.osFeatures()))) {
      return (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.valueToTree(this);
    }
    com.fasterxml.jackson.databind.node.ObjectNode n = Json.MAPPER.getNodeFactory().objectNode();
    text(n, "mediaType", mediaType);
    if (digest != null) {
      n.put("digest", digest.toString());
    }
    n.put("size", size);
    if (!urls.isEmpty()) {
      com.fasterxml.jackson.databind.node.ArrayNode a = n.putArray("urls");
      urls.forEach(a::add);
    }
    if (!annotations.isEmpty()) {
      com.fasterxml.jackson.databind.node.ObjectNode a = n.putObject("annotations");
      annotations.forEach(a::put);
    }
    if (platform != null) {
      com.fasterxml.jackson.databind.node.ObjectNode p = n.putObject("platform");
      text(p, "architecture", platform.architecture());
      text(p, "os", platform.os());
      text(p, "os.version", platform.osVersion());
      if (platform.osFeatures() != null && !platform.osFeatures().isEmpty()) {
        com.fasterxml.jackson.databind.node.ArrayNode a = p.putArray("os.features");
        platform.osFeatures().forEach(a::add);
      }
      text(p, "variant", platform.variant());
    }
    text(n, "artifactType", artifactType);
    return n;
  }

  private static boolean hasNull(java.util.Collection<String> c) {
    if (c != null) {
      for (String s : c) { // not contains(null): immutable collections refuse the question
        if (s == null) {
          return true;
        }
      }
    }
    return false;
  }

  /** A text field as NON_EMPTY writes it: left out when null or empty. */
  private static void text(com.fasterxml.jackson.databind.node.ObjectNode n, String name, String value) {
    if (value != null && !value.isEmpty()) {
      n.put(name, value);
    }
  }
}
