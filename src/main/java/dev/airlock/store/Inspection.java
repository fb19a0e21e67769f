package dev.airlock.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.manifestlists.IndexChildren;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Walks what a ref names in a store (an index, its manifests, their blobs and referrers) and describes it.
 * Every manifest read is digest-checked; every blob is checked to be present with the announced size, and
 * with {@code verifyBlobs} read and hashed too. Children of an index that the store does not hold are
 * reported as absent (a sparse index), not as an error.
 */
public final class Inspection {
  /** Cosign's tag-based attachments: {@code sha256-<hex>.sig}, {@code .att}, {@code .sbom}. */
  public static final List<String> COSIGN_SUFFIXES = List.of(".sig", ".att", ".sbom");

  /** A referrer: found through the referrers API / index ({@code via = "referrers"}) or a cosign tag. */
  public record Referrer(String via, String tag, Descriptor descriptor) {}

  /**
   * One manifest or index. {@code platform} is the index's claim for a child, else the config's;
   * {@code present} is false for an index child the store does not hold (the other fields are then empty).
   */
  public record Node(Descriptor descriptor, Platform platform, String role, boolean present, Descriptor config,
      List<Descriptor> layers, List<Node> children, List<Referrer> referrers) {}

  /** What a ref names: the tree and the size of its unique blobs (manifests included). */
  public record Report(String ref, Node root, long uniqueBytes, int uniqueBlobs) {}

  private final ContentStore store;
  private final String repository;
  private final boolean verifyBlobs;
  private final Map<Digest, Long> unique = new LinkedHashMap<>();

  private Inspection(ContentStore store, String repository, boolean verifyBlobs) {
    this.store = store;
    this.repository = repository;
    this.verifyBlobs = verifyBlobs;
  }

  public static Report inspect(ContentStore store, String repository, String ref, boolean verifyBlobs) throws IOException {
    Inspection in = new Inspection(store, repository, verifyBlobs);
    Descriptor d = store.resolve(repository, ref).orElseThrow(() -> new NotFoundException(
        "'" + ref + "' is not in " + store.describe()));
    Node root = in.node(d, null, ref, cosignPrefix(ref));
    long total = in.unique.values().stream().mapToLong(Long::longValue).sum();
    return new Report(ref, root, total, in.unique.size());
  }

  /** The part of a ref name that cosign tags share: {@code example.com/app:} for {@code example.com/app:1.0}. */
  static String cosignPrefix(String ref) {
    if (Digest.isValid(ref)) {
      return "";
    }
    int slash = ref.lastIndexOf('/');
    int colon = ref.lastIndexOf(':');
    return colon > slash ? ref.substring(0, colon + 1) : "";
  }

  private Node node(Descriptor d, Platform claimed, String role, String cosignPrefix) throws IOException {
    RawManifest m = store.getManifest(repository, d.digest().toString());
    unique.put(m.digest(), (long) m.size());
    Descriptor desc = new Descriptor(m.mediaType(), m.digest(), m.size(), null, d.annotations(), claimed, m.artifactType());
    List<Node> children = new ArrayList<>();
    Descriptor config = null;
    List<Descriptor> layers = List.of();
    Platform platform = claimed;
    if (m.isIndex()) {
      for (Descriptor c : m.manifests()) {
        String childRole = IndexChildren.isAttestation(c) ? IndexChildren.describe(c) : "manifest";
        // a registry keeps child manifests as manifests, not as blobs of the repository: ask for one
        if (store.resolve(repository, c.digest().toString()).isPresent()) {
          children.add(node(c, c.platform(), childRole, cosignPrefix));
        } else {
          children.add(new Node(c, c.platform(), childRole, false, null, List.of(), List.of(), List.of()));
        }
      }
    } else {
      config = m.config();
      layers = m.layers();
      checkBlob(config, m, "config");
      for (int i = 0; i < layers.size(); i++) {
        checkBlob(layers.get(i), m, "layer " + i);
      }
      if (platform == null) {
        platform = platformFromConfig(config);
      }
    }
    return new Node(desc, platform, role, true, config, layers, children, referrers(m.digest(), cosignPrefix));
  }

  private void checkBlob(Descriptor b, RawManifest m, String what) throws IOException {
    if (MediaTypes.DOCKER_FOREIGN_LAYER.equals(b.mediaType()) || !b.urls().isEmpty()) {
      return;
    }
    OptionalLong size = store.blobSize(repository, b.digest());
    if (size.isEmpty()) {
      throw new NotFoundException("blob " + b.digest() + " (" + what + " of manifest " + m.digest() + ") is missing from "
          + store.describe());
    }
    if (size.getAsLong() != b.size()) {
      throw new DigestMismatchException("blob " + b.digest() + " (" + what + " of manifest " + m.digest() + ") in "
          + store.describe() + " size", b.size() + " bytes", size.getAsLong() + " bytes");
    }
    if (verifyBlobs && !unique.containsKey(b.digest())) {
      try (InputStream in = store.openBlob(repository, b)) {
        in.transferTo(OutputStream.nullOutputStream());
      }
    }
    unique.put(b.digest(), b.size());
  }

  private Platform platformFromConfig(Descriptor config) throws IOException {
    if (config == null || config.size() > Json.MANIFEST_CAP
        || !(MediaTypes.OCI_CONFIG.equals(config.mediaType()) || MediaTypes.DOCKER_CONFIG.equals(config.mediaType()))) {
      return null;
    }
    byte[] bytes;
    try (InputStream in = store.openBlob(repository, config)) {
      bytes = Json.readCapped(in, Json.MANIFEST_CAP, "config " + config.digest());
    }
    JsonNode j = Json.tree(bytes, "config " + config.digest() + " in " + store.describe());
    if (!j.path("os").isTextual() || !j.path("architecture").isTextual()) {
      return null;
    }
    return new Platform(j.path("architecture").asText(), j.path("os").asText(), j.path("os.version").asText(null), null,
        j.path("variant").asText(null));
  }

  private List<Referrer> referrers(Digest subject, String cosignPrefix) throws IOException {
    List<Referrer> out = new ArrayList<>();
    for (Descriptor r : store.referrers(repository, subject, null)) {
      out.add(new Referrer("referrers", null, r));
      unique.putIfAbsent(r.digest(), r.size());
    }
    for (String suffix : COSIGN_SUFFIXES) {
      String tag = cosignPrefix + subject.tagForm() + suffix;
      Optional<Descriptor> d;
      try {
        d = store.resolve(repository, tag);
      } catch (InvalidInputException e) {
        continue;
      }
      if (d.isPresent()) {
        RawManifest m = store.getManifest(repository, d.get().digest().toString());
        out.add(new Referrer("tag", tag, m.descriptor()));
        unique.putIfAbsent(m.digest(), (long) m.size());
      }
    }
    return out;
  }
}
