package dev.airlock.audit;

import dev.airlock.InvalidInputException;
import dev.airlock.bundle.BundleLock;
import dev.airlock.catalog.AuditReport;
import dev.airlock.catalog.CatalogReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One side of {@code airlock diff}: what a bundle, a catalog file or a lock file says is in it. A lock file
 * gives only references and digests ({@code detailed} false); a catalog also gives each entry's manifests
 * and layers, SBOM packages, signers and packed files.
 */
public record DiffSide(String label, String name, String created, boolean detailed, boolean signersRecorded,
    int catalogVersion, Map<String, Entry> entries) {

  /** One image, chart or artifact. {@code packages}: name -> versions; {@code signers}: describe() lines. */
  public record Entry(String ref, String kind, String digest, List<CatalogReader.ManifestRow> manifests,
      Map<String, Set<PackageVersion>> packages, Set<String> signers, Map<String, CatalogReader.BlobRow> files) {}

  /** A version of a package, with its purl (which says how to order it). */
  public record PackageVersion(String version, String purl) implements Comparable<PackageVersion> {
    @Override
    public int compareTo(PackageVersion o) {
      int c = compareVersions(version, purl, o.version, o.purl);
      return c != 0 ? c : String.valueOf(purl).compareTo(String.valueOf(o.purl));
    }

    static int compareVersions(String a, String purlA, String b, String purlB) {
      if (a == null || b == null) {
        return a == null ? (b == null ? 0 : -1) : 1;
      }
      dev.airlock.charts.Semver sa = PackageVersions.distroStyle(a, purlA) ? null : dev.airlock.charts.Semver.tryParse(a);
      dev.airlock.charts.Semver sb = PackageVersions.distroStyle(b, purlB) ? null : dev.airlock.charts.Semver.tryParse(b);
      int c = sa != null && sb != null ? sa.compareTo(sb) : PackageVersions.compareDistro(a, b);
      return c != 0 ? c : a.compareTo(b);
    }
  }

  /** Reads a bundle (.tar, .tar.zst), a catalog.db or a lock file (YAML). */
  public static DiffSide read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException(file + " does not exist or is not a file");
    }
    if (!OpenedCatalog.isCatalog(file) && looksLikeText(file)) {
      return fromLock(file, BundleLock.read(file));
    }
    try (OpenedCatalog c = OpenedCatalog.open(file)) {
      return fromCatalog(file.toString(), c.reader());
    }
  }

  /** A lock file is YAML text; a bundle is a tar (or zstd) whose first bytes are not all printable. */
  private static boolean looksLikeText(Path file) throws IOException {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(512);
    }
    if (head.length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
        && (head[3] & 0xff) == 0xfd) {
      return false; // zstd
    }
    for (byte b : head) {
      if (b == 0) {
        return false;
      }
    }
    return true;
  }

  static DiffSide fromLock(Path file, BundleLock lock) {
    Map<String, Entry> entries = new TreeMap<>();
    for (BundleLock.Entry e : lock.entries()) {
      entries.put(e.refName(), new Entry(e.refName(), e.kind(), e.digest(), List.of(), Map.of(), Set.of(), Map.of()));
    }
    return new DiffSide(file.toString(), lock.name(), lock.created(), false, false, 0, entries);
  }

  static DiffSide fromCatalog(String label, CatalogReader r) {
    AuditReport a = r.report();
    Map<String, Map<String, Set<PackageVersion>>> packages = new LinkedHashMap<>();
    for (CatalogReader.PackageRow p : r.packages(null)) {
      if (p.sourceRef() != null) {
        packages.computeIfAbsent(p.sourceRef(), k -> new TreeMap<>()).computeIfAbsent(p.name(), k -> new TreeSet<>())
            .add(new PackageVersion(p.version(), p.purl()));
      }
    }
    Map<String, Entry> entries = new TreeMap<>();
    for (AuditReport.Source s : a.sources()) {
      Set<String> signers = new TreeSet<>();
      for (AuditReport.Referrer ref : s.referrers()) {
        for (AuditReport.Signer sg : ref.signers()) {
          signers.add(sg.describe() + (ReferrerRoles.attests(ref) ? " (attestation "
              + String.join(", ", ref.predicateTypes()) + ")" : ""));
        }
      }
      entries.put(s.ref(), new Entry(s.ref(), s.kind(), s.digest(), r.manifestsOf(s.digest()),
          packages.getOrDefault(s.ref(), Map.of()), new LinkedHashSet<>(signers),
          s.kind().equals("artifact") ? r.filesOf(s.ref()) : Map.of()));
    }
    return new DiffSide(label, a.bundle().name(), a.bundle().created(), true, a.bundle().signersRecorded(),
        a.bundle().catalogVersion(), entries);
  }

  /** {@code ghcr.io/acme/app:1.0} -> {@code ghcr.io/acme/app}. */
  static String repository(String ref) {
    int at = ref.indexOf('@');
    if (at >= 0) {
      return ref.substring(0, at);
    }
    int colon = ref.lastIndexOf(':');
    return colon > ref.lastIndexOf('/') ? ref.substring(0, colon) : ref;
  }

  static List<String> refs(Map<String, Entry> m) {
    return new ArrayList<>(m.keySet());
  }
}
