package dev.airlock.importer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.store.LayoutStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Builds, in a layout directory, content shaped like a bundle (docs/bundle-format.md): a multi-arch
 * image, a single-arch image on another host sharing a layer, an OCI Helm chart, an artifact, a cosign
 * {@code .sig} tag, OCI 1.1 referrers (a signature on the index, an SBOM on the image) and a bundle root.
 */
public final class SampleContent {
  public static final String MULTI = "docker.io/library/demo:1.0";
  public static final String APP = "ghcr.io/acme/tools/app:2.0";
  public static final String CHART = "ghcr.io/acme/charts/mychart:0.1.0";
  public static final String ARTIFACT = "ghcr.io/acme/files/notes:v1";
  public static final String NOTES_TYPE = "application/vnd.acme.notes.v1";

  public final LayoutStore store;
  public Digest multiIndex;
  public final List<Digest> multiChildren = new ArrayList<>();
  public Digest app;
  public Digest chart;
  public Digest artifact;
  public Digest cosignSig;
  public Digest indexSignature;
  public Digest appSbom;
  public Digest sharedLayer;
  /** Every tagged source reference -> its digest (not the cosign tag nor the root). */
  public final Map<String, Digest> tagged = new LinkedHashMap<>();

  private SampleContent(LayoutStore store) {
    this.store = store;
  }

  public static SampleContent write(Path dir) throws IOException {
    SampleContent s = new SampleContent(LayoutStore.openOrCreate(dir));
    s.build();
    return s;
  }

