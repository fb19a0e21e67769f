package dev.airlock.importer;

import static dev.airlock.testing.TestImages.layer;
import static dev.airlock.testing.TestImages.manifest;
import static dev.airlock.testing.TestImages.utf8;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.TestImages;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    Platform amd64 = Platform.of("linux", "amd64", null);
    Platform arm64 = Platform.of("linux", "arm64", "v8");
    Descriptor amdLayer = store.putBytes(MediaTypes.OCI_LAYER_GZIP, layer("hello-amd64.txt", "layer for amd64"));
    Descriptor armLayer = store.putBytes(MediaTypes.OCI_LAYER_GZIP, layer("hello-arm64.txt", "layer for arm64"));
    sharedLayer = amdLayer.digest();
    RawManifest amd = image(amd64, "layer for amd64", amdLayer);
    RawManifest arm = image(arm64, "layer for arm64", armLayer);
    RawManifest index = TestImages.index(store, List.of(amd, arm), List.of(amd64, arm64));
    multiIndex = index.digest();
    multiChildren.add(amd.digest());
    multiChildren.add(arm.digest());
    rootEntries.add(tag(index, MULTI));
    // a single-arch image on another host sharing the amd64 layer
    RawManifest appM = image(amd64, "app", amdLayer);
    app = appM.digest();
    rootEntries.add(tag(appM, APP));
    // a Helm chart
    Descriptor chartCfg = store.putBytes(MediaTypes.HELM_CONFIG, utf8("{\"apiVersion\":\"v2\",\"name\":\"mychart\",\"version\":\"0.1.0\"}"));
    Descriptor chartLayer = store.putBytes(MediaTypes.HELM_CHART, layer("mychart/Chart.yaml",
        "apiVersion: v2\nname: mychart\nversion: 0.1.0\n"));
    RawManifest chartM = TestImages.store(store, manifest(null, chartCfg, List.of(chartLayer), null), null);
    chart = chartM.digest();
    rootEntries.add(tag(chartM, CHART));
    // an artifact
    Descriptor empty = store.putBytes(MediaTypes.OCI_EMPTY, utf8("{}"));
    Descriptor notes = store.putBytes("text/plain", utf8("release notes\n")).withAnnotation(Descriptor.TITLE, "notes.txt");
    RawManifest artM = TestImages.store(store, manifest(NOTES_TYPE, empty, List.of(notes), null), null);
    artifact = artM.digest();
    rootEntries.add(tag(artM, ARTIFACT));
    // cosign tag-scheme signature of the multi-arch index
    String sigRefName = "docker.io/library/demo:" + multiIndex.tagForm() + ".sig";
    RawManifest sigM = TestImages.cosignSignature(store, sigRefName, "docker.io/library/demo", multiIndex, null);
    cosignSig = sigM.digest();
    rootEntries.add(entry(sigM).withAnnotation(Descriptor.REF_NAME, sigRefName));
    // OCI 1.1 referrers: a sigstore-bundle signature on the index, an SBOM on the app image
    RawManifest sigRef = TestImages.referrer(store, index, MediaTypes.SIGSTORE_BUNDLE_V03,
        utf8("{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\"}"));
    indexSignature = sigRef.digest();
    rootEntries.add(sigRef.descriptor());
    RawManifest sbom = TestImages.referrer(store, appM, MediaTypes.SPDX_JSON, utf8("{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[]}"));
    appSbom = sbom.digest();
    rootEntries.add(sbom.descriptor());
    // the bundle root (no metadata manifest: this is import/serve test content, not verifier input)
    ObjectNode root = TestImages.index(rootEntries).put("artifactType", BundleFormat.ROOT_ARTIFACT_TYPE);
    root.putObject("annotations").put(BundleFormat.ANNOTATION_BUNDLE_NAME, "sample");
    RawManifest rootM = TestImages.store(store, root, null);
    store.addIndexEntry(rootM.descriptor().withAnnotation(Descriptor.REF_NAME, BundleFormat.ROOT_REF_NAME));
  }

  /** An image of one layer whose config carries {@code salt}, so that two images on one platform and layer differ. */
  private RawManifest image(Platform platform, String salt, Descriptor layer) throws IOException {
    Descriptor cfg = store.putBytes(MediaTypes.OCI_CONFIG, TestImages.config(platform, salt, List.of()));
    return TestImages.store(store, manifest(null, cfg, List.of(layer), null), null);
  }

  /** Tags {@code m} as {@code ref} in index.json and returns its root entry. */
  private Descriptor tag(RawManifest m, String ref) throws IOException {
    Descriptor e = entry(m).withAnnotation(Descriptor.REF_NAME, ref);
    store.addIndexEntry(e);
    tagged.put(ref, m.digest());
    return e;
  }

  private static Descriptor entry(RawManifest m) {
    return Descriptor.of(m.mediaType(), m.digest(), m.size());
  }
}
