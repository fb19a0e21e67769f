package dev.airlock.audit;

import dev.airlock.audit.ReportDocument.Block;
import dev.airlock.audit.ReportDocument.Cell;
import dev.airlock.audit.ReportDocument.Fact;
import dev.airlock.audit.ReportDocument.Facts;
import dev.airlock.audit.ReportDocument.Paragraph;
import dev.airlock.audit.ReportDocument.Section;
import dev.airlock.audit.ReportDocument.Subsection;
import dev.airlock.audit.ReportDocument.TableBuilder;
import dev.airlock.audit.ReportDocument.Tone;
import dev.airlock.catalog.AuditReport;
import dev.airlock.catalog.CatalogReader;
import dev.airlock.progress.ByteSize;
import dev.airlock.verify.ImageResult;
import dev.airlock.verify.RuleResult;
import dev.airlock.verify.VerificationReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The audit report of one bundle as a {@link ReportDocument}: a summary box with the verdict, then the
 * verification, the contents (every image, chart and artifact with digest, platforms, size, referrers and
 * who they claim signed them), the chart to image graph, the signers, the SBOM packages and the storage.
 *
 * <p>Extension point: {@link Input#extraSections()} are placed right after the summary, before the
 * verification. A delta bundle's expected base, or a receipt, is such a section, built by the package that
 * owns that format and handed in by the command; this class never reads those formats itself.
 */
public final class BundleReport {
  private BundleReport() {}

  /**
   * Everything a bundle report shows. {@code identity} and {@code verdict} may be null (a catalog file given
   * alone; no verification asked for). {@code generated} is the time printed in the footer.
   */
  public record Input(String fileName, String catalogOrigin, BundleIdentity identity, AuditReport audit,
      List<CatalogReader.PackageRow> packages, List<CatalogReader.ChartImageRow> chartImages, Verdict verdict,
      List<Section> extraSections, Instant generated, String toolVersion) {
    public Input {
      extraSections = extraSections == null ? List.of() : List.copyOf(extraSections);
    }
  }

  public static ReportDocument document(Input in) {
    AuditReport a = in.audit();
    List<Section> sections = new ArrayList<>(in.extraSections());
    if (in.verdict() != null) {
      sections.add(verification(in.verdict()));
    }
    sections.add(contents(a));
    if (!a.charts().isEmpty()) {
      sections.add(charts(a, in.chartImages()));
    }
    sections.add(signers(a));
    sections.add(packages(in.packages()));
    sections.add(storage(a));
    String footer = "Written by airlock " + in.toolVersion() + " at " + in.generated() + " from " + in.catalogOrigin()
        + ". Signer identities are what each signature claims, read offline when the bundle was made; only a"
        + " verification with pinned keys and a policy establishes who signed.";
    return new ReportDocument("Bundle " + a.bundle().name(), "airlock audit report of " + in.fileName(),
        summary(in), sections, footer);
  }

  private static ReportDocument.Summary summary(Input in) {
    AuditReport a = in.audit();
    List<Fact> facts = new ArrayList<>();
    String headline;
    Tone tone;
    Verdict v = in.verdict();
    if (v == null) {
      headline = "Not verified by this report";
      tone = Tone.WARN;
      facts.add(new Fact("Verification", "not run: give --key (and --policy) to verify, or --verification FILE with"
          + " the output of airlock verify -o json", Tone.WARN));
    } else if (v.passed()) {
      headline = "Verified";
      tone = Tone.GOOD;
      facts.add(new Fact("Verification", "passed: " + checkNames(v.report()) + " (" + v.how() + ")", Tone.GOOD));
    } else {
      headline = "NOT verified";
      tone = Tone.BAD;
      facts.add(new Fact("Verification", "failed: " + v.report().firstFailure() + " (" + v.how() + ")", Tone.BAD));
    }
    facts.add(new Fact("Bundle", a.bundle().name()));
    if (in.identity() != null) {
      facts.add(new Fact("Bundle id", in.identity().rootDigest().toString()));
    }
    facts.add(new Fact("Created", a.bundle().created()));
    facts.add(new Fact("Made by", "airlock " + a.bundle().toolVersion()));
    if (in.identity() != null) {
      facts.add(new Fact("Signed by", bundleSigner(in.identity(), v)));
      facts.add(new Fact("Format", "bundle format " + in.identity().formatVersion() + ", catalog version "
          + a.bundle().catalogVersion()));
    } else {
      facts.add(new Fact("Format", "catalog version " + a.bundle().catalogVersion()));
    }
    facts.add(new Fact("Content", contentLine(a)));
    facts.add(new Fact("Referrers", referrerLine(a)));
    Set<String> sboms = new LinkedHashSet<>();
    Set<String> distinct = new LinkedHashSet<>();
    for (CatalogReader.PackageRow p : in.packages()) {
      sboms.add(p.sbomDigest());
      distinct.add(p.name() + "\u0000" + p.version());
    }
    facts.add(new Fact("Packages", distinct.size() + " (name and version) listed by " + sboms.size() + " SBOM"
        + (sboms.size() == 1 ? "" : "s")));
    facts.add(new Fact("Size", ByteSize.human(a.storedBytes()) + " in " + a.blobCount() + " blobs; dedup saved "
        + ByteSize.human(a.dedupSavedBytes())));
    return new ReportDocument.Summary(headline, tone, facts);
  }

  private static String checkNames(VerificationReport r) {
    List<String> names = new ArrayList<>();
    r.checks().forEach(c -> names.add(c.name()));
    if (!r.images().isEmpty()) {
      names.add("image policy (" + r.images().size() + " image" + (r.images().size() == 1 ? "" : "s") + ")");
    }
    return String.join(", ", names);
  }

  private static String bundleSigner(BundleIdentity id, Verdict v) {
    if (id.signatures() == 0) {
      return "unsigned";
    }
    String keys = id.signatureKeyIds().isEmpty() ? "a key the signature does not name"
        : "key " + String.join(", ", id.signatureKeyIds());
    if (v == null) {
      return keys + " (claimed by the signature; not checked)";
    }
    for (VerificationReport.Check c : v.report().checks()) {
      if (c.name().equals("bundle signature")) {
        return keys + (c.passed() ? " (verified: " + c.detail() + ")" : " (NOT verified: " + c.detail() + ")");
      }
    }
    return keys + " (claimed by the signature; not checked)";
  }

  private static String contentLine(AuditReport a) {
    Map<String, Integer> kinds = new TreeMap<>();
    a.sources().forEach(s -> kinds.merge(s.kind(), 1, Integer::sum));
    List<String> parts = new ArrayList<>();
    for (String k : List.of("image", "chart", "chart-image", "artifact")) {
      Integer n = kinds.get(k);
      if (n != null) {
        parts.add(n + " " + (k.equals("chart-image") ? "chart image" : k) + (n == 1 ? "" : "s"));
      }
    }
    return parts.isEmpty() ? "nothing" : String.join(", ", parts);
  }

  private static String referrerLine(AuditReport a) {
    Map<String, Integer> kinds = new TreeMap<>();
    Set<String> seen = new LinkedHashSet<>();
    for (AuditReport.Source s : a.sources()) {
      for (AuditReport.Referrer r : s.referrers()) {
        if (seen.add(r.digest())) {
          kinds.merge(ReferrerRoles.attests(r) ? "attestation" : r.kind(), 1, Integer::sum);
        }
      }
    }
    List<String> parts = new ArrayList<>();
    kinds.forEach((k, n) -> parts.add(n + " " + kindName(k, n)));
    return parts.isEmpty() ? "none" : String.join(", ", parts);
  }

  private static String kindName(String kind, int n) {
    String s = switch (kind) {
      case "sbom" -> "SBOM";
      case "notation" -> "Notation signature";
      case "other" -> "other referrer";
      default -> kind;
    };
    return n == 1 ? s : s + "s";
  }

  private static Section verification(Verdict v) {
    List<Block> blocks = new ArrayList<>();
    blocks.add(new Paragraph("Verification " + v.how() + "."));
    TableBuilder checks = new TableBuilder("checks", "Check", "Result", "Detail");
    for (VerificationReport.Check c : v.report().checks()) {
      checks.row(Cell.text(c.name()), result(c.passed()), Cell.text(c.detail()));
    }
    blocks.add(checks.build());
    if (!v.report().images().isEmpty()) {
      TableBuilder images = new TableBuilder("policy", "Image", "Rule", "Result", "Why");
      for (ImageResult i : v.report().images()) {
        for (RuleResult r : i.rules()) {
          images.row(Cell.code(i.reference()), Cell.text(r.rule()), result(r.passed()), Cell.text(r.why()));
        }
        for (String n : i.notes()) {
          images.row(Cell.code(i.reference()), Cell.text("note"), Cell.text(""), Cell.text(n));
        }
        images.row(Cell.code(i.reference()), Cell.text("policy " + i.policy() + ": " + i.required() + " of "
            + i.rules().size() + " rules required"), Cell.toned(i.passed() ? "PASS" : "FAIL", i.passed() ? Tone.GOOD : Tone.BAD),
            Cell.text(""));
      }
      blocks.add(images.build());
    }
    return new Section("verification", "Verification", blocks);
  }

  private static Cell result(boolean passed) {
    return Cell.toned(passed ? "ok" : "FAIL", passed ? Tone.GOOD : Tone.BAD);
  }

  private static Section contents(AuditReport a) {
    List<Block> blocks = new ArrayList<>();
    TableBuilder overview = new TableBuilder("contents", "Kind", "Reference", "Digest", "Platforms", "Size", "Signed by (claimed)",
        "SBOMs", "Attestations").empty("the bundle holds no images, charts or artifacts");
    for (AuditReport.Source s : a.sources()) {
      overview.row(Cell.text(s.kind()), Cell.code(s.ref()), Cell.digest(s.digest()), Cell.text(platforms(s)),
          Cell.text(ByteSize.human(s.size())), Cell.text(signedBy(a, s)), Cell.text(count(s, "sbom")),
          Cell.text(attestations(a, s)));
    }
    blocks.add(overview.build());
    for (AuditReport.Source s : a.sources()) {
      List<Block> detail = new ArrayList<>();
      List<Fact> facts = new ArrayList<>();
      facts.add(new Fact("Digest", s.digest()));
      facts.add(new Fact("Media type", s.mediaType()));
      facts.add(new Fact("From", s.origin() == null ? "" : s.origin()));
      if (!s.platforms().isEmpty() || !s.absentPlatforms().isEmpty()) {
        facts.add(new Fact("Platforms", s.platforms().isEmpty() ? "none" : String.join(", ", s.platforms())));
        if (!s.absentPlatforms().isEmpty()) {
          facts.add(new Fact("Filtered out", String.join(", ", s.absentPlatforms()) + " (left out of the bundle; the"
              + " index keeps its bytes and digest)"));
        }
      }
      facts.add(new Fact("Size", s.size() + " bytes (" + ByteSize.human(s.size()) + ")"));
      detail.add(new Facts(facts));
      TableBuilder refs = new TableBuilder(null, "Kind", "Referrer", "Subject", "Via", "Type", "Signer (claimed)",
          "Predicate type").empty("no signatures, SBOMs or attestations");
      for (AuditReport.Referrer r : s.referrers()) {
        refs.row(Cell.text(ReferrerRoles.attests(r) && !r.kind().equals("attestation") ? "attestation (" + r.kind() + ")"
            : r.kind()), Cell.digest(r.digest()), Cell.digest(r.subject()),
            Cell.text(r.via().equals("cosign-tag") ? "cosign tag" : "referrer"), Cell.text(r.artifactType()),
            Cell.text(signerCell(a, r)), Cell.text(String.join(", ", r.predicateTypes())));
      }
      detail.add(refs.build());
      blocks.add(new Subsection(s.kind() + " " + s.ref(), detail));
    }
    return new Section("contents", "Contents", blocks);
  }

  static String platforms(AuditReport.Source s) {
    if (s.platforms().isEmpty() && s.absentPlatforms().isEmpty()) {
      return "";
    }
    return String.join(", ", s.platforms()) + (s.absentPlatforms().isEmpty() ? ""
        : " (filtered out: " + String.join(", ", s.absentPlatforms()) + ")");
  }

  private static String signerCell(AuditReport a, AuditReport.Referrer r) {
    if (!a.bundle().signersRecorded()) {
      return r.kind().equals("sbom") || r.kind().equals("other") ? "" : "not recorded";
    }
    List<String> out = new ArrayList<>();
    r.signers().forEach(s -> out.add(s.describe()));
    return String.join("; ", out);
  }

  /** The distinct signers of an entry's signatures (cosign, Sigstore bundles, Notation). */
  private static String signedBy(AuditReport a, AuditReport.Source s) {
    boolean any = false;
    Set<String> who = new LinkedHashSet<>();
    for (AuditReport.Referrer r : s.referrers()) {
      if (ReferrerRoles.signs(r)) {
        any = true;
        r.signers().forEach(sg -> who.add(sg.describe()));
      }
    }
    if (!any) {
      return s.referrers().stream().anyMatch(ReferrerRoles::attests) ? "no signature (attestations only)" : "unsigned";
    }
    if (!a.bundle().signersRecorded()) {
      return "signed; signer not recorded (catalog version " + a.bundle().catalogVersion() + ")";
    }
    return who.isEmpty() ? "signed; signer not readable" : String.join("; ", who);
  }

  private static String count(AuditReport.Source s, String kind) {
    long n = s.referrers().stream().filter(r -> r.kind().equals(kind)).count();
    return n == 0 ? "none" : Long.toString(n);
  }

  private static String attestations(AuditReport a, AuditReport.Source s) {
    List<String> out = new ArrayList<>();
    for (AuditReport.Referrer r : s.referrers()) {
      if (ReferrerRoles.attests(r)) {
        out.add(r.predicateTypes().isEmpty() ? (a.bundle().signersRecorded() ? "predicate type not readable" : "1")
            : String.join(", ", r.predicateTypes()));
      }
    }
    return out.isEmpty() ? "none" : String.join("; ", out);
  }

  private static Section charts(AuditReport a, List<CatalogReader.ChartImageRow> images) {
    List<Block> blocks = new ArrayList<>();
    TableBuilder charts = new TableBuilder("charts", "Chart", "Version", "App version", "Source", "Stored as");
    for (AuditReport.Chart c : a.charts()) {
      charts.row(Cell.text(c.name()), Cell.text(c.version()), Cell.text(c.appVersion()), Cell.code(c.source()),
          Cell.code(c.ref()));
    }
    blocks.add(charts.build());
    Map<String, String> bundled = new LinkedHashMap<>();
    a.sources().forEach(s -> bundled.putIfAbsent(s.ref(), s.digest()));
    TableBuilder graph = new TableBuilder("chart-images", "Chart", "Uses image", "Found in", "In the bundle")
        .empty("the charts name no images (or images: true was not set)");
    for (CatalogReader.ChartImageRow i : images) {
      String d = bundled.get(i.imageRef());
      graph.row(Cell.text(i.chartName() + " " + i.chartVersion()), Cell.code(i.imageRef()), Cell.text(i.foundIn()),
          d == null ? Cell.toned("not bundled", Tone.WARN) : Cell.digest(d));
    }
    blocks.add(new Paragraph("Which images each chart uses, as found in its artifacthub.io/images annotation and"
        + " default values, and whether the bundle carries them."));
    blocks.add(graph.build());
    return new Section("charts", "Charts and their images", blocks);
  }

  private static Section signers(AuditReport a) {
    List<Block> blocks = new ArrayList<>();
    if (!a.bundle().signersRecorded()) {
      blocks.add(new Paragraph("This catalog (version " + a.bundle().catalogVersion() + ", written by airlock "
          + a.bundle().toolVersion() + ") does not record signer identities: they are unknown to this report."
          + " Verify the bundle with a policy to check who signed."));
      return new Section("signers", "Signers", blocks);
    }
    Map<String, Set<String>> signs = new TreeMap<>();
    Map<String, AuditReport.Signer> byLine = new TreeMap<>();
    for (AuditReport.Source s : a.sources()) {
      for (AuditReport.Referrer r : s.referrers()) {
        for (AuditReport.Signer sg : r.signers()) {
          String line = sg.describe();
          byLine.putIfAbsent(line, sg);
          String what = ReferrerRoles.attests(r) ? "attestation" + (r.predicateTypes().isEmpty() ? ""
              : " " + String.join(", ", r.predicateTypes())) : r.kind().equals("notation") ? "Notation signature" : r.kind();
          signs.computeIfAbsent(line, k -> new LinkedHashSet<>()).add(s.ref() + " (" + what + ")");
        }
      }
    }
    blocks.add(new Paragraph("Who the signatures and attestations in the bundle claim to be signed by, read"
        + " offline from each signature (key id, keyless certificate subject and OIDC issuer, Notation certificate"
        + " subject). None of this is verified here; airlock audit --suggest-policy prints a policy requiring"
        + " exactly these signers."));
    TableBuilder t = new TableBuilder("signers", "Signer (claimed)", "Identity", "Key id", "Certificate sha256",
        "Format", "Signs").empty("no signatures");
    for (Map.Entry<String, AuditReport.Signer> e : byLine.entrySet()) {
      AuditReport.Signer sg = e.getValue();
      t.row(Cell.text(e.getKey()), Cell.text(sg.identity()), sg.keyId() == null ? Cell.text("") : Cell.code(sg.keyId()),
          sg.certSha256() == null ? Cell.text("") : Cell.code(sg.certSha256()), Cell.text(sg.format()),
          Cell.text(String.join("; ", signs.get(e.getKey()))));
    }
    blocks.add(t.build());
    return new Section("signers", "Signers", blocks);
  }

  private static Section packages(List<CatalogReader.PackageRow> rows) {
    Map<String, List<CatalogReader.PackageRow>> grouped = new TreeMap<>();
    for (CatalogReader.PackageRow p : rows) {
      grouped.computeIfAbsent(p.name() + "\u0000" + nz(p.version()) + "\u0000" + nz(p.purl()), k -> new ArrayList<>()).add(p);
    }
    TableBuilder t = new TableBuilder("packages", "Package", "Version", "Type", "In images", "SBOM").filterable()
        .empty("no SBOM in the bundle lists packages");
    for (List<CatalogReader.PackageRow> g : grouped.values()) {
      CatalogReader.PackageRow p = g.get(0);
      Set<String> where = new LinkedHashSet<>();
      Set<String> formats = new LinkedHashSet<>();
      for (CatalogReader.PackageRow r : g) {
        where.add(r.sourceRef() == null ? "subject " + r.subjectDigest() : r.sourceRef() + (r.platform() == null ? "" : " (" + r.platform() + ")"));
        formats.add(r.format() == null ? "SBOM" : r.specVersion() != null ? r.specVersion() : r.format());
      }
      t.row(Cell.text(p.name()), Cell.text(p.version()), Cell.text(PackageVersions.purlType(p.purl())),
          Cell.text(String.join("; ", where)), Cell.text(String.join(", ", formats)));
    }
    List<Block> blocks = new ArrayList<>();
    blocks.add(new Paragraph(grouped.size() + " package" + (grouped.size() == 1 ? "" : "s")
        + " (by name, version and purl) listed by the SBOMs in the bundle."
        + " Type it into the filter to narrow the list; the page address may carry it: #filter=openssl."));
    blocks.add(t.build());
    return new Section("packages", "Packages (from SBOMs)", blocks);
  }

  private static Section storage(AuditReport a) {
    return new Section("storage", "Storage", List.of(new Facts(List.of(
        new Fact("Blobs stored", a.blobCount() + ", " + a.storedBytes() + " bytes (" + ByteSize.human(a.storedBytes()) + ")"),
        new Fact("Layers referenced", a.referencedBytes() + " bytes (" + ByteSize.human(a.referencedBytes())
            + ") as the manifests list them"),
        new Fact("Stored once", a.uniqueLayerBytes() + " bytes (" + ByteSize.human(a.uniqueLayerBytes()) + ")"),
        new Fact("Dedup saving", a.dedupSavedBytes() + " bytes (" + ByteSize.human(a.dedupSavedBytes()) + ")")))));
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
