package dev.airlock.store;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Small, deterministic test images built in the test itself: gzip tar layers, configs, manifests, indexes. */
public final class TestImages {
  private TestImages() {}

  /** An image written to a store: its manifest and the blobs it references. */
  public record Image(RawManifest manifest, Descriptor config, List<Descriptor> layers, Platform platform) {
    public Descriptor descriptor() {
      return Descriptor.of(manifest.mediaType(), manifest.digest(), manifest.size()).withPlatform(platform);
    }
  }

  /** An uncompressed tar with one file. */
  public static byte[] tar(String fileName, String content) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      byte[] data = content.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry e = new TarArchiveEntry(fileName);
      e.setSize(data.length);
      e.setModTime(0);
      e.setMode(0644);
      tar.putArchiveEntry(e);
      tar.write(data);
      tar.closeArchiveEntry();
      tar.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  public static byte[] gzip(byte[] data) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Writes one image (OCI or Docker media types) whose layers are gzip tars of the given files. */
  public static Image image(LayoutStore store, boolean docker, Platform platform, String... fileContents) throws IOException {
    List<Descriptor> layers = new ArrayList<>();
    List<String> diffIds = new ArrayList<>();
    for (int i = 0; i < fileContents.length; i++) {
      byte[] tar = tar("file" + i + ".txt", fileContents[i]);
      diffIds.add("\"" + Digest.sha256(tar) + "\"");
      layers.add(store.putBytes(docker ? MediaTypes.DOCKER_LAYER_GZIP : MediaTypes.OCI_LAYER_GZIP, gzip(tar)));
    }
    String variant = platform.variant() == null ? "" : ",\"variant\":\"" + platform.variant() + "\"";
    String cfg = "{\"architecture\":\"" + platform.architecture() + "\",\"os\":\"" + platform.os() + "\"" + variant
        + ",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + String.join(",", diffIds) + "]}}";
    Descriptor config = store.putBytes(docker ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG, utf8(cfg));
    StringBuilder m = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"")
        .append(docker ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST).append("\",\"config\":")
        .append(descriptorJson(config)).append(",\"layers\":[");
    for (int i = 0; i < layers.size(); i++) {
      m.append(i > 0 ? "," : "").append(descriptorJson(layers.get(i)));
    }
    m.append("]}");
    RawManifest manifest = RawManifest.of(utf8(m.toString()), null, "test image");
    store.putManifest("", manifest, null);
    return new Image(manifest, config, layers, platform);
  }

  /** Writes an index (OCI or Docker manifest list) over images already in the store. */
  public static RawManifest index(LayoutStore store, boolean docker, List<Image> images) throws IOException {
    StringBuilder b = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"")
        .append(docker ? MediaTypes.DOCKER_MANIFEST_LIST : MediaTypes.OCI_INDEX).append("\",\"manifests\":[");
    for (int i = 0; i < images.size(); i++) {
      Image im = images.get(i);
      Platform p = im.platform();
      b.append(i > 0 ? "," : "").append("{\"mediaType\":\"").append(im.manifest().mediaType()).append("\",\"digest\":\"")
          .append(im.manifest().digest()).append("\",\"size\":").append(im.manifest().size())
          .append(",\"platform\":{\"architecture\":\"").append(p.architecture()).append("\",\"os\":\"").append(p.os())
          .append('"').append(p.variant() == null ? "" : ",\"variant\":\"" + p.variant() + "\"").append("}}");
    }
    b.append("]}");
    RawManifest idx = RawManifest.of(utf8(b.toString()), null, "test index");
    store.putManifest("", idx, null);
    return idx;
  }

  /** An OCI 1.1 artifact (empty config, one SPDX layer) whose subject is {@code subject}. */
  public static RawManifest sbomReferrer(LayoutStore store, RawManifest subject, String sbom) throws IOException {
    Descriptor empty = store.putBytes(MediaTypes.OCI_EMPTY, utf8("{}"));
    Descriptor layer = store.putBytes(MediaTypes.SPDX_JSON, utf8(sbom));
    String m = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"artifactType\":\""
        + MediaTypes.SPDX_JSON + "\",\"config\":" + descriptorJson(empty) + ",\"layers\":[" + descriptorJson(layer)
        + "],\"subject\":{\"mediaType\":\"" + subject.mediaType() + "\",\"digest\":\"" + subject.digest()
        + "\",\"size\":" + subject.size() + "},\"annotations\":{\"org.opencontainers.image.created\":\"2024-01-01T00:00:00Z\"}}";
    RawManifest r = RawManifest.of(utf8(m), null, "test referrer");
    store.putManifest("", r, null);
    return r;
  }

  static String descriptorJson(Descriptor d) {
    return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":" + d.size() + "}";
  }

  /** A multi-arch index (linux/amd64 + linux/arm64) sharing a base layer, tagged {@code ref}. */
  public static RawManifest multiArch(LayoutStore store, boolean docker, String ref) throws IOException {
    Image amd = image(store, docker, Platform.of("linux", "amd64", null), "base layer", "amd64 app");
    Image arm = image(store, docker, Platform.of("linux", "arm64", "v8"), "base layer", "arm64 app");
    RawManifest idx = index(store, docker, List.of(amd, arm));
    store.putManifest("", idx, ref);
    return idx;
  }
}
