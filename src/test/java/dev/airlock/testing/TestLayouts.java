package dev.airlock.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Builds small images, indexes, cosign signatures and OCI 1.1 referrers in an OCI layout for tests. */
public final class TestLayouts {
  private TestLayouts() {}

  /** A gzip'd tar layer holding one file with {@code content}. */
  public static byte[] layer(String file, String content) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bos); TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
      byte[] b = content.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry e = new TarArchiveEntry(file);
      e.setSize(b.length);
      e.setModTime(0L);
      tar.putArchiveEntry(e);
      tar.write(b);
      tar.closeArchiveEntry();
    }
    return bos.toByteArray();
  }

  /** Stores an image manifest (OCI or Docker media types) with the given layers; not tagged. */
  public static RawManifest image(LayoutStore l, boolean docker, Platform p, byte[]... layers) throws IOException {
    ObjectNode cfg = Json.MAPPER.createObjectNode();
    cfg.put("architecture", p.architecture());
    cfg.put("os", p.os());
    if (p.variant() != null) {
      cfg.put("variant", p.variant());
    }
    ObjectNode rootfs = cfg.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffs = rootfs.putArray("diff_ids");
    List<Descriptor> ls = new ArrayList<>();
    for (byte[] layer : layers) {
      diffs.add(Digest.sha256(gunzip(layer)).toString());
      ls.add(l.putBytes(docker ? MediaTypes.DOCKER_LAYER_GZIP : MediaTypes.OCI_LAYER_GZIP, layer));
    }
    cfg.putObject("config").putArray("Cmd").add("/bin/true");
    Descriptor config = l.putBytes(docker ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG, Json.write(cfg));
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", docker ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST);
    m.set("config", Json.MAPPER.valueToTree(config));
    ArrayNode arr = m.putArray("layers");
    ls.forEach(d -> arr.add(Json.MAPPER.valueToTree(d)));
    return store(l, Json.write(m), null);
  }

  public static RawManifest index(LayoutStore l, boolean docker, List<RawManifest> children, List<Platform> platforms)
      throws IOException {
    ObjectNode idx = Json.MAPPER.createObjectNode();
    idx.put("schemaVersion", 2);
    idx.put("mediaType", docker ? MediaTypes.DOCKER_MANIFEST_LIST : MediaTypes.OCI_INDEX);
    ArrayNode arr = idx.putArray("manifests");
    for (int i = 0; i < children.size(); i++) {
      RawManifest c = children.get(i);
      arr.add(Json.MAPPER.valueToTree(Descriptor.of(c.mediaType(), c.digest(), c.size()).withPlatform(platforms.get(i))));
    }
    return store(l, Json.write(idx), null);
  }

  /** A cosign-format signature manifest (simple signing layer), stored under tag {@code sha256-<hex>.sig}. */
  public static RawManifest cosignSignature(LayoutStore l, String refPrefix, Digest subject) throws IOException {
    byte[] payload = ("{\"critical\":{\"identity\":{\"docker-reference\":\"x\"},\"image\":{\"docker-manifest-digest\":\""
        + subject + "\"},\"type\":\"cosign container image signature\"},\"optional\":null}").getBytes(StandardCharsets.UTF_8);
    Descriptor layer = l.putBytes(MediaTypes.COSIGN_SIMPLESIGNING, payload)
        .withAnnotation("dev.cosignproject.cosign/signature", "MEUCIQDfakefakefake=");
    Descriptor config = l.putBytes(MediaTypes.OCI_CONFIG, "{\"architecture\":\"\",\"os\":\"\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"config\":{}}".getBytes(StandardCharsets.UTF_8));
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    m.set("config", Json.MAPPER.valueToTree(config));
    m.putArray("layers").add(Json.MAPPER.valueToTree(layer));
    return store(l, Json.write(m), refPrefix + subject.tagForm() + ".sig");
  }

  /** An OCI 1.1 referrer: an SPDX SBOM with {@code subject}. */
  public static RawManifest spdxReferrer(LayoutStore l, RawManifest subject, String pkg, String version) throws IOException {
    byte[] sbom = ("{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"x\",\"packages\":[{\"name\":\"" + pkg
        + "\",\"versionInfo\":\"" + version + "\"}]}").getBytes(StandardCharsets.UTF_8);
    Descriptor layer = l.putBytes(MediaTypes.SPDX_JSON, sbom);
    Descriptor config = l.putBytes(MediaTypes.OCI_EMPTY, "{}".getBytes(StandardCharsets.UTF_8));
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    m.put("artifactType", MediaTypes.SPDX_JSON);
    m.set("config", Json.MAPPER.valueToTree(config));
    m.putArray("layers").add(Json.MAPPER.valueToTree(layer));
    m.set("subject", Json.MAPPER.valueToTree(Descriptor.of(subject.mediaType(), subject.digest(), subject.size())));
    return store(l, Json.write(m), null);
  }

  public static RawManifest store(LayoutStore l, byte[] bytes, String tag) throws IOException {
    RawManifest m = RawManifest.of(bytes, null, "test manifest");
    l.putManifest("", m, tag);
    return m;
  }

  public static void tag(LayoutStore l, RawManifest m, String tag) throws IOException {
    l.putManifest("", m, tag);
  }

  private static byte[] gunzip(byte[] gz) throws IOException {
    try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    }
  }
}
