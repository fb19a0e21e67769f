package dev.airlock.verify;

import static dev.airlock.testing.TestImages.manifest;
import static dev.airlock.testing.TestImages.utf8;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.testing.TestImages;
import dev.airlock.verify.keys.SigningKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds a small airlock bundle tarball following docs/bundle-format.md: one image with a keyed cosign
 * {@code .sig} signature, the metadata manifest (catalog, lock, spec), the root index and, when signed,
 * the bundle signature. Written in the canonical tar form airlock writes.
 */
public final class TestBundle {
  static final String IMAGE_REF = "example.test/team/app:1.0";

  final Map<Digest, byte[]> blobs = new TreeMap<>();
  final Map<Digest, String> manifestTypes = new LinkedHashMap<>();
  Descriptor image;
  Descriptor sig;

  Descriptor put(String mediaType, byte[] bytes) {
    Descriptor d = Descriptor.of(mediaType, Digest.sha256(bytes), bytes.length);
    blobs.put(d.digest(), bytes);
    if (MediaTypes.isManifest(mediaType)) {
      manifestTypes.put(d.digest(), mediaType);
    }
    return d;
  }

  /** Builds the bundle; {@code signer} null = unsigned; {@code imageSigner} null = no image signature. */
  public static Path build(Path dir, SigningKey signer, SigningKey imageSigner, Instant created) throws Exception {
    return build(dir, signer, imageSigner, created, null);
  }

  /** As above; {@code tufRepoTar} not null = the metadata manifest carries it as a TUF repository layer. */
  static Path build(Path dir, SigningKey signer, SigningKey imageSigner, Instant created, byte[] tufRepoTar)
      throws Exception {
    return build(dir, signer, imageSigner, created, tufRepoTar, null);
  }

  /** Adds more entries (signatures, attestations, SBOMs, referrers) about {@link #image} to the bundle. */
  interface Extras {
    void add(TestBundle b, List<Descriptor> rootEntries) throws Exception;
  }

  /** A cosign tag-scheme manifest {@code sha256-<hex><suffix>} (e.g. ".sig", ".att") over the image. */
  Descriptor cosignTag(String suffix, List<Descriptor> layers) {
    Descriptor config = put(MediaTypes.OCI_CONFIG, TestImages.COSIGN_CONFIG);
    return put(MediaTypes.OCI_MANIFEST, Json.write(manifest(null, config, layers, null)))
        .withAnnotation(Descriptor.REF_NAME, "example.test/team/app:" + image.digest().tagForm() + suffix);
  }

  /** An OCI 1.1 referrer of the image with this artifact type and layers. */
  Descriptor referrer(String artifactType, List<Descriptor> layers) {
    put(MediaTypes.OCI_EMPTY, BundleSigner.EMPTY_CONFIG);
    return put(MediaTypes.OCI_MANIFEST, Json.write(manifest(artifactType, BundleSigner.EMPTY_DESCRIPTOR, layers, image)))
        .withArtifactType(artifactType);
  }

