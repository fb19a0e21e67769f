package dev.airlock.audit;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.airlock.oci.Json;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What {@code audit --package} prints: a table for people, or JSON. */
public final class PackageSearchOutput {
  private PackageSearchOutput() {}

  /** Bundle hits: one row per (bundle, image, platform, package version, SBOM). */
  public static String bundleTable(PackageSearch q, List<PackageSearch.Hit> hits) {
    Set<String> bundles = new LinkedHashSet<>();
    hits.forEach(h -> bundles.add(h.bundleFile()));
    TextTable t = new TextTable("BUNDLE", "IMAGE", "PLATFORM", "PACKAGE", "VERSION", "SBOM", "IMAGE DIGEST", "SBOM DIGEST");
    for (PackageSearch.Hit h : hits) {
      t.row(h.bundle() + " (" + h.bundleFile() + ")", h.image() == null ? "(subject " + h.manifestDigest() + ")" : h.image(),
          h.platform(), h.name(), h.version(), h.sbomFormat(), h.imageDigest(), h.sbomDigest());
    }
    return q.describe() + ": " + hits.size() + " match" + (hits.size() == 1 ? "" : "es") + " in " + bundles.size()
        + " bundle" + (bundles.size() == 1 ? "" : "s") + "\n" + t;
  }

  /** History hits: where each import put the images listing the package. */
  public static String historyTable(PackageSearch q, List<PackageSearch.Hit> hits) {
    Set<Long> imports = new LinkedHashSet<>();
    hits.forEach(h -> imports.add(h.importId()));
    TextTable t = new TextTable("IMPORT", "IMPORTED", "TARGET REFERENCE", "PLATFORM", "PACKAGE", "VERSION", "SOURCE",
        "BUNDLE", "DIGEST");
    for (PackageSearch.Hit h : hits) {
      t.row("#" + h.importId(), h.imported(), h.targetRef() == null ? "(not recorded: " + h.target() + ")" : h.targetRef(),
          h.platform(), h.name(), h.version(), h.image(), h.bundle(), h.imageDigest());
    }
    return q.describe() + ": " + hits.size() + " match" + (hits.size() == 1 ? "" : "es") + " in " + imports.size()
        + " import" + (imports.size() == 1 ? "" : "s") + "\n" + t;
  }

  public static String json(PackageSearch q, List<PackageSearch.Hit> hits) throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("query", q.describe());
    out.put("matches", hits);
    return Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out) + "\n";
  }
}
