package dev.airlock.bundle;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.airlock.InvalidInputException;
import dev.airlock.charts.SemverRange;
import dev.airlock.oci.Json;
import dev.airlock.oci.Platform;
import dev.airlock.oci.Reference;
import dev.airlock.store.Location;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates a bundle spec. Every error is one line naming the file and line:
 * {@code bundle.yaml:12: unknown field 'tagg' in spec.images[0] (expected one of ...)}.
 */
public final class SpecReader {
  /** Specs are small; more than this is not a spec. */
  public static final int SPEC_CAP = 1024 * 1024;

  private static final ObjectMapper YAML = new ObjectMapper(
      YAMLFactory.builder().enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  private final String file;
  private final Map<String, Integer> lines = new HashMap<>();

  private SpecReader(String file) {
    this.file = file;
  }

  public static BundleSpec read(Path path) throws IOException {
    byte[] bytes = dev.airlock.files.BoundedFile.read(path, SPEC_CAP, "bundle spec");
    return parse(bytes, path.getFileName().toString());
  }

  public static BundleSpec parse(byte[] bytes, String file) {
    return new SpecReader(file).parseSpec(bytes);
  }

  private BundleSpec parseSpec(byte[] bytes) {
    JsonNode root;
    String text = dev.airlock.files.BoundedFile.utf8(bytes, file, "YAML");
    if (text.indexOf('\0') >= 0) {
      throw new InvalidInputException(file + " is not a UTF-8 YAML file (it holds NUL bytes)");
    }
    try (JsonParser p = YAML.getFactory().createParser(bytes)) {
      indexLines(bytes);
      root = YAML.readTree(p);
      JsonToken more = p.nextToken();
      if (more != null) {
        throw new InvalidInputException(file + ":" + p.currentLocation().getLineNr()
            + ": a bundle spec is one YAML document; this file holds more (remove the '---' and what follows)");
      }
    } catch (IOException e) {
      int line = e instanceof com.fasterxml.jackson.core.JsonProcessingException jp && jp.getLocation() != null
          ? jp.getLocation().getLineNr() : 1;
      throw new InvalidInputException(file + ":" + line + ": not valid YAML: "
          + Json.firstLine(((com.fasterxml.jackson.core.JsonProcessingException) e).getOriginalMessage()));
    }
    if (root == null || !root.isObject()) {
      throw error("", "a bundle spec must be a YAML mapping with apiVersion, kind, metadata and spec");
    }
    fields(root, "", Set.of("apiVersion", "kind", "metadata", "spec"));
    String api = requiredText(root, "/apiVersion");
    if (!BundleSpec.API_VERSION.equals(api)) {
      throw error("/apiVersion", "apiVersion must be " + BundleSpec.API_VERSION + ", not '" + api + "'");
    }
    String kind = requiredText(root, "/kind");
    if (!BundleSpec.KIND.equals(kind)) {
      throw error("/kind", "kind must be " + BundleSpec.KIND + ", not '" + kind + "'");
    }
    JsonNode meta = requiredObject(root, "/metadata");
    fields(meta, "/metadata", Set.of("name"));
    String name = requiredText(meta, "/metadata/name");
    if (!name.matches("[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}")) {
      throw error("/metadata/name", "metadata.name '" + name + "' must be letters, digits, '.', '_' or '-' (up to 128)");
    }
    JsonNode spec = requiredObject(root, "/spec");
    fields(spec, "/spec", Set.of("platforms", "referrers", "images", "charts", "artifacts"));
    List<Platform> platforms = platforms(spec, "/spec/platforms");
    BundleSpec.Referrers referrers = referrers(spec);
    List<BundleSpec.Image> images = new ArrayList<>();
    int i = 0;
    for (JsonNode n : list(spec, "/spec/images")) {
      images.add(image(n, "/spec/images/" + i++));
    }
    List<BundleSpec.Chart> charts = new ArrayList<>();
    i = 0;
    for (JsonNode n : list(spec, "/spec/charts")) {
      charts.add(chart(n, "/spec/charts/" + i++));
    }
    List<BundleSpec.Artifact> artifacts = new ArrayList<>();
    i = 0;
    for (JsonNode n : list(spec, "/spec/artifacts")) {
      artifacts.add(artifact(n, "/spec/artifacts/" + i++));
    }
    if (images.isEmpty() && charts.isEmpty() && artifacts.isEmpty()) {
      throw error("/spec", "the spec lists no images, charts or artifacts");
    }
    return new BundleSpec(name, platforms, referrers, images, charts, artifacts,
        text, file);
  }

  private BundleSpec.Image image(JsonNode n, String at) {
    object(n, at);
    fields(n, at, Set.of("ref", "layout", "archive", "name", "platforms", "tags"));
    String ref = optionalText(n, at + "/ref");
    String layout = optionalText(n, at + "/layout");
    String archive = optionalText(n, at + "/archive");
    int count = (ref != null ? 1 : 0) + (layout != null ? 1 : 0) + (archive != null ? 1 : 0);
    if (count != 1) {
      throw error(at, "an image needs exactly one of 'ref', 'layout' or 'archive'");
    }
    if (ref != null) {
      reference(ref, at + "/ref");
    }
    if (layout != null && layout.indexOf(':') <= 0) {
      throw error(at + "/layout", "layout '" + layout + "' must be DIR:REF (an OCI layout directory and a ref name in it)"
          + " or DIR@sha256:... (a manifest in it by digest)");
    }
    int at2 = layout == null ? -1 : layout.lastIndexOf('@');
    if (at2 > 0 && layout.startsWith("sha256:", at2 + 1) && !dev.airlock.oci.Digest.isValid(layout.substring(at2 + 1))) {
      throw error(at + "/layout", "layout '" + layout + "': '" + layout.substring(at2 + 1) + "' is not a sha256 digest");
    }
    if (archive != null) {
      try {
        Location l = Location.parse(archive);
        if (l.kind() != Location.Kind.OCI_ARCHIVE && l.kind() != Location.Kind.DOCKER_ARCHIVE) {
          throw error(at + "/archive", "archive must be oci-archive:FILE[:REF] or docker-archive:FILE[:REF]");
        }
      } catch (InvalidInputException e) {
        throw error(at + "/archive", e.getMessage());
      }
    }
    String name = optionalText(n, at + "/name");
    if (name != null) {
      if (ref != null) {
        throw error(at + "/name", "'name' is only for local images (layout, archive): a registry image keeps its reference");
      }
      reference(name, at + "/name");
    }
    BundleSpec.TagFilter tags = tags(n, at + "/tags", ref);
    return new BundleSpec.Image(ref, layout, archive, name, platforms(n, at + "/platforms"), tags, line(at));
  }

  /** {@code tags: {semver: RANGE, regex: PATTERN}}: only with a ref naming a repository (no tag, no digest). */
  private BundleSpec.TagFilter tags(JsonNode parent, String at, String ref) {
    JsonNode n = parent.get("tags");
    if (n == null) {
      return null;
    }
    object(n, at);
    fields(n, at, Set.of("semver", "regex"));
    if (ref == null) {
      throw error(at, "'tags' selects tags of a registry repository: it needs 'ref'");
    }
    Reference r = Reference.parse(ref);
    if (r.digest() != null || r.tag() != null) {
      throw error(at, "with 'tags', 'ref' names a repository without tag or digest (" + r.name() + "), not " + ref);
    }
    String semver = optionalText(n, at + "/semver");
    String regex = optionalText(n, at + "/regex");
    if (semver == null && regex == null) {
      throw error(at, "'tags' needs 'semver' (a version range, e.g. \">=1.2 <2\"), 'regex' (matching the whole tag), or both");
    }
    if (semver != null) {
      try {
        SemverRange.parse(semver);
      } catch (InvalidInputException e) {
        throw error(at + "/semver", e.getMessage());
      }
    }
    if (regex != null) {
      try {
        java.util.regex.Pattern.compile(regex);
      } catch (java.util.regex.PatternSyntaxException e) {
        throw error(at + "/regex", "regex '" + regex + "' is not valid: " + e.getDescription());
      }
    }
    return new BundleSpec.TagFilter(semver, regex);
  }

  private BundleSpec.Chart chart(JsonNode n, String at) {
    object(n, at);
    fields(n, at, Set.of("repo", "name", "version", "ref", "images", "platforms"));
    String ref = optionalText(n, at + "/ref");
    String repo = optionalText(n, at + "/repo");
    String name = optionalText(n, at + "/name");
    String version = optionalText(n, at + "/version");
    if ((ref == null) == (repo == null)) {
      throw error(at, "a chart needs either 'ref' (oci://...) or 'repo' + 'name' + 'version'");
    }
    if (ref != null) {
      if (!ref.startsWith("oci://")) {
        throw error(at + "/ref", "chart ref '" + ref + "' must start with oci:// (use repo + name + version for HTTP repositories)");
      }
      Reference r = reference(ref.substring("oci://".length()), at + "/ref");
      if (r.tag() == null && r.digest() == null) {
        throw error(at + "/ref", "chart ref '" + ref + "' needs a version tag or digest");
      }
      if (name != null || version != null) {
        throw error(at, "an oci:// chart takes its name and version from 'ref'; remove 'name' and 'version'");
      }
    } else {
      if (!repo.startsWith("https://") && !repo.startsWith("http://")) {
        throw error(at + "/repo", "chart repo '" + repo + "' must be an http(s):// URL (use ref: oci://... for OCI charts)");
      }
      if (name == null) {
        throw error(at, "a chart from a repo needs 'name'");
      }
      if (!name.matches("[a-z0-9]([a-z0-9._-]*[a-z0-9])?")) {
        throw error(at + "/name", "chart name '" + name + "' is not valid");
      }
      if (version == null) {
        throw error(at, "a chart from a repo needs 'version' (a version or range, e.g. \">=3.2.0 <3.3.0\")");
      }
      try {
        SemverRange.parse(version);
      } catch (InvalidInputException e) {
        throw error(at + "/version", e.getMessage());
      }
    }
    JsonNode img = n.get("images");
    if (img != null && !img.isBoolean()) {
      throw error(at + "/images", "'images' must be true or false");
    }
    return new BundleSpec.Chart(repo, name, version, ref, img != null && img.booleanValue(),
        platforms(n, at + "/platforms"), line(at));
  }

  private BundleSpec.Artifact artifact(JsonNode n, String at) {
    object(n, at);
    fields(n, at, Set.of("ref", "path", "mediaType", "artifactType", "name"));
    String ref = optionalText(n, at + "/ref");
    String path = optionalText(n, at + "/path");
    if ((ref == null) == (path == null)) {
      throw error(at, "an artifact needs exactly one of 'ref' or 'path'");
    }
    String mediaType = optionalText(n, at + "/mediaType");
    String artifactType = optionalText(n, at + "/artifactType");
    String name = optionalText(n, at + "/name");
    if (ref != null) {
      reference(ref, at + "/ref");
      if (mediaType != null || artifactType != null || name != null) {
        throw error(at, "'mediaType', 'artifactType' and 'name' are only for local files (path)");
      }
    } else {
      if (mediaType == null) {
        throw error(at, "an artifact from a path needs 'mediaType' (e.g. application/vnd.cncf.flux.content.v1.tar+gzip)");
      }
      mediaTypeValid(mediaType, at + "/mediaType");
      if (artifactType != null) {
        mediaTypeValid(artifactType, at + "/artifactType");
      }
      if (name != null) {
        reference(name, at + "/name");
      }
    }
    return new BundleSpec.Artifact(ref, path, mediaType, artifactType, name, line(at));
  }

  private void mediaTypeValid(String mt, String at) {
    if (!mt.matches("[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]{0,126}/[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]{0,126}")) {
      throw error(at, "'" + mt + "' is not a media type (type/subtype)");
    }
  }

  private BundleSpec.Referrers referrers(JsonNode spec) {
    JsonNode r = spec.get("referrers");
    if (r == null || r.isNull()) {
      return BundleSpec.Referrers.defaults();
    }
    object(r, "/spec/referrers");
    fields(r, "/spec/referrers", Set.of("include", "cosignTags"));
    boolean defaults = !r.has("include") || r.get("include").isNull();
    boolean sig = defaults, sbom = defaults, att = defaults, other = false;
    int i = 0;
    for (JsonNode k : list(r, "/spec/referrers/include")) {
      String at = "/spec/referrers/include/" + i++;
      if (!k.isTextual()) {
        throw error(at, "referrer kinds are strings: signatures, sboms, attestations, all");
      }
      switch (k.asText()) {
        case "signatures" -> sig = true;
        case "sboms" -> sbom = true;
        case "attestations" -> att = true;
        case "all" -> {
          sig = true;
          sbom = true;
          att = true;
          other = true;
        }
        default -> throw error(at, "unknown referrer kind '" + k.asText() + "' (expected signatures, sboms, attestations or all)");
      }
    }
    JsonNode ct = r.get("cosignTags");
    if (ct != null && !ct.isBoolean()) {
      throw error("/spec/referrers/cosignTags", "'cosignTags' must be true or false");
    }
    return new BundleSpec.Referrers(sig, sbom, att, other, ct == null || ct.booleanValue());
  }

  private List<Platform> platforms(JsonNode parent, String at) {
    List<Platform> out = new ArrayList<>();
    int i = 0;
    for (JsonNode p : list(parent, at)) {
      String pat = at + "/" + i++;
      if (!p.isTextual()) {
        throw error(pat, "a platform is a string os/arch[/variant], e.g. linux/amd64");
      }
      try {
        out.add(Platform.parse(p.asText()));
      } catch (InvalidInputException e) {
        throw error(pat, e.getMessage());
      }
    }
    return out;
  }

  private Reference reference(String s, String at) {
    try {
      return Reference.parse(s);
    } catch (InvalidInputException e) {
      throw error(at, e.getMessage());
    }
  }

  private List<JsonNode> list(JsonNode parent, String at) {
    JsonNode n = parent.get(lastSegment(at));
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw error(at, "'" + lastSegment(at) + "' must be a list");
    }
    List<JsonNode> out = new ArrayList<>();
    n.forEach(out::add);
    return out;
  }

