package dev.airlock.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps the referrers tag schema's {@code sha256-<hex>} index of a subject up to date on a registry
 * without the referrers API: a new referrer is added, every existing entry is kept (other tools' too).
 * The index is ours to write, so it is re-serialised; updates to one subject are serialised in-process.
 */
final class ReferrersFallbackTag {
  private final ManifestPuller puller;
  private final ManifestPusher pusher;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  ReferrersFallbackTag(ManifestPuller puller, ManifestPusher pusher) {
    this.puller = puller;
    this.pusher = pusher;
  }

  void add(String repository, RawManifest referrer) throws IOException {
    Descriptor subject = referrer.subject();
    String tag = subject.digest().tagForm();
    synchronized (locks.computeIfAbsent(repository + "|" + tag, k -> new Object())) {
      ObjectNode index;
      try {
        RawManifest existing = puller.get(repository, tag);
        index = existing.isIndex() ? (ObjectNode) existing.json() : fresh();
      } catch (RegistryNotFoundException e) {
        index = fresh();
      }
      ArrayNode entries = index.withArray("manifests");
      for (JsonNode e : entries) {
        if (referrer.digest().toString().equals(e.path("digest").asText())) {
          return; // already listed
        }
      }
      ObjectNode entry = Json.MAPPER.createObjectNode();
      entry.put("mediaType", referrer.mediaType());
      entry.put("digest", referrer.digest().toString());
      entry.put("size", referrer.size());
      if (referrer.artifactType() != null) {
        entry.put("artifactType", referrer.artifactType());
      }
      if (!referrer.annotations().isEmpty()) {
        ObjectNode ann = entry.putObject("annotations");
        referrer.annotations().forEach(ann::put);
      }
      entries.add(entry);
      byte[] bytes = Json.write(index);
      pusher.put(repository, RawManifest.of(bytes, MediaTypes.OCI_INDEX, "referrers index " + tag), tag);
    }
  }

  private static ObjectNode fresh() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("schemaVersion", 2);
    n.put("mediaType", MediaTypes.OCI_INDEX);
    n.putArray("manifests");
    return n;
  }
}
