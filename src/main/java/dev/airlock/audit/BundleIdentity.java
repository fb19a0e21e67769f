package dev.airlock.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.bundle.BundleArchive;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a bundle says about itself, read from the tar without verifying anything: the bundle id (the root
 * index digest, which the bundle signature covers and the import history records), the format version,
 * and the key ids its signatures name ({@code verificationMaterial.publicKey.hint}). Only a verification
 * with a pinned key turns a claimed key id into a fact.
 */
public record BundleIdentity(Digest rootDigest, int formatVersion, List<String> signatureKeyIds, int signatures) {
  private static final int CAP = 4 * 1024 * 1024;

  /** Reads index.json, the root index and the signature manifests and layers (each a small JSON blob). */
  public static BundleIdentity read(Path bundle) throws IOException {
    JsonNode index = one(bundle, "index.json");
    Digest root = null;
    List<String> candidates = new ArrayList<>();
    for (JsonNode m : index.path("manifests")) {
      String ref = m.path("annotations").path("org.opencontainers.image.ref.name").asText(null);
      if (BundleFormat.ROOT_REF_NAME.equals(ref)) {
        root = Digest.parse(m.path("digest").asText());
      } else if (ref == null && MediaTypes.SIGSTORE_BUNDLE_V03.equals(m.path("artifactType").asText())) {
        candidates.add(m.path("digest").asText());
      }
    }
    if (root == null) {
      throw new dev.airlock.InvalidInputException(bundle + " is not an airlock bundle: index.json has no "
          + BundleFormat.ROOT_REF_NAME);
    }
    Set<String> names = new HashSet<>();
    names.add(root.blobPath());
    for (String c : candidates) {
      names.add(Digest.parse(c).blobPath());
    }
    Map<String, byte[]> blobs = BundleArchive.readEntries(bundle, names, CAP);
    JsonNode rootIndex = tree(blobs, root.blobPath(), bundle);
    String version = rootIndex.path("annotations").path(BundleFormat.ANNOTATION_FORMAT_VERSION).asText(null);
    int formatVersion = version == null ? 1 : parseVersion(version);
    // a signature is an index.json entry the root does not list, whose subject is the root
    Set<String> listed = new HashSet<>();
    rootIndex.path("manifests").forEach(m -> listed.add(m.path("digest").asText()));
    List<String> layers = new ArrayList<>();
    int signatures = 0;
    for (String c : candidates) {
      JsonNode sig = tree(blobs, Digest.parse(c).blobPath(), bundle);
      if (listed.contains(c) || !root.toString().equals(sig.path("subject").path("digest").asText())) {
        continue;
      }
      signatures++;
      for (JsonNode l : sig.path("layers")) {
        layers.add(Digest.parse(l.path("digest").asText()).blobPath());
      }
    }
    List<String> keyIds = new ArrayList<>();
    if (!BundleArchive.isZstd(bundle)) {
      // a plain tar: read the signatures the way audit's signature line does
      try (dev.airlock.store.archive.TarLayoutStore store = dev.airlock.store.archive.TarLayoutStore.open(bundle)) {
        for (dev.airlock.verify.BundleSignatures.Claimed c : dev.airlock.verify.BundleSignatures.of(store, store.index())) {
          if (c.keyIdHint() != null && !keyIds.contains(c.keyIdHint())) {
            keyIds.add(c.keyIdHint());
          }
        }
      }
    } else {
      // one zstd stream: the signature layers, read in one more pass
      for (byte[] layer : BundleArchive.readEntries(bundle, new HashSet<>(layers), CAP).values()) {
        String hint = Json.tree(layer, "bundle signature").path("verificationMaterial").path("publicKey").path("hint")
            .asText(null);
        if (hint != null && !keyIds.contains(hint)) {
          keyIds.add(hint);
        }
      }
    }
    keyIds.sort(null);
    return new BundleIdentity(root, formatVersion, List.copyOf(keyIds), signatures);
  }

  private static int parseVersion(String v) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static JsonNode one(Path bundle, String name) throws IOException {
    return tree(BundleArchive.readEntries(bundle, Set.of(name), CAP), name, bundle);
  }

  private static JsonNode tree(Map<String, byte[]> blobs, String name, Path bundle) {
    byte[] b = blobs.get(name);
    if (b == null) {
      throw new dev.airlock.InvalidInputException(bundle + " has no entry " + name);
    }
    return Json.tree(b, name + " in " + bundle);
  }
}
