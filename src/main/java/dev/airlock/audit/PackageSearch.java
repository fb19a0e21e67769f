package dev.airlock.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.airlock.InvalidInputException;
import dev.airlock.catalog.CatalogReader;
import dev.airlock.history.ImportHistory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code airlock audit --package NAME[@RANGE]}: every bundle, image (digest, platform), SBOM and version
 * listing a package, or, over the import history, every import that put it into a registry and where.
 * The name is matched case-insensitively against the SBOM's package name and the name in its purl, with
 * {@code *} as a wildcard; the range is a {@link VersionRange}.
 */
public final class PackageSearch {
  private final String name;
  private final Pattern namePattern;
  private final VersionRange range;

  private PackageSearch(String name, VersionRange range) {
    this.name = name;
    this.range = range;
    StringBuilder re = new StringBuilder();
    for (String part : name.split("\\*", -1)) {
      if (re.length() > 0) {
        re.append(".*");
      }
      re.append(Pattern.quote(part));
    }
    this.namePattern = Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  }

  /** {@code openssl}, {@code openssl@3.0.x}, {@code @scope/pkg@^1.2} (a leading @ belongs to the name). */
  public static PackageSearch parse(String query) {
    if (query == null || query.isBlank()) {
      throw new InvalidInputException("--package needs a package name, as NAME or NAME@RANGE");
    }
    String q = query.trim();
    int at = q.indexOf('@', q.startsWith("@") ? 1 : 0);
    String n = at < 0 ? q : q.substring(0, at);
    if (n.isBlank() || n.chars().allMatch(c -> c == '*')) {
      throw new InvalidInputException("--package '" + query + "' names no package");
    }
    return new PackageSearch(n, at < 0 ? null : VersionRange.parse(q.substring(at + 1)));
  }

  public String describe() {
    return name + (range == null ? "" : " " + range);
  }

  /** One place the package was found. Fields of the other kind (bundle or import) are null. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Hit(String name, String version, String purl, String sbomDigest, String sbomFormat, String bundle,
      String bundleFile, String bundleDigest, String image, String imageKind, String imageDigest, String platform,
      String manifestDigest, Long importId, String imported, String target, String targetRef) {}

  /** The matches in one bundle's (or catalog file's) catalog. */
  public List<Hit> inCatalog(OpenedCatalog catalog, String bundleDigest) {
    CatalogReader r = catalog.reader();
    String bundleName = r.report().bundle().name();
    List<Hit> out = new ArrayList<>();
    for (CatalogReader.PackageRow p : r.packages(likePattern())) {
      if (matches(p.name(), p.version(), p.purl())) {
        out.add(new Hit(p.name(), p.version(), p.purl(), p.sbomDigest(), p.specVersion() != null ? p.specVersion() : p.format(),
            bundleName, catalog.path().toString(), bundleDigest, p.sourceRef(), p.sourceKind(), p.sourceDigest(),
            p.platform(), p.subjectDigest(), null, null, null, null));
      }
    }
    return out;
  }

  /** The matches across the import history: imports with status ok whose bundle's SBOMs list the package. */
  public List<Hit> inHistory(Path db) throws IOException {
    List<Hit> out = new ArrayList<>();
    for (ImportHistory.PackageInImport p : ImportHistory.open(db).packages(likePattern())) {
      if (matches(p.name(), p.version(), p.purl())) {
        // an OCI layout target names the layout once, in the import; its images are name:tag inside it
        String where = p.targetRef() != null && p.target().startsWith("oci:") && !p.targetRef().startsWith("oci:")
            ? p.target() + ":" + p.targetRef() : p.targetRef();
        out.add(new Hit(p.name(), p.version(), p.purl(), p.sbomDigest(), p.sbomFormat(), p.bundleName(), p.bundlePath(),
            p.bundleDigest(), p.sourceRef(), null, p.pushedDigest(), p.platform(), p.manifestDigest(), p.importId(),
            p.finished(), p.target(), where));
      }
    }
    return out;
  }

  boolean matches(String pkg, String version, String purl) {
    boolean named = namePattern.matcher(pkg).matches()
        || (PackageVersions.purlName(purl) != null && namePattern.matcher(PackageVersions.purlName(purl)).matches());
    return named && (range == null || range.matches(version, purl));
  }

  /** A SQL LIKE pattern that finds every candidate (case-insensitive for ASCII); {@link #matches} decides. */
  String likePattern() {
    StringBuilder b = new StringBuilder();
    for (char c : name.toLowerCase(Locale.ROOT).toCharArray()) {
      switch (c) {
        case '%', '_', '\\' -> b.append('\\').append(c);
        case '*' -> b.append('%');
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
