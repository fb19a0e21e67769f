package dev.airlock.registry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/** Small, deterministic images, indexes and artifacts written into an OCI layout for tests. */
final class TestImages {
  private TestImages() {}

  static byte[] randomBytes(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Real gzip, so peers that sniff compression (skopeo) leave the layer as it is. */
  static byte[] gzip(byte[] data) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  /** An image manifest with a config and {@code layers} random layers, stored and tagged {@code tag} (may be null). */
  static RawManifest image(LayoutStore layout, String tag, long seed, int layers, String arch) throws IOException {
    byte[] config = ("{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
        + "\"seed\":" + seed + "}").getBytes(StandardCharsets.UTF_8);
    Descriptor cfg = layout.putBytes(MediaTypes.OCI_CONFIG, config);
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    m.set("config", Json.MAPPER.valueToTree(cfg));
    ArrayNode ls = m.putArray("layers");
    for (int i = 0; i < layers; i++) {
      Descriptor l = layout.putBytes(MediaTypes.OCI_LAYER_GZIP, gzip(randomBytes(seed * 100 + i, 1000 + 997 * i)));
      ls.add(Json.MAPPER.valueToTree(l));
    }
    return store(layout, m, tag);
  }

  /** An artifact whose config has a custom media type, optionally a referrer of {@code subject}. */
  static RawManifest artifact(LayoutStore layout, String tag, String configType, String payload, RawManifest subject)
      throws IOException {
    Descriptor cfg = layout.putBytes(configType, "{}".getBytes(StandardCharsets.UTF_8));
    Descriptor blob = layout.putBytes("text/plain", payload.getBytes(StandardCharsets.UTF_8));
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    m.set("config", Json.MAPPER.valueToTree(cfg));
    m.putArray("layers").add(Json.MAPPER.valueToTree(blob));
    if (subject != null) {
      m.set("subject", Json.MAPPER.valueToTree(subject.descriptor().withArtifactType(null)));
      m.putObject("annotations").put("org.example.payload", payload);
    }
    return store(layout, m, tag);
  }

  /** An index over {@code children} (each with a linux platform of its architecture). */
  static RawManifest index(LayoutStore layout, String tag, List<RawManifest> children, List<String> archs) throws IOException {
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode ms = m.putArray("manifests");
    for (int i = 0; i < children.size(); i++) {
      ObjectNode d = Json.MAPPER.valueToTree(children.get(i).descriptor().withArtifactType(null));
      d.putObject("platform").put("os", "linux").put("architecture", archs.get(i));
      ms.add(d);
    }
    return store(layout, m, tag);
  }

  private static RawManifest store(LayoutStore layout, ObjectNode m, String tag) throws IOException {
    RawManifest raw = RawManifest.of(Json.write(m), null, "test manifest");
    layout.putManifest("", raw, tag);
    return raw;
  }
}
