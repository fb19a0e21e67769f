package dev.airlock.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.airlock.catalog.CatalogReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What changed between two bundles (or catalogs, or lock files): entries added, removed, re-tagged (the
 * same digest under another name), changed (the same name, another digest) and updated (one tag of a
 * repository replaced by another, with another digest); for each changed pair the platforms and layers added
 * and removed, the packages added, removed, upgraded or downgraded, and the signers that changed.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record BundleDiff(Side oldSide, Side newSide, List<Change> changes, int unchanged, List<String> notes) {

  public record Side(String file, String name, String created, boolean detailed, int catalogVersion) {}

  /** {@code kind}: added, removed, retagged, changed or updated. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Change(String kind, String type, String oldRef, String newRef, String oldDigest, String newDigest,
      List<PlatformChange> platforms, List<PackageChange> packages, List<String> signersAdded,
      List<String> signersRemoved, List<FileChange> files, String note) {
    /** The reference this change is about (the new one when there is one). */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public String ref() {
      return newRef != null ? newRef : oldRef;
    }
  }

  /** One platform (or "" for a single-platform image): added, removed or changed, with its layers. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record PlatformChange(String platform, String kind, String oldDigest, String newDigest,
      List<CatalogReader.BlobRow> layersAdded, List<CatalogReader.BlobRow> layersRemoved, String oldConfig,
      String newConfig) {
    @com.fasterxml.jackson.annotation.JsonProperty("bytesAdded")
    public long bytesAdded() {
      return layersAdded.stream().mapToLong(CatalogReader.BlobRow::size).sum();
    }

    @com.fasterxml.jackson.annotation.JsonProperty("bytesRemoved")
    public long bytesRemoved() {
      return layersRemoved.stream().mapToLong(CatalogReader.BlobRow::size).sum();
    }
  }

  /** {@code kind}: added, removed, upgraded, downgraded or changed. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record PackageChange(String name, String kind, List<String> oldVersions, List<String> newVersions) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record FileChange(String path, String kind, String oldDigest, String newDigest, long oldSize, long newSize) {}

  public static BundleDiff of(DiffSide o, DiffSide n) {
    List<Change> changes = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    if (!o.detailed() || !n.detailed()) {
      notes.add("a lock file lists references and digests only: layers, packages and signers are compared between"
          + " bundles or catalogs");
    } else if (!o.signersRecorded() || !n.signersRecorded()) {
      notes.add("signers are not recorded in " + (!o.signersRecorded() ? o.label() : n.label()) + " (catalog version "
          + Math.min(o.catalogVersion(), n.catalogVersion()) + "): signer changes are not shown");
    }
    boolean compareSigners = o.signersRecorded() && n.signersRecorded();
    Map<String, DiffSide.Entry> oldOnly = new TreeMap<>(o.entries());
    Map<String, DiffSide.Entry> newOnly = new TreeMap<>(n.entries());
    int unchanged = 0;
    for (String ref : o.entries().keySet()) {
      DiffSide.Entry b = n.entries().get(ref);
      if (b == null) {
        continue;
      }
      DiffSide.Entry a = oldOnly.remove(ref);
      newOnly.remove(ref);
      Change c = pair(a.digest().equals(b.digest()) ? "same" : "changed", a, b, compareSigners);
      if (c == null) {
        unchanged++;
      } else {
        changes.add(c);
      }
    }
    // the same digest under another name: re-tagged
    for (var it = newOnly.values().iterator(); it.hasNext(); ) {
      DiffSide.Entry b = it.next();
      DiffSide.Entry a = oldOnly.values().stream().filter(x -> x.digest().equals(b.digest())).findFirst().orElse(null);
      if (a != null) {
        oldOnly.remove(a.ref());
        it.remove();
        Change c = pair("retagged", a, b, compareSigners);
        changes.add(c);
      }
    }
    // one tag of a repository replaced by one other tag: updated
    Map<String, List<DiffSide.Entry>> oldByRepo = byRepository(oldOnly);
    Map<String, List<DiffSide.Entry>> newByRepo = byRepository(newOnly);
    for (Map.Entry<String, List<DiffSide.Entry>> e : newByRepo.entrySet()) {
      List<DiffSide.Entry> before = oldByRepo.get(e.getKey());
      if (before != null && before.size() == 1 && e.getValue().size() == 1) {
        DiffSide.Entry a = before.get(0);
        DiffSide.Entry b = e.getValue().get(0);
        oldOnly.remove(a.ref());
        newOnly.remove(b.ref());
        changes.add(pair("updated", a, b, compareSigners));
      }
    }
    for (DiffSide.Entry a : oldOnly.values()) {
      changes.add(new Change("removed", a.kind(), a.ref(), null, a.digest(), null, List.of(), List.of(), List.of(),
          List.of(), List.of(), null));
    }
    for (DiffSide.Entry b : newOnly.values()) {
      changes.add(new Change("added", b.kind(), null, b.ref(), null, b.digest(), List.of(), List.of(),
          List.copyOf(b.signers()), List.of(), List.of(), null));
    }
    changes.sort(java.util.Comparator.comparing(Change::ref).thenComparing(Change::kind));
    return new BundleDiff(side(o), side(n), changes, unchanged, notes);
  }

  private static Side side(DiffSide s) {
    return new Side(s.label(), s.name(), s.created(), s.detailed(), s.catalogVersion());
  }

  private static Map<String, List<DiffSide.Entry>> byRepository(Map<String, DiffSide.Entry> m) {
    Map<String, List<DiffSide.Entry>> out = new TreeMap<>();
    m.values().forEach(e -> out.computeIfAbsent(DiffSide.repository(e.ref()), k -> new ArrayList<>()).add(e));
    return out;
  }

  /** The change between two entries paired up; null when they are the same in every way compared. */
  private static Change pair(String kind, DiffSide.Entry a, DiffSide.Entry b, boolean compareSigners) {
    List<PlatformChange> platforms = platforms(a, b); // with one digest, only platforms filtered in or out differ
    List<PackageChange> packages = packages(a.packages(), b.packages());
    List<String> added = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    if (compareSigners) {
      b.signers().stream().filter(s -> !a.signers().contains(s)).forEach(added::add);
      a.signers().stream().filter(s -> !b.signers().contains(s)).forEach(removed::add);
    }
    List<FileChange> files = files(a.files(), b.files());
    String k = kind;
    if (k.equals("same")) {
      if (platforms.isEmpty() && packages.isEmpty() && added.isEmpty() && removed.isEmpty() && files.isEmpty()) {
        return null;
      }
      k = "changed"; // the same digest, but what was carried of it (platforms, signatures, SBOMs) changed
    }
    String note = null;
    if (kind.equals("same")) {
      List<String> what = new ArrayList<>();
      if (!platforms.isEmpty()) {
        what.add("the platforms carried (a platform filter)");
      }
      if (!packages.isEmpty()) {
        what.add("the SBOM packages");
      }
      if (!added.isEmpty() || !removed.isEmpty()) {
        what.add("the signers");
      }
      if (!files.isEmpty()) {
        what.add("the files");
      }
      note = "the same digest; what changed is " + String.join(", ", what);
    }
    return new Change(k, b.kind(), a.ref(), b.ref(), a.digest(), b.digest(), platforms, packages, added, removed, files,
        note);
  }

  private static List<PlatformChange> platforms(DiffSide.Entry a, DiffSide.Entry b) {
    Map<String, CatalogReader.ManifestRow> pa = byPlatform(a.manifests());
    Map<String, CatalogReader.ManifestRow> pb = byPlatform(b.manifests());
    List<PlatformChange> out = new ArrayList<>();
    Set<String> all = new TreeSet<>(pa.keySet());
    all.addAll(pb.keySet());
    for (String p : all) {
      CatalogReader.ManifestRow x = pa.get(p);
      CatalogReader.ManifestRow y = pb.get(p);
      if (x == null) {
        out.add(new PlatformChange(p, "added", null, y.digest(), layers(y), List.of(), null, config(y)));
      } else if (y == null) {
        out.add(new PlatformChange(p, "removed", x.digest(), null, List.of(), layers(x), config(x), null));
      } else if (!x.digest().equals(y.digest())) {
        List<CatalogReader.BlobRow> lx = layers(x);
        List<CatalogReader.BlobRow> ly = layers(y);
        Set<String> dx = new TreeSet<>();
        lx.forEach(l -> dx.add(l.digest()));
        Set<String> dy = new TreeSet<>();
        ly.forEach(l -> dy.add(l.digest()));
        out.add(new PlatformChange(p, "changed", x.digest(), y.digest(),
            ly.stream().filter(l -> !dx.contains(l.digest())).toList(),
            lx.stream().filter(l -> !dy.contains(l.digest())).toList(),
            Objects.equals(config(x), config(y)) ? null : config(x), Objects.equals(config(x), config(y)) ? null : config(y)));
      }
    }
    return out;
  }

  private static Map<String, CatalogReader.ManifestRow> byPlatform(List<CatalogReader.ManifestRow> rows) {
    Map<String, CatalogReader.ManifestRow> out = new LinkedHashMap<>();
    for (CatalogReader.ManifestRow r : rows) {
      out.putIfAbsent(r.platform() == null ? "" : r.platform(), r);
    }
    return out;
  }

  static boolean isConfig(CatalogReader.BlobRow b) {
    String mt = b.mediaType();
    return mt != null && (mt.contains("config") || mt.equals("application/vnd.oci.empty.v1+json"));
  }

  private static List<CatalogReader.BlobRow> layers(CatalogReader.ManifestRow m) {
    return m.blobs().stream().filter(b -> !isConfig(b)).toList();
  }

  private static String config(CatalogReader.ManifestRow m) {
    return m.blobs().stream().filter(BundleDiff::isConfig).map(CatalogReader.BlobRow::digest).findFirst().orElse(null);
  }

  private static List<PackageChange> packages(Map<String, Set<DiffSide.PackageVersion>> a,
      Map<String, Set<DiffSide.PackageVersion>> b) {
    List<PackageChange> out = new ArrayList<>();
    Set<String> names = new TreeSet<>(a.keySet());
    names.addAll(b.keySet());
    for (String name : names) {
      Set<DiffSide.PackageVersion> x = a.get(name);
      Set<DiffSide.PackageVersion> y = b.get(name);
      if (x == null) {
        out.add(new PackageChange(name, "added", List.of(), versions(y)));
      } else if (y == null) {
        out.add(new PackageChange(name, "removed", versions(x), List.of()));
      } else if (!versions(x).equals(versions(y))) {
        DiffSide.PackageVersion maxX = new TreeSet<>(x).last();
        DiffSide.PackageVersion maxY = new TreeSet<>(y).last();
        int c = DiffSide.PackageVersion.compareVersions(maxX.version(), maxX.purl(), maxY.version(), maxY.purl());
        out.add(new PackageChange(name, c < 0 ? "upgraded" : c > 0 ? "downgraded" : "changed", versions(x), versions(y)));
      }
    }
    return out;
  }

  private static List<String> versions(Set<DiffSide.PackageVersion> s) {
    List<String> out = new ArrayList<>();
    for (DiffSide.PackageVersion v : s) {
      String t = v.version() == null ? "(no version)" : v.version();
      if (!out.contains(t)) {
        out.add(t);
      }
    }
    return out;
  }

  private static List<FileChange> files(Map<String, CatalogReader.BlobRow> a, Map<String, CatalogReader.BlobRow> b) {
    List<FileChange> out = new ArrayList<>();
    Set<String> paths = new TreeSet<>(a.keySet());
    paths.addAll(b.keySet());
    for (String p : paths) {
      CatalogReader.BlobRow x = a.get(p);
      CatalogReader.BlobRow y = b.get(p);
      if (x == null) {
        out.add(new FileChange(p, "added", null, y.digest(), 0, y.size()));
      } else if (y == null) {
        out.add(new FileChange(p, "removed", x.digest(), null, x.size(), 0));
      } else if (!x.digest().equals(y.digest())) {
        out.add(new FileChange(p, "changed", x.digest(), y.digest(), x.size(), y.size()));
      }
    }
    return out;
  }

  /** Whether nothing changed. */
  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean same() {
    return changes.isEmpty();
  }
}
