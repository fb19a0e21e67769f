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
import dev.airlock.verify.keys.SigningKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Small, deterministic OCI content for tests: layer bytes, config, manifest and index JSON, and images,
 * indexes, OCI 1.1 referrers and cosign signatures stored in a {@link LayoutStore}.
 */
public final class TestImages {
  /** The config of a cosign tag-scheme manifest (a signature or attestation): no platform, no layers. */
  public static final byte[] COSIGN_CONFIG =
      utf8("{\"architecture\":\"\",\"os\":\"\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"config\":{}}");

  private TestImages() {}

  // ---- bytes

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  public static byte[] randomBytes(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** An uncompressed tar holding one file. */
  public static byte[] tar(String file, byte[] content) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      TarArchiveEntry e = new TarArchiveEntry(file);
      e.setSize(content.length);
      e.setModTime(0L);
      tar.putArchiveEntry(e);
      tar.write(content);
      tar.closeArchiveEntry();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Real gzip, so peers that sniff compression (skopeo) leave a layer as it is. */
  public static byte[] gzip(byte[] data) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** A gzip'd tar layer holding one file with {@code content}. */
  public static byte[] layer(String file, String content) {
    return layer(file, utf8(content));
  }

  public static byte[] layer(String file, byte[] content) {
    return gzip(tar(file, content));
  }

  /** A gzip'd tar layer holding {@code layer.txt} with {@code content}: the same text gives the same layer. */
  public static byte[] layer(String content) {
    return layer("layer.txt", content);
  }

  /** A gzip'd tar layer holding {@code size} pseudo-random bytes drawn from {@code seed}. */
  public static byte[] randomLayer(long seed, int size) {
    return layer("random.bin", randomBytes(seed, size));
  }

  /** {@code count} distinct {@link #randomLayer}s drawn from {@code seed}, of 1000, 1997, 2994... random bytes. */
  public static byte[][] randomLayers(long seed, int count) {
    byte[][] layers = new byte[count][];
    for (int i = 0; i < count; i++) {
      layers[i] = randomLayer(seed * 100 + i, 1000 + 997 * i);
    }
    return layers;
  }

  /** The diff_id of a gzip'd layer: the digest of its uncompressed tar. */
  public static Digest diffId(byte[] gzipLayer) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipLayer))) {
      return Digest.sha256(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- JSON

  /**
   * An image config for {@code platform} whose rootfs lists {@code diffIds}; {@code label}, when not null, is
   * set as a config label so that configs otherwise alike differ.
   */
  public static byte[] config(Platform platform, String label, List<Digest> diffIds) {
    ObjectNode cfg = Json.MAPPER.createObjectNode();
    cfg.put("architecture", platform.architecture());
    cfg.put("os", platform.os());
    if (platform.variant() != null) {
      cfg.put("variant", platform.variant());
    }
    ObjectNode inner = cfg.putObject("config");
    if (label != null) {
      inner.putObject("Labels").put("salt", label);
    }
    ObjectNode rootfs = cfg.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode ids = rootfs.putArray("diff_ids");
    diffIds.forEach(d -> ids.add(d.toString()));
    return Json.write(cfg);
  }

  /**
   * An image manifest; Docker media type when {@code config} is a Docker config, else OCI. {@code artifactType}
   * and {@code subject} may be null; the subject is written as media type, digest and size only.
   */
  public static ObjectNode manifest(String artifactType, Descriptor config, List<Descriptor> layers, Descriptor subject) {
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.DOCKER_CONFIG.equals(config.mediaType()) ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST);
    if (artifactType != null) {
      m.put("artifactType", artifactType);
    }
    m.set("config", Json.MAPPER.valueToTree(config));
    ArrayNode ls = m.putArray("layers");
    layers.forEach(l -> ls.add(Json.MAPPER.valueToTree(l)));
    if (subject != null) {
      m.set("subject", Json.MAPPER.valueToTree(Descriptor.of(subject.mediaType(), subject.digest(), subject.size())));
    }
    return m;
  }

  /** An OCI index over {@code manifests} (each as given: with its platform, annotations, artifact type). */
  public static ObjectNode index(List<Descriptor> manifests) {
    ObjectNode idx = Json.MAPPER.createObjectNode();
    idx.put("schemaVersion", 2);
    idx.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode ms = idx.putArray("manifests");
    manifests.forEach(d -> ms.add(Json.MAPPER.valueToTree(d)));
    return idx;
  }

  /** The simple-signing payload a cosign {@code .sig} layer carries for {@code image}. */
  public static byte[] simpleSigningPayload(String dockerReference, Digest image) {
    return utf8("{\"critical\":{\"identity\":{\"docker-reference\":\"" + dockerReference + "\"},\"image\":"
        + "{\"docker-manifest-digest\":\"" + image + "\"},\"type\":\"cosign container image signature\"},\"optional\":null}");
  }

  // ---- stored in a layout

  /** Stores a manifest or index, tagged {@code tag} (null: not tagged). */
  public static RawManifest store(LayoutStore l, ObjectNode json, String tag) throws IOException {
    RawManifest m = RawManifest.of(Json.write(json), null, "test manifest");
    l.putManifest("", m, tag);
    return m;
  }

  public static void tag(LayoutStore l, RawManifest m, String tag) throws IOException {
    l.putManifest("", m, tag);
  }

  /** Stores an OCI image with the given gzip'd layers (see {@link #layer}); not tagged. */
  public static RawManifest image(LayoutStore l, Platform platform, byte[]... layers) throws IOException {
    return image(l, false, platform, layers);
  }

  /** {@link #image} with Docker media types. */
  public static RawManifest dockerImage(LayoutStore l, Platform platform, byte[]... layers) throws IOException {
    return image(l, true, platform, layers);
  }

  private static RawManifest image(LayoutStore l, boolean docker, Platform platform, byte[]... layers) throws IOException {
    List<Descriptor> ls = new ArrayList<>();
    List<Digest> diffIds = new ArrayList<>();
    for (byte[] layer : layers) {
      ls.add(l.putBytes(docker ? MediaTypes.DOCKER_LAYER_GZIP : MediaTypes.OCI_LAYER_GZIP, layer));
      diffIds.add(diffId(layer));
    }
    Descriptor config = l.putBytes(docker ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG, config(platform, null, diffIds));
    return store(l, manifest(null, config, ls, null), null);
  }

  /** Stores an OCI index over {@code children}, the i-th with the i-th platform; not tagged. */
  public static RawManifest index(LayoutStore l, List<RawManifest> children, List<Platform> platforms) throws IOException {
    List<Descriptor> ms = new ArrayList<>();
    for (int i = 0; i < children.size(); i++) {
      RawManifest c = children.get(i);
      ms.add(Descriptor.of(c.mediaType(), c.digest(), c.size()).withPlatform(platforms.get(i)));
    }
    return store(l, index(ms), null);
  }

  /** A linux/amd64 + linux/arm64/v8 index whose images share a base layer, tagged {@code ref}. */
  public static RawManifest multiArch(LayoutStore l, String ref) throws IOException {
    Platform amd64 = Platform.of("linux", "amd64", null);
    Platform arm64 = Platform.of("linux", "arm64", "v8");
    RawManifest amd = image(l, amd64, layer("base layer"), layer("amd64 app"));
    RawManifest arm = image(l, arm64, layer("base layer"), layer("arm64 app"));
    RawManifest idx = index(l, List.of(amd, arm), List.of(amd64, arm64));
    tag(l, idx, ref);
    return idx;
  }

  /** An OCI 1.1 referrer of {@code subject}: empty config, one layer of {@code artifactType} holding {@code content}. */
  public static RawManifest referrer(LayoutStore l, RawManifest subject, String artifactType, byte[] content)
      throws IOException {
    return referrer(l, subject, artifactType, content, Map.of());
  }

  /** {@link #referrer(LayoutStore, RawManifest, String, byte[])} with manifest annotations. */
  public static RawManifest referrer(LayoutStore l, RawManifest subject, String artifactType, byte[] content,
      Map<String, String> annotations) throws IOException {
    Descriptor empty = l.putBytes(MediaTypes.OCI_EMPTY, utf8("{}"));
    Descriptor layer = l.putBytes(artifactType, content);
    ObjectNode m = manifest(artifactType, empty, List.of(layer), subject.descriptor());
    if (!annotations.isEmpty()) {
      m.set("annotations", Json.MAPPER.valueToTree(annotations));
    }
    return store(l, m, null);
  }

  /** An OCI 1.1 referrer: an SPDX SBOM naming one package, with {@code subject}. */
  public static RawManifest spdxReferrer(LayoutStore l, RawManifest subject, String pkg, String version) throws IOException {
    return referrer(l, subject, MediaTypes.SPDX_JSON, utf8("{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"x\",\"packages\":[{\"name\":\""
        + pkg + "\",\"versionInfo\":\"" + version + "\"}]}"));
  }

  /** A cosign signature of {@code subject} with a well-formed fake signature, tagged {@code sha256-<hex>.sig}. */
  public static RawManifest cosignSignature(LayoutStore l, Digest subject) throws IOException {
    return cosignSignature(l, subject.tagForm() + ".sig", "x", subject, null);
  }

  /**
   * A cosign simple-signing signature of {@code subject} naming {@code dockerReference}, tagged {@code tag}:
   * signed by {@code key}, or with a well-formed fake signature when it is null.
   */
  public static RawManifest cosignSignature(LayoutStore l, String tag, String dockerReference, Digest subject,
      SigningKey key) throws IOException {
    byte[] payload = simpleSigningPayload(dockerReference, subject);
    String signature = key == null ? "MEUCIQDfakefakefake=" : Base64.getEncoder().encodeToString(key.sign(payload));
    Descriptor layer = l.putBytes(MediaTypes.COSIGN_SIMPLESIGNING, payload)
        .withAnnotation("dev.cosignproject.cosign/signature", signature);
    Descriptor config = l.putBytes(MediaTypes.OCI_CONFIG, COSIGN_CONFIG);
    return store(l, manifest(null, config, List.of(layer), null), tag);
  }
}
