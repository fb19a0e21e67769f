package dev.airlock.verify.integrity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import dev.airlock.VerificationException;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.verify.tuf.TufRepoArchive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The checks after the streaming pass: every manifest's references are present (an index child may be
 * absent only when the catalog records it with {@code present = 0}), no blob is unreferenced, index.json
 * lists exactly the root's entries + the root + its signatures, and the catalog agrees with the layout.
 */
public final class BundleLayoutChecker {
  private final BundleScan scan;
  private final String where;
  /** Manifests parsed before the walk (the root, metadata and signatures), kept for it; the walk keeps none. */
  private final Map<Digest, RawManifest> manifests = new HashMap<>();
  /** Every manifest parsed (their number follows the images, not the blobs). */
  private final Set<Digest> manifestDigests = new HashSet<>();
  private boolean walking;

  private BundleLayoutChecker(BundleScan scan) {
    this.scan = scan;
    this.where = scan.bundle().toString();
  }

  public static BundleContents check(BundleScan scan) throws IOException {
    return new BundleLayoutChecker(scan).run();
  }

  private BundleContents run() throws IOException {
    JsonNode index = Json.tree(scan.indexBytes, "index.json in " + where);
    if (!index.path("manifests").isArray()) {
      throw new VerificationException(where + ": index.json has no 'manifests' array");
    }
    for (var it = index.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("schemaVersion") && !f.equals("mediaType") && !f.equals("manifests")) {
        throw new VerificationException(where + ": index.json has a field '" + f + "', which a bundle's index.json does not"
            + " have (only schemaVersion, mediaType and manifests; index.json is not signed)");
      }
    }
    List<Descriptor> entries = new ArrayList<>();
    List<JsonNode> entryNodes = new ArrayList<>();
    for (JsonNode n : index.path("manifests")) {
      if (!n.isObject()) {
        throw new VerificationException(where + ": index.json has an entry that is not a JSON object");
      }
      entryNodes.add(n);
      try {
        entries.add(Descriptor.fromTree(n));
      } catch (IllegalArgumentException e) {
        throw new VerificationException(where + ": index.json has an invalid entry: " + Json.firstLine(e.getMessage()));
      }
    }
    Descriptor root = null;
    int rootAt = -1;
    for (int i = 0; i < entries.size(); i++) {
      Descriptor d = entries.get(i);
      if (BundleFormat.ROOT_REF_NAME.equals(d.annotation(Descriptor.REF_NAME))) {
        if (root != null) {
          throw new VerificationException(where + ": index.json names the bundle root twice");
        }
        root = d;
        rootAt = i;
      }
    }
    if (root == null) {
      throw new VerificationException(where + ": index.json has no bundle root (" + BundleFormat.ROOT_REF_NAME + ")");
    }
    RawManifest rootIndex = parsed(root, "index.json");
    // the signature covers the root's digest: index.json's root entry must be the root's own descriptor
    bound(rootAt, root, entryNodes.get(rootAt), IndexBinding.rootEntry(rootIndex), "the bundle root's own descriptor");
    if (!rootIndex.isIndex() || !BundleFormat.ROOT_ARTIFACT_TYPE.equals(rootIndex.artifactType())) {
      throw new VerificationException(where + ": the bundle root " + root.digest() + " is not an airlock bundle index");
    }
    int formatVersion;
    try {
      formatVersion = BundleFormat.formatVersion(rootIndex.annotations().get(BundleFormat.ANNOTATION_FORMAT_VERSION));
    } catch (IllegalArgumentException e) {
      throw new VerificationException(where + ": " + e.getMessage());
    }
    // metadata manifest: catalog and lock
    Digest catalog = null;
    Digest lock = null;
    Digest tufRepo = null;
    Descriptor metadata = null;
    for (Descriptor d : rootIndex.manifests()) {
      RawManifest m = manifest(d, "the bundle root");
      if (!BundleFormat.METADATA_ARTIFACT_TYPE.equals(m.artifactType())) {
        manifests.remove(d.digest()); // content: parsed again by the walk, never kept (100 images of 1,000 layers)
      } else {
        metadata = d;
        for (Descriptor l : m.layers()) {
          if (BundleFormat.CATALOG_MEDIA_TYPE.equals(l.mediaType())) {
            catalog = l.digest();
          } else if (BundleFormat.LOCK_MEDIA_TYPE.equals(l.mediaType())) {
            lock = l.digest();
          } else if (BundleFormat.TUF_REPO_MEDIA_TYPE.equals(l.mediaType())) {
            tufRepo = l.digest();
          }
        }
      }
    }
    if (metadata == null || catalog == null || lock == null) {
      throw new VerificationException(where + ": the bundle root has no metadata manifest with catalog.db and bundle.lock.yaml");
    }
    // index.json = root's manifests + root + signatures of the root
    List<Descriptor> signatures = new ArrayList<>();
    Set<String> expected = new TreeSet<>();
    for (Descriptor d : rootIndex.manifests()) {
      if (!d.digest().equals(metadata.digest())) {
        expected.add(key(d));
      }
    }
    // index.json is not signed: each entry must be, field for field, a descriptor the signature covers
    Map<String, JsonNode> signed = new HashMap<>();
    JsonNode rootNodes = rootIndex.json().path("manifests");
    List<Descriptor> rootList = rootIndex.manifests();
    for (int i = 0; i < rootList.size(); i++) {
      if (signed.put(key(rootList.get(i)), rootNodes.get(i)) != null) {
        throw new VerificationException(where + ": the bundle root lists " + key(rootList.get(i)) + " twice");
      }
    }
    Set<String> listed = new HashSet<>();
    Set<String> actual = new TreeSet<>();
    for (int i = 0; i < entries.size(); i++) {
      Descriptor d = entries.get(i);
      if (!listed.add(key(d))) {
        throw new VerificationException(where + ": index.json lists " + key(d) + " twice");
      }
      if (d == root) {
        continue;
      }
      // parsed, not yet checked against d: d's fields are compared with the signed descriptor first
      RawManifest m = parsed(d, "index.json entry " + i);
      Descriptor subject = m.subject();
      JsonNode signedNode = signed.get(key(d));
      if (signedNode != null) {
        bound(i, d, entryNodes.get(i), signedNode, "the signed bundle root");
        if (!d.digest().equals(metadata.digest())) {
          actual.add(key(d)); // the metadata manifest may be listed in index.json or only in the root
        }
      } else if (subject != null && subject.digest().equals(root.digest()) && d.annotation(Descriptor.REF_NAME) == null) {
        if (!MediaTypes.SIGSTORE_BUNDLE_V03.equals(m.artifactType())) {
          throw new VerificationException(where + ": " + d.digest() + " refers to the bundle root but is not a Sigstore bundle signature");
        }
        bound(i, d, entryNodes.get(i), IndexBinding.ownDescriptor(m), "the signature manifest's own descriptor");
        signatures.add(d);
      } else {
        actual.add(key(d));
      }
      if (!signatures.contains(d) && !d.digest().equals(metadata.digest())) {
        manifests.remove(d.digest()); // content: the walk parses it again and keeps none
      }
    }
    if (!expected.equals(actual)) {
      Set<String> extra = new TreeSet<>(actual);
      extra.removeAll(expected);
      Set<String> missing = new TreeSet<>(expected);
      missing.removeAll(actual);
      throw new VerificationException(where + ": index.json does not match the bundle root: "
          + (extra.isEmpty() ? "" : "not in the root: " + extra.iterator().next() + " ")
          + (missing.isEmpty() ? "" : "missing from index.json: " + missing.iterator().next()));
    }
    Path catalogFile = scan.spooled(catalog);
    if (catalogFile == null || !scan.blobs.containsKey(catalog)) {
      throw new VerificationException(where + ": catalog blob " + catalog + " is missing or is not an SQLite database");
    }
    try (CatalogView cat = CatalogView.open(catalogFile, catalog)) {
      // walk everything from index.json; content (outside the metadata and signature trees) must be catalogued
      Set<Digest> reached = new HashSet<>();
      Set<Digest> content = new HashSet<>();
      int absent = 0;
      // a delta's left-out blobs, seen once each: 100,000 of them cost a temporary file, not the heap
      dev.airlock.delta.SpillSet expectedAtTarget = dev.airlock.delta.SpillSet.create("verify-expected");
      try {
      Deque<Descriptor[]> todo = new ArrayDeque<>();
      for (Descriptor d : entries) {
        todo.push(new Descriptor[] {d, null});
      }
      Set<Digest> airlockOwn = new HashSet<>();
      airlockOwn.add(root.digest());
      airlockOwn.add(metadata.digest());
      signatures.forEach(s -> airlockOwn.add(s.digest()));
      Set<Digest> ownTree = new HashSet<>();
      for (Digest d : airlockOwn) {
        ownTree.add(d);
        RawManifest m = manifests.get(d);
        if (m != null && !m.isIndex()) {
          m.children().forEach(c -> ownTree.add(c.digest()));
        }
      }
      walking = true;
      while (!todo.isEmpty()) {
        Descriptor[] item = todo.pop();
        Descriptor d = item[0];
        Descriptor parent = item[1];
        if (!d.urls().isEmpty() && !MediaTypes.isForeignLayer(d.mediaType())) {
          throw new VerificationException(where + ": " + (parent == null ? "index.json" : "manifest " + parent.digest())
              + " gives urls for " + d.digest() + " ('" + d.mediaType() + "'): urls are allowed only on foreign"
              + " (non-distributable) layers");
        }
        if (!scan.blobs.containsKey(d.digest())) {
          if (parent != null && MediaTypes.isIndex(parent.mediaType()) && cat.absentChild(parent.digest(), d.digest())) {
            absent++;
            continue;
          }
          if (MediaTypes.isForeignLayer(d.mediaType())) {
            continue;
          }
          if (formatVersion >= BundleFormat.DELTA_FORMAT_VERSION && parent != null
              && !MediaTypes.isIndex(parent.mediaType()) && cat.expectedAtTarget(d.digest(), d.size())) {
            expectedAtTarget.add(d.digest().toString()); // a delta: left out, the import checks the target has it
            continue;
          }
          throw new VerificationException(where + ": " + (parent == null ? "index.json" : "manifest " + parent.digest())
              + " references " + d.digest() + ", which is not in the bundle"
              + (parent != null && MediaTypes.isIndex(parent.mediaType()) ? " nor recorded as absent in the catalog" : ""));
        }
        if (scan.blobs.get(d.digest()) != d.size()) {
          throw new VerificationException(where + ": blob " + d.digest() + " has size " + scan.blobs.get(d.digest())
              + " but is referenced with size " + d.size());
        }
        if (!ownTree.contains(d.digest())) {
          content.add(d.digest());
        }
        if (!reached.add(d.digest())) {
          continue;
        }
        if (MediaTypes.isManifest(d.mediaType())) {
          RawManifest m = manifest(d, parent == null ? "index.json" : "manifest " + parent.digest());
          Descriptor self = Descriptor.of(m.mediaType(), m.digest(), m.size());
          for (Descriptor c : m.children()) {
            todo.push(new Descriptor[] {c, self});
          }
        }
      }
      for (Digest b : scan.blobs.keySet()) {
        if (!reached.contains(b)) {
          throw new VerificationException(where + ": blob " + b + " is in the tar but nothing in the bundle references it");
        }
      }
      cat.checkAgainst(scan.blobs, content, manifestDigests, where);
      Digest metadataDigest = metadata.digest();
      List<Descriptor> rootEntries = rootIndex.manifests().stream()
          .filter(d -> !d.digest().equals(metadataDigest)).toList();
      Path tufFile = null;
      if (tufRepo != null) {
        tufFile = scan.spooled(tufRepo);
        if (tufFile == null) {
          throw new VerificationException(where + ": the carried TUF repository " + tufRepo
              + " is not a TUF repository archive (or is larger than " + TufRepoArchive.MAX_TOTAL_BYTES + " bytes)");
        }
      }
      return new BundleContents(formatVersion, root, catalog, catalogFile, lock, signatures, rootEntries,
          manifestDigests.size(), scan.blobs.size(), absent, tufRepo, tufFile, (int) expectedAtTarget.size());
      } finally {
        expectedAtTarget.close();
      }
    }
  }

  private static String key(Descriptor d) {
    String ref = d.annotation(Descriptor.REF_NAME);
    return d.digest() + (ref == null ? "" : " (" + ref + ")");
  }

  /** index.json entry {@code i} must equal {@code signed} in every field. */
  private void bound(int i, Descriptor d, JsonNode entry, JsonNode signed, String what) {
    String diff = IndexBinding.difference(entry, signed);
    if (diff != null) {
      throw new VerificationException(where + ": index.json entry " + i + " (" + key(d) + ") differs from " + what
          + " in " + diff + " (index.json is not signed; its entries must equal the signed descriptors)");
    }
  }

  /**
   * The manifest {@code d} reaches, whose own media type must be the one {@code d} gives (an OCI manifest
   * described as an index, as a Docker manifest or as {@code application/octet-stream} is refused).
   */
  private RawManifest manifest(Descriptor d, String from) throws IOException {
    RawManifest m = parsed(d, from);
    if (!m.mediaType().equals(d.mediaType())) {
      throw new VerificationException(where + ": " + from + " describes manifest " + d.digest() + " as "
          + (d.mediaType() == null ? "having no media type" : "'" + d.mediaType() + "'") + " but it is '"
          + m.mediaType() + "'");
    }
    return m;
  }

  private RawManifest parsed(Descriptor d, String from) throws IOException {
    RawManifest m = manifests.get(d.digest());
    if (m != null) {
      return m;
    }
    if (!scan.blobs.containsKey(d.digest())) {
      throw new VerificationException(where + ": " + from + " references manifest " + d.digest() + ", which is not in the bundle");
    }
    Path p = scan.spooled(d.digest());
    if (p == null) {
      throw new VerificationException(where + ": manifest " + d.digest() + " is not JSON or is larger than "
          + Json.MANIFEST_CAP + " bytes");
    }
    try {
      m = RawManifest.of(Files.readAllBytes(p), d.mediaType(), d.digest(), "manifest " + d.digest());
    } catch (InvalidInputException e) {
      throw new VerificationException(where + ": " + e.getMessage());
    }
    manifestDigests.add(d.digest());
    if (!walking) {
      manifests.put(d.digest(), m);
    }
    return m;
  }
}
