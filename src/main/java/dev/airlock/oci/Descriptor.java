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
}
