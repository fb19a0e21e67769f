package dev.airlock.charts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a chart archive (.tgz) into an OCI chart the way {@code helm push} does: config
 * {@value MediaTypes#HELM_CONFIG} holding Chart.yaml's fields as JSON (Helm's field order), one layer
 * {@value MediaTypes#HELM_CHART} holding the archive as is. The manifest carries no timestamp, so the
 * same archive always gives the same digest.
 */
public final class ChartPackager {
  private ChartPackager() {}

  /** A chart stored in a layout: its manifest, what its archive says, and the archive's digest. */
  public record PackagedChart(RawManifest manifest, ChartContents contents, Digest archiveDigest, long archiveSize) {}

  public static PackagedChart pack(Path tgz, LayoutStore layout) throws IOException {
    Digest archive = digestOf(tgz);
    long size = Files.size(tgz);
    ChartContents contents;
    try (InputStream in = Files.newInputStream(tgz)) {
      contents = ChartContents.read(in, "chart archive " + tgz.getFileName());
    }
    Descriptor layer = Descriptor.of(MediaTypes.HELM_CHART, archive, size);
    layout.putBlob("", layer, () -> Files.newInputStream(tgz));
    Descriptor config = layout.putBytes(MediaTypes.HELM_CONFIG, Json.write(helmConfig(contents.chartYaml())));
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    m.set("config", Json.MAPPER.valueToTree(config));
    m.putArray("layers").add(Json.MAPPER.valueToTree(layer));
    ObjectNode ann = m.putObject("annotations");
    if (contents.chartYaml().path("description").isTextual()) {
      ann.put("org.opencontainers.image.description", contents.chartYaml().path("description").asText());
    }
    ann.put(Descriptor.TITLE, contents.name());
    ann.put("org.opencontainers.image.version", contents.version());
    byte[] bytes = Json.write(m);
    RawManifest manifest = RawManifest.of(bytes, MediaTypes.OCI_MANIFEST, "chart manifest " + contents.name());
    layout.putBytes(MediaTypes.OCI_MANIFEST, bytes);
    return new PackagedChart(manifest, contents, archive, size);
  }

  /** Chart.yaml as Helm's {@code chart.Metadata} JSON: Helm's field order, empty fields left out. */
  static ObjectNode helmConfig(JsonNode c) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    str(o, c, "name");
    str(o, c, "home");
    strings(o, c, "sources");
    str(o, c, "version");
    str(o, c, "description");
    strings(o, c, "keywords");
    if (c.path("maintainers").isArray() && !c.path("maintainers").isEmpty()) {
      ArrayNode arr = o.putArray("maintainers");
      for (JsonNode mt : c.path("maintainers")) {
        ObjectNode x = arr.addObject();
        str(x, mt, "name");
        str(x, mt, "email");
        str(x, mt, "url");
      }
    }
    str(o, c, "icon");
    str(o, c, "apiVersion");
    str(o, c, "condition");
    str(o, c, "tags");
    str(o, c, "appVersion");
    if (c.path("deprecated").asBoolean(false)) {
      o.put("deprecated", true);
    }
    if (c.path("annotations").isObject() && !c.path("annotations").isEmpty()) {
      Map<String, String> sorted = new TreeMap<>();
      Iterator<Map.Entry<String, JsonNode>> it = c.path("annotations").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        sorted.put(e.getKey(), e.getValue().asText());
      }
      ObjectNode a = o.putObject("annotations");
      sorted.forEach(a::put);
    }
    str(o, c, "kubeVersion");
    if (c.path("dependencies").isArray() && !c.path("dependencies").isEmpty()) {
      ArrayNode arr = o.putArray("dependencies");
      for (JsonNode d : c.path("dependencies")) {
        ObjectNode x = arr.addObject();
        x.put("name", d.path("name").asText(""));
        str(x, d, "version");
        x.put("repository", d.path("repository").asText(""));
        str(x, d, "condition");
        strings(x, d, "tags");
        if (d.path("enabled").asBoolean(false)) {
          x.put("enabled", true);
        }
        if (d.has("import-values")) {
          x.set("import-values", d.get("import-values"));
        }
        str(x, d, "alias");
      }
    }
    str(o, c, "type");
    return o;
  }

  private static void str(ObjectNode o, JsonNode src, String field) {
    JsonNode v = src.get(field);
    if (v != null && v.isValueNode() && !v.isNull() && !v.asText().isEmpty()) {
      o.put(field, v.asText());
    }
  }

  private static void strings(ObjectNode o, JsonNode src, String field) {
    JsonNode v = src.get(field);
    if (v != null && v.isArray() && !v.isEmpty()) {
      ArrayNode arr = o.putArray(field);
      v.forEach(x -> arr.add(x.asText()));
    }
  }

  static Digest digestOf(Path file) throws IOException {
    java.security.MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) >= 0) {
        md.update(buf, 0, n);
      }
    }
    return Digest.of(Digest.Algorithm.SHA256, md.digest());
  }
}