  private void object(JsonNode n, String at) {
    if (!n.isObject()) {
      throw error(at, "expected a mapping (key: value) here");
    }
  }

  private JsonNode requiredObject(JsonNode parent, String at) {
    JsonNode n = parent.get(lastSegment(at));
    if (n == null || n.isNull()) {
      throw error(parentOf(at), "missing '" + lastSegment(at) + "'");
    }
    object(n, at);
    return n;
  }

  private String requiredText(JsonNode parent, String at) {
    String s = optionalText(parent, at);
    if (s == null) {
      throw error(parentOf(at), "missing '" + lastSegment(at) + "'");
    }
    return s;
  }

  private String optionalText(JsonNode parent, String at) {
    JsonNode n = parent.get(lastSegment(at));
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isValueNode() || n.isBoolean()) {
      throw error(at, "'" + lastSegment(at) + "' must be a string");
    }
    String s = n.asText().trim();
    if (s.isEmpty()) {
      throw error(at, "'" + lastSegment(at) + "' is empty");
    }
    return s;
  }

  private void fields(JsonNode n, String at, Set<String> allowed) {
    Iterator<String> it = n.fieldNames();
    while (it.hasNext()) {
      String f = it.next();
      if (!allowed.contains(f)) {
        String where = at.isEmpty() ? "the top level" : pretty(at);
        throw error(at + "/" + f, "unknown field '" + f + "' in " + where + " (expected one of: "
            + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
      }
    }
  }

  private static String pretty(String pointer) {
    return pointer.substring(1).replaceAll("/(\\d+)", "[$1]").replace('/', '.');
  }

  private static String lastSegment(String pointer) {
    return pointer.substring(pointer.lastIndexOf('/') + 1);
  }

  private static String parentOf(String pointer) {
    int i = pointer.lastIndexOf('/');
    return i <= 0 ? "" : pointer.substring(0, i);
  }

  private int line(String pointer) {
    String p = pointer;
    while (true) {
      Integer l = lines.get(p);
      if (l != null) {
        return l;
      }
      if (p.isEmpty()) {
        return 1;
      }
      p = parentOf(p);
    }
  }

  private InvalidInputException error(String pointer, String message) {
    return new InvalidInputException(file + ":" + line(pointer) + ": " + message);
  }

  /** Records the line of every field and value by JSON pointer. */
  private void indexLines(byte[] bytes) throws IOException {
    try (JsonParser p = YAML.getFactory().createParser(bytes)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        String ptr = p.getParsingContext().pathAsPointer().toString();
        if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
          continue;
        }
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
          ptr = p.getParsingContext().getParent() == null ? "" : p.getParsingContext().getParent().pathAsPointer().toString();
        }
        lines.putIfAbsent(ptr, p.currentTokenLocation().getLineNr());
      }
    }
  }
}
