package dev.airlock.bundle;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The lock file ({@code bundle.lock.yaml}): every spec entry resolved to a digest, the bundle's creation
 * time, and for charts from HTTP repositories the exact version and archive digest. Bundling again with
 * {@code --lock} takes digests from here instead of resolving tags, so the bundle has the same bytes.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
@JsonPropertyOrder({"apiVersion", "kind", "name", "created", "entries"})
public record BundleLock(
    @JsonProperty("apiVersion") String apiVersion,
    @JsonProperty("kind") String kind,
    @JsonProperty("name") String name,
    @JsonProperty("created") String created,
    @JsonProperty("entries") List<Entry> entries) {

  public static final String KIND = "BundleLock";

  public BundleLock {
    entries = entries == null ? List.of() : List.copyOf(entries);
  }

  public static BundleLock of(String name, String created, List<Entry> entries) {
    return new BundleLock(BundleSpec.API_VERSION, KIND, name, created, entries);
  }

  /**
   * One resolved entry. {@code key} is the spec entry ({@code docker.io/library/alpine:3.20},
   * {@code layout:DIR:REF}, {@code REPO#NAME@RANGE}, {@code path:DIR}); {@code refName} the name in the
   * bundle's index.json.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"kind", "key", "refName", "digest", "mediaType", "chartVersion", "chartUrl", "chartDigest"})
  public record Entry(
      @JsonProperty("kind") String kind,
      @JsonProperty("key") String key,
      @JsonProperty("refName") String refName,
      @JsonProperty("digest") String digest,
      @JsonProperty("mediaType") String mediaType,
      @JsonProperty("chartVersion") String chartVersion,
      @JsonProperty("chartUrl") String chartUrl,
      @JsonProperty("chartDigest") String chartDigest) {

    public static Entry of(String kind, String key, String refName, Digest digest, String mediaType) {
      return new Entry(kind, key, refName, digest.toString(), mediaType, null, null, null);
    }

    public Entry withChart(String version, String url, Digest archive) {
      return new Entry(kind, key, refName, digest, mediaType, version, url, archive == null ? null : archive.toString());
    }

    public Digest digestValue() {
      return Digest.parse(digest);
    }
  }

  /**
   * Jackson's minimal quoting, plus YAML 1.1's special floats ({@code .inf}, {@code -.Inf}, {@code .NaN}...): its
   * checker leaves them plain, and its parser then reads them back as a malformed number.
   */
  static final class LockQuoting extends com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker.Default {
    private static final long serialVersionUID = 1L;
    private static final java.util.regex.Pattern SPECIAL_FLOAT =
        java.util.regex.Pattern.compile("[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");

    @Override
    public boolean needToQuoteValue(String value) {
      return super.needToQuoteValue(value) || SPECIAL_FLOAT.matcher(value).matches();
    }
  }

  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .stringQuotingChecker(new LockQuoting())
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .build()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public Optional<Entry> find(String kind, String key) {
    return entries.stream().filter(e -> e.kind().equals(kind) && e.key().equals(key)).findFirst();
  }

  /**
   * The lock as YAML: the fields in {@link JsonPropertyOrder}'s order, null ones left out, written token by token
   * with the mapper's generator (the same bytes as binding the record, without building a bean serializer by
   * reflection on every bundle run: BundleLockYamlTest compares the two).
   */
  public byte[] toYaml() {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(256 + 256 * entries.size());
    try (com.fasterxml.jackson.core.JsonGenerator g = YAML.getFactory().createGenerator(bytes)) {
      g.writeStartObject();
      field(g, "apiVersion", apiVersion);
      field(g, "kind", kind);
      field(g, "name", name);
      field(g, "created", created);
      g.writeArrayFieldStart("entries");
      for (Entry e : entries) {
        g.writeStartObject();
        field(g, "kind", e.kind());
        field(g, "key", e.key());
        field(g, "refName", e.refName());
        field(g, "digest", e.digest());
        field(g, "mediaType", e.mediaType());
        field(g, "chartVersion", e.chartVersion());
        field(g, "chartUrl", e.chartUrl());
        field(g, "chartDigest", e.chartDigest());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the lock file", e);
    }
    return bytes.toByteArray();
  }

  private static void field(com.fasterxml.jackson.core.JsonGenerator g, String name, String value) throws IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }

  public static BundleLock read(Path path) throws IOException {
    byte[] bytes = dev.airlock.files.BoundedFile.read(path, dev.airlock.files.BoundedFile.LARGE_DOCUMENT_CAP, "lock file");
    dev.airlock.files.BoundedFile.utf8(bytes, "lock file " + path, "YAML");
    BundleLock lock;
    try {
      lock = YAML.readValue(bytes, BundleLock.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      int line = e.getLocation() == null ? 1 : e.getLocation().getLineNr();
      throw new InvalidInputException(path.getFileName() + ":" + line + ": not a valid lock file: "
          + Json.firstLine(e.getOriginalMessage()));
    }
    if (lock == null || !BundleSpec.API_VERSION.equals(lock.apiVersion()) || !KIND.equals(lock.kind())) {
      throw new InvalidInputException(path + " is not a bundle lock file (apiVersion " + BundleSpec.API_VERSION
          + ", kind " + KIND + ")");
    }
    if (lock.created() == null) {
      throw new InvalidInputException(path + ": lock file has no 'created'");
    }
    try {
      java.time.Instant.parse(lock.created());
      for (Entry e : lock.entries()) {
        Digest.parse(e.digest());
        if (e.kind() == null || e.key() == null || e.refName() == null) {
          throw new InvalidInputException("entry without kind, key or refName");
        }
      }
    } catch (RuntimeException e) {
      throw new InvalidInputException(path + ": invalid lock file: " + e.getMessage());
    }
    return lock;
  }
}
