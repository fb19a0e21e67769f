package dev.airlock.testing;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds small images, indexes and referrers into a {@link LayoutStore} for tests. */
public final class TestImages {
  private final LayoutStore store;

  public TestImages(LayoutStore store) {
    this.store = store;
  }

  public Descriptor blob(String mediaType, String content) throws IOException {
    return store.putBytes(mediaType, content.getBytes(StandardCharsets.UTF_8));
  }

  /** An OCI image manifest with a config naming the platform and the given layer contents. */
  public RawManifest image(Platform platform, String... layers) throws IOException {
    Descriptor config = blob(MediaTypes.OCI_CONFIG,
        "{\"architecture\":\"" + platform.architecture() + "\",\"os\":\"" + platform.os() + "\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
    List<String> ls = new ArrayList<>();
    for (String l : layers) {
      Descriptor d = blob(MediaTypes.OCI_LAYER_GZIP, l);
      ls.add(desc(d));
    }
    String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":" + desc(config)
        + ",\"layers\":[" + String.join(",", ls) + "]}";
    return manifest(json);
  }

  /** An OCI index over the given manifests, each with its platform. */
  public RawManifest index(List<RawManifest> children, List<Platform> platforms) throws IOException {
    List<String> ms = new ArrayList<>();
    for (int i = 0; i < children.size(); i++) {
      RawManifest c = children.get(i);
      Platform p = platforms.get(i);
      ms.add("{\"mediaType\":\"" + c.mediaType() + "\",\"digest\":\"" + c.digest() + "\",\"size\":" + c.size()
          + ",\"platform\":{\"architecture\":\"" + p.architecture() + "\",\"os\":\"" + p.os() + "\""
          + (p.variant() != null ? ",\"variant\":\"" + p.variant() + "\"" : "") + "}}");
    }
    return manifest("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[" + String.join(",", ms) + "]}");
  }

  /** An OCI 1.1 artifact manifest (empty config) with one layer, pointing at {@code subject}. */
  public RawManifest referrer(RawManifest subject, String artifactType, String layerMediaType, String content)
      throws IOException {
    Descriptor empty = store.putBytes(MediaTypes.OCI_EMPTY, "{}".getBytes(StandardCharsets.UTF_8));
    Descriptor layer = blob(layerMediaType, content);
    String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"artifactType\":\""
        + artifactType + "\",\"config\":" + desc(empty) + ",\"layers\":[" + desc(layer) + "],\"subject\":{\"mediaType\":\""
        + subject.mediaType() + "\",\"digest\":\"" + subject.digest() + "\",\"size\":" + subject.size() + "}}";
    return manifest(json);
  }

  /** Parses a manifest's bytes; the caller stores it. */
  public RawManifest manifest(String json) throws IOException {
    RawManifest m = RawManifest.of(json.getBytes(StandardCharsets.UTF_8), null, "test manifest");
    return m;
  }

  public static String desc(Descriptor d) {
    return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":" + d.size() + "}";
  }

  public static Digest digestOf(String s) {
    return Digest.sha256(s.getBytes(StandardCharsets.UTF_8));
  }
}