  static Path build(Path dir, SigningKey signer, SigningKey imageSigner, Instant created, byte[] tufRepoTar,
      Extras extras) throws Exception {
    TestBundle b = new TestBundle();
    Descriptor config = b.put(MediaTypes.OCI_CONFIG, TestImages.config(Platform.of("linux", "amd64", null), null, List.of()));
    Descriptor layer = b.put(MediaTypes.OCI_LAYER_GZIP, utf8("layer-bytes-that-are-not-json-0123456789"));
    b.image = b.put(MediaTypes.OCI_MANIFEST, Json.write(manifest(null, config, List.of(layer), null)))
        .withAnnotation(Descriptor.REF_NAME, IMAGE_REF);
    List<Descriptor> rootEntries = new ArrayList<>();
    rootEntries.add(b.image);
    if (imageSigner != null) {
      byte[] payload = TestImages.simpleSigningPayload("example.test/team/app", b.image.digest());
      Descriptor p = b.put(MediaTypes.COSIGN_SIMPLESIGNING, payload).withAnnotation(
          "dev.cosignproject.cosign/signature", Base64.getEncoder().encodeToString(imageSigner.sign(payload)));
      b.sig = b.cosignTag(".sig", List.of(p));
      rootEntries.add(b.sig);
    }
    if (extras != null) {
      extras.add(b, rootEntries);
    }
    // catalog
    Path catalog = dir.resolve("catalog-" + System.nanoTime() + ".db");
    b.writeCatalog(catalog, created);
    Descriptor cat = b.put(BundleFormat.CATALOG_MEDIA_TYPE, Files.readAllBytes(catalog))
        .withAnnotation(Descriptor.TITLE, BundleFormat.CATALOG_TITLE);
    Files.delete(catalog);
    Descriptor lock = b.put(BundleFormat.LOCK_MEDIA_TYPE, utf8("images:\n- " + IMAGE_REF + "@" + b.image.digest() + "\n"))
        .withAnnotation(Descriptor.TITLE, BundleFormat.LOCK_TITLE);
    Descriptor spec = b.put(BundleFormat.SPEC_MEDIA_TYPE, utf8("images:\n- " + IMAGE_REF + "\n"))
        .withAnnotation(Descriptor.TITLE, BundleFormat.SPEC_TITLE);
    b.put(MediaTypes.OCI_EMPTY, BundleSigner.EMPTY_CONFIG);
    List<Descriptor> metaLayers = new ArrayList<>(List.of(cat, lock, spec));
    if (tufRepoTar != null) {
      metaLayers.add(b.put(BundleFormat.TUF_REPO_MEDIA_TYPE, tufRepoTar).withAnnotation(Descriptor.TITLE, BundleFormat.TUF_REPO_TITLE));
    }
    Descriptor metadata = b.put(MediaTypes.OCI_MANIFEST, Json.write(manifest(BundleFormat.METADATA_ARTIFACT_TYPE,
        BundleSigner.EMPTY_DESCRIPTOR, metaLayers, null))).withArtifactType(BundleFormat.METADATA_ARTIFACT_TYPE);
    rootEntries.add(metadata);
    ObjectNode root = TestImages.index(rootEntries).put("artifactType", BundleFormat.ROOT_ARTIFACT_TYPE);
    root.putObject("annotations").put(BundleFormat.ANNOTATION_BUNDLE_NAME, "test").put(Descriptor.CREATED, created.toString());
    Descriptor rootDesc = b.put(MediaTypes.OCI_INDEX, Json.write(root)).withArtifactType(BundleFormat.ROOT_ARTIFACT_TYPE);
    List<Descriptor> index = new ArrayList<>(rootEntries);
    index.remove(metadata);
    index.add(rootDesc.withAnnotation(Descriptor.REF_NAME, BundleFormat.ROOT_REF_NAME));
    if (signer != null) {
      byte[] sb = BundleSigner.signBundle(signer, "test", created, rootDesc.digest(), cat.digest(), lock.digest());
      Descriptor sl = b.put(MediaTypes.SIGSTORE_BUNDLE_V03, sb);
      Descriptor sm = b.put(MediaTypes.OCI_MANIFEST, BundleSigner.signatureManifest(rootDesc, sl))
          .withArtifactType(MediaTypes.SIGSTORE_BUNDLE_V03);
      index.add(sm);
    }
    index.remove(b.image);
    index.add(0, b.image);
    Path tar = dir.resolve("bundle-" + System.nanoTime() + ".tar");
    b.writeTar(tar, Json.write(TestImages.index(index)));
    return tar;
  }

  void writeCatalog(Path file, Instant created) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      String schema;
      try (InputStream in = TestBundle.class.getResourceAsStream("/catalog/schema.sql")) {
        schema = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      StringBuilder sql = new StringBuilder();
      for (String line : schema.split("\n")) {
        if (!line.trim().startsWith("--")) {
          sql.append(line).append('\n');
        }
      }
      for (String stmt : sql.toString().split(";")) {
        if (!stmt.isBlank()) {
          s.executeUpdate(stmt);
        }
      }
      s.executeUpdate("INSERT INTO bundle VALUES (1, 'test', '', '" + created + "', 'test')");
      try (PreparedStatement pm = c.prepareStatement("INSERT INTO manifests (digest, media_type, size) VALUES (?, ?, ?)");
          PreparedStatement pb = c.prepareStatement("INSERT INTO blobs (digest, size) VALUES (?, ?)")) {
        for (var e : blobs.entrySet()) {
          boolean manifest = manifestTypes.containsKey(e.getKey());
          PreparedStatement p = manifest ? pm : pb;
          p.setString(1, e.getKey().toString());
          if (manifest) {
            p.setString(2, manifestTypes.get(e.getKey()));
            p.setLong(3, e.getValue().length);
          } else {
            p.setLong(2, e.getValue().length);
          }
          p.executeUpdate();
        }
      }
    }
  }

  void writeTar(Path file, byte[] indexJson) throws IOException {
    Map<String, byte[]> entries = new TreeMap<>();
    blobs.forEach((d, bytes) -> entries.put(d.blobPath(), bytes));
    entries.put("index.json", indexJson);
    entries.put("oci-layout", utf8("{\"imageLayoutVersion\":\"1.0.0\"}"));
    dev.airlock.testing.CanonicalTar.write(file, entries);
  }

  /** Where {@code content} starts in a bundle tar: a file's data begins on a 512-byte record. */
  public static int offsetOf(byte[] tar, byte[] content) {
    outer:
    for (int i = 0; i + content.length <= tar.length; i += 512) {
      for (int j = 0; j < content.length; j++) {
        if (tar[i + j] != content[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("content not found in tar");
  }

}