  private void build() throws IOException {
    List<Descriptor> rootEntries = new ArrayList<>();
    // multi-arch image
    Descriptor amd = image("amd64", "layer for amd64");
    sharedLayer = lastLayer;
    Descriptor arm = image("arm64", "layer for arm64");
    ObjectNode idx = Json.MAPPER.createObjectNode();
    idx.put("schemaVersion", 2);
    idx.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode ms = idx.putArray("manifests");
    ms.add(Json.MAPPER.valueToTree(amd.withPlatform(Platform.of("linux", "amd64", null))));
    ms.add(Json.MAPPER.valueToTree(arm.withPlatform(Platform.of("linux", "arm64", "v8"))));
    Descriptor index = store.putBytes(MediaTypes.OCI_INDEX, Json.write(idx));
    multiIndex = index.digest();
    multiChildren.add(amd.digest());
    multiChildren.add(arm.digest());
    rootEntries.add(tag(index, MULTI));
    // a single-arch image on another host sharing the amd64 layer
    Descriptor appCfg = store.putBytes(MediaTypes.OCI_CONFIG, config("amd64", "app"));
    Descriptor appM = store.putBytes(MediaTypes.OCI_MANIFEST, manifest(null, appCfg, List.of(layerOf(sharedLayer)), null));
    app = appM.digest();
    rootEntries.add(tag(appM, APP));
    // a Helm chart
    Descriptor chartCfg = store.putBytes(MediaTypes.HELM_CONFIG,
        "{\"apiVersion\":\"v2\",\"name\":\"mychart\",\"version\":\"0.1.0\"}".getBytes(StandardCharsets.UTF_8));
    Descriptor chartLayer = store.putBytes(MediaTypes.HELM_CHART, gzipTar("mychart/Chart.yaml",
        "apiVersion: v2\nname: mychart\nversion: 0.1.0\n"));
    Descriptor chartM = store.putBytes(MediaTypes.OCI_MANIFEST, manifest(null, chartCfg, List.of(chartLayer), null));
    chart = chartM.digest();
    rootEntries.add(tag(chartM, CHART));
    // an artifact
    Descriptor empty = store.putBytes(MediaTypes.OCI_EMPTY, "{}".getBytes(StandardCharsets.UTF_8));
    Descriptor notes = store.putBytes("text/plain", "release notes\n".getBytes(StandardCharsets.UTF_8))
        .withAnnotation(Descriptor.TITLE, "notes.txt");
    Descriptor artM = store.putBytes(MediaTypes.OCI_MANIFEST, manifest(NOTES_TYPE, empty, List.of(notes), null));
    artifact = artM.digest();
    rootEntries.add(tag(artM, ARTIFACT));
    // cosign tag-scheme signature of the multi-arch index
    Descriptor sigLayer = store.putBytes(MediaTypes.COSIGN_SIMPLESIGNING,
        ("{\"critical\":{\"image\":{\"docker-manifest-digest\":\"" + multiIndex + "\"}}}").getBytes(StandardCharsets.UTF_8))
        .withAnnotation("dev.cosignproject.cosign/signature", "MEUCIQDfakeButWellFormed=");
    Descriptor sigCfg = store.putBytes(MediaTypes.OCI_CONFIG, "{\"architecture\":\"\",\"os\":\"\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes(StandardCharsets.UTF_8));
    Descriptor sigM = store.putBytes(MediaTypes.OCI_MANIFEST, manifest(null, sigCfg, List.of(sigLayer), null));
    cosignSig = sigM.digest();
    rootEntries.add(tag(sigM, "docker.io/library/demo:" + multiIndex.tagForm() + ".sig"));
    // OCI 1.1 referrers: a sigstore-bundle signature on the index, an SBOM on the app image
    Descriptor bundleLayer = store.putBytes(MediaTypes.SIGSTORE_BUNDLE_V03, "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\"}".getBytes(StandardCharsets.UTF_8));
    Descriptor sigRef = store.putBytes(MediaTypes.OCI_MANIFEST, manifest(MediaTypes.SIGSTORE_BUNDLE_V03, empty, List.of(bundleLayer), index));
    indexSignature = sigRef.digest();
    rootEntries.add(referrer(sigRef, MediaTypes.SIGSTORE_BUNDLE_V03));
    Descriptor sbomLayer = store.putBytes(MediaTypes.SPDX_JSON, "{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[]}".getBytes(StandardCharsets.UTF_8));
    Descriptor sbom = store.putBytes(MediaTypes.OCI_MANIFEST, manifest(MediaTypes.SPDX_JSON, empty, List.of(sbomLayer), appM));
    appSbom = sbom.digest();
    rootEntries.add(referrer(sbom, MediaTypes.SPDX_JSON));
    // the bundle root (no metadata manifest: this is import/serve test content, not verifier input)
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("schemaVersion", 2);
    root.put("mediaType", MediaTypes.OCI_INDEX);
    root.put("artifactType", BundleFormat.ROOT_ARTIFACT_TYPE);
    ArrayNode rm = root.putArray("manifests");
    rootEntries.forEach(e -> rm.add(Json.MAPPER.valueToTree(e)));
    root.putObject("annotations").put(BundleFormat.ANNOTATION_BUNDLE_NAME, "sample");
    Descriptor rootD = store.putBytes(MediaTypes.OCI_INDEX, Json.write(root));
    store.addIndexEntry(rootD.withArtifactType(BundleFormat.ROOT_ARTIFACT_TYPE)
        .withAnnotation(Descriptor.REF_NAME, BundleFormat.ROOT_REF_NAME));
  }

  private Digest lastLayer;
  private final Map<Digest, Long> layerSizes = new LinkedHashMap<>();

  private Descriptor image(String arch, String text) throws IOException {
    Descriptor layer = store.putBytes(MediaTypes.OCI_LAYER_GZIP, gzipTar("hello-" + arch + ".txt", text));
    lastLayer = layer.digest();
    layerSizes.put(layer.digest(), layer.size());
    Descriptor cfg = store.putBytes(MediaTypes.OCI_CONFIG, config(arch, text));
    return store.putBytes(MediaTypes.OCI_MANIFEST, manifest(null, cfg, List.of(layer), null));
  }

  private Descriptor layerOf(Digest d) {
    return Descriptor.of(MediaTypes.OCI_LAYER_GZIP, d, layerSizes.get(d));
  }

  private Descriptor tag(Descriptor d, String ref) throws IOException {
    Descriptor e = d.withAnnotation(Descriptor.REF_NAME, ref);
    store.addIndexEntry(e);
    tagged.put(ref, d.digest());
    if (ref.contains(":sha256-")) {
      tagged.remove(ref);
    }
    return e;
  }

  private Descriptor referrer(Descriptor d, String artifactType) throws IOException {
    Descriptor e = d.withArtifactType(artifactType);
    store.addIndexEntry(e);
    return e;
  }

  static byte[] config(String arch, String salt) {
    return ("{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"config\":{\"Labels\":{\"salt\":\"" + salt
        + "\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}").getBytes(StandardCharsets.UTF_8);
  }

  static byte[] manifest(String artifactType, Descriptor config, List<Descriptor> layers, Descriptor subject) {
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    if (artifactType != null) {
      m.put("artifactType", artifactType);
    }
    m.set("config", Json.MAPPER.valueToTree(config));
    ArrayNode ls = m.putArray("layers");
    layers.forEach(l -> ls.add(Json.MAPPER.valueToTree(l)));
    if (subject != null) {
      m.set("subject", Json.MAPPER.valueToTree(Descriptor.of(subject.mediaType(), subject.digest(), subject.size())));
    }
    return Json.write(m);
  }

  static byte[] gzipTar(String name, String text) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
      byte[] b = text.getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry e = new TarArchiveEntry(name);
      e.setSize(b.length);
      e.setModTime(0);
      tar.putArchiveEntry(e);
      tar.write(b);
      tar.closeArchiveEntry();
    }
    return bytes.toByteArray();
  }
}
