package dev.airlock.audit;

import dev.airlock.audit.ReportDocument.Block;
import dev.airlock.audit.ReportDocument.Cell;
import dev.airlock.audit.ReportDocument.Fact;
import dev.airlock.audit.ReportDocument.Paragraph;
import dev.airlock.audit.ReportDocument.Section;
import dev.airlock.audit.ReportDocument.Subsection;
import dev.airlock.audit.ReportDocument.TableBuilder;
import dev.airlock.audit.ReportDocument.Tone;
import dev.airlock.catalog.CatalogReader;
import dev.airlock.progress.ByteSize;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code airlock diff} for people: plain text, or a {@link ReportDocument} for HTML and Markdown. */
public final class DiffReport {
  private DiffReport() {}

  public static String text(BundleDiff d) {
    StringBuilder b = new StringBuilder();
    b.append("old: ").append(side(d.oldSide())).append('\n');
    b.append("new: ").append(side(d.newSide())).append('\n');
    d.notes().forEach(n -> b.append("note: ").append(n).append('\n'));
    if (d.same()) {
      b.append("\nno changes (").append(d.unchanged()).append(" entries the same)\n");
      return b.toString();
    }
    for (BundleDiff.Change c : d.changes()) {
      b.append('\n').append(headline(c)).append('\n');
      if (c.note() != null) {
        b.append("  ").append(c.note()).append('\n');
      }
      for (BundleDiff.PlatformChange p : c.platforms()) {
        String name = p.platform().isEmpty() ? "image" : p.platform();
        b.append("  ").append(name).append(": ").append(p.kind()).append(p.kind().equals("changed")
            ? " " + p.oldDigest() + " -> " + p.newDigest() : " " + (p.newDigest() != null ? p.newDigest() : p.oldDigest()))
            .append('\n');
        for (CatalogReader.BlobRow l : p.layersAdded()) {
          b.append("    + layer ").append(l.digest()).append(" (").append(ByteSize.human(l.size())).append(")\n");
        }
        for (CatalogReader.BlobRow l : p.layersRemoved()) {
          b.append("    - layer ").append(l.digest()).append(" (").append(ByteSize.human(l.size())).append(")\n");
        }
        if (p.kind().equals("changed") && (p.oldConfig() != null || p.newConfig() != null)) {
          b.append("    config ").append(p.oldConfig()).append(" -> ").append(p.newConfig()).append('\n');
        }
        if (p.kind().equals("changed")) {
          b.append("    layers: +").append(p.layersAdded().size()).append(" (").append(ByteSize.human(p.bytesAdded()))
              .append("), -").append(p.layersRemoved().size()).append(" (").append(ByteSize.human(p.bytesRemoved())).append(")\n");
        }
      }
      for (BundleDiff.PackageChange p : c.packages()) {
        b.append("  package ").append(p.kind()).append(": ").append(p.name()).append(' ').append(packageVersions(p)).append('\n');
      }
      for (String s : c.signersAdded()) {
        b.append("  signer added: ").append(s).append('\n');
      }
      for (String s : c.signersRemoved()) {
        b.append("  signer removed: ").append(s).append('\n');
      }
      for (BundleDiff.FileChange f : c.files()) {
        b.append("  file ").append(f.kind()).append(": ").append(f.path()).append('\n');
      }
    }
    b.append('\n').append(summaryLine(d)).append('\n');
    return b.toString();
  }

  private static String side(BundleDiff.Side s) {
    return s.file() + " (" + (s.name() == null ? "" : "bundle " + s.name() + ", ") + "created " + s.created()
        + (s.detailed() ? "" : ", lock file") + ")";
  }

  static String headline(BundleDiff.Change c) {
    return switch (c.kind()) {
      case "added" -> "added     " + c.type() + " " + c.newRef() + " " + c.newDigest();
      case "removed" -> "removed   " + c.type() + " " + c.oldRef() + " " + c.oldDigest();
      case "retagged" -> "retagged  " + c.type() + " " + c.oldRef() + " -> " + c.newRef() + " " + c.newDigest();
      case "updated" -> "updated   " + c.type() + " " + c.oldRef() + " -> " + c.newRef() + " " + c.oldDigest() + " -> "
          + c.newDigest();
      default -> "changed   " + c.type() + " " + c.newRef() + (c.oldDigest().equals(c.newDigest())
          ? " (the same digest " + c.newDigest() + ")" : " " + c.oldDigest() + " -> " + c.newDigest());
    };
  }

  static String packageVersions(BundleDiff.PackageChange p) {
    return switch (p.kind()) {
      case "added" -> String.join(", ", p.newVersions());
      case "removed" -> String.join(", ", p.oldVersions());
      default -> String.join(", ", p.oldVersions()) + " -> " + String.join(", ", p.newVersions());
    };
  }

  static String summaryLine(BundleDiff d) {
    Map<String, Integer> n = new TreeMap<>();
    d.changes().forEach(c -> n.merge(c.kind(), 1, Integer::sum));
    List<String> parts = new ArrayList<>();
    n.forEach((k, v) -> parts.add(v + " " + k));
    parts.add(d.unchanged() + " unchanged");
    return String.join(", ", parts);
  }

  public static ReportDocument document(BundleDiff d, Instant generated, String toolVersion) {
    List<Fact> facts = new ArrayList<>();
    facts.add(new Fact("Old", side(d.oldSide())));
    facts.add(new Fact("New", side(d.newSide())));
    facts.add(new Fact("Changes", summaryLine(d)));
    int packages = 0;
    int signers = 0;
    for (BundleDiff.Change c : d.changes()) {
      packages += c.packages().size();
      signers += c.signersAdded().size() + c.signersRemoved().size();
    }
    facts.add(new Fact("Packages", packages + " package changes in the SBOMs of changed entries"));
    facts.add(new Fact("Signers", signers == 0 ? "no signer changed" : signers + " signer changes", signers == 0 ? Tone.NEUTRAL : Tone.WARN));
    d.notes().forEach(n -> facts.add(new Fact("Note", n, Tone.WARN)));
    List<Section> sections = new ArrayList<>();
    TableBuilder t = new TableBuilder("changes", "Change", "Kind", "Reference", "Old digest", "New digest").filterable()
        .empty("nothing changed");
    for (BundleDiff.Change c : d.changes()) {
      t.row(Cell.toned(c.kind(), c.kind().equals("removed") ? Tone.BAD : c.kind().equals("added") ? Tone.GOOD : Tone.WARN),
          Cell.text(c.type()), Cell.code(c.oldRef() != null && c.newRef() != null && !c.oldRef().equals(c.newRef())
              ? c.oldRef() + " -> " + c.newRef() : c.ref()), Cell.digest(c.oldDigest()), Cell.digest(c.newDigest()));
    }
    List<Block> overview = new ArrayList<>();
    overview.add(t.build());
    sections.add(new Section("changes", "Changes", overview));
    List<Block> details = new ArrayList<>();
    for (BundleDiff.Change c : d.changes()) {
      if (c.platforms().isEmpty() && c.packages().isEmpty() && c.signersAdded().isEmpty() && c.signersRemoved().isEmpty()
          && c.files().isEmpty()) {
        continue;
      }
      List<Block> blocks = new ArrayList<>();
      if (c.note() != null) {
        blocks.add(new Paragraph(c.note()));
      }
      if (!c.platforms().isEmpty()) {
        TableBuilder layers = new TableBuilder(null, "Platform", "Change", "Layer", "Size");
        for (BundleDiff.PlatformChange p : c.platforms()) {
          String name = p.platform().isEmpty() ? "image" : p.platform();
          for (CatalogReader.BlobRow l : p.layersAdded()) {
            layers.row(Cell.text(name), Cell.toned("+ added", Tone.GOOD), Cell.code(l.digest()), Cell.text(ByteSize.human(l.size())));
          }
          for (CatalogReader.BlobRow l : p.layersRemoved()) {
            layers.row(Cell.text(name), Cell.toned("- removed", Tone.BAD), Cell.code(l.digest()), Cell.text(ByteSize.human(l.size())));
          }
          if (p.layersAdded().isEmpty() && p.layersRemoved().isEmpty()) {
            layers.row(Cell.text(name), Cell.text("platform " + p.kind()), Cell.text(p.oldConfig() != null
                ? "config " + p.oldConfig() + " -> " + p.newConfig() : "same layers"), Cell.text(""));
          }
        }
        blocks.add(layers.build());
      }
      if (!c.packages().isEmpty()) {
        TableBuilder pk = new TableBuilder(null, "Package", "Change", "Old version", "New version");
        for (BundleDiff.PackageChange p : c.packages()) {
          pk.row(Cell.text(p.name()), Cell.text(p.kind()), Cell.text(String.join(", ", p.oldVersions())),
              Cell.text(String.join(", ", p.newVersions())));
        }
        blocks.add(pk.build());
      }
      if (!c.signersAdded().isEmpty() || !c.signersRemoved().isEmpty()) {
        TableBuilder sg = new TableBuilder(null, "Signer (claimed)", "Change");
        c.signersAdded().forEach(s -> sg.row(Cell.text(s), Cell.toned("added", Tone.WARN)));
        c.signersRemoved().forEach(s -> sg.row(Cell.text(s), Cell.toned("removed", Tone.WARN)));
        blocks.add(sg.build());
      }
      if (!c.files().isEmpty()) {
        TableBuilder f = new TableBuilder(null, "File", "Change", "Old digest", "New digest");
        c.files().forEach(x -> f.row(Cell.code(x.path()), Cell.text(x.kind()), Cell.digest(x.oldDigest()), Cell.digest(x.newDigest())));
        blocks.add(f.build());
      }
      details.add(new Subsection(c.kind() + " " + c.type() + " " + c.ref(), blocks));
    }
    if (!details.isEmpty()) {
      sections.add(new Section("details", "What changed in each", details));
    }
    String headline = d.same() ? "No changes" : d.changes().size() + " change" + (d.changes().size() == 1 ? "" : "s");
    return new ReportDocument("Bundle diff: " + nz(d.oldSide().name()) + " to " + nz(d.newSide().name()),
        "airlock diff of " + d.oldSide().file() + " and " + d.newSide().file(),
        new ReportDocument.Summary(headline, d.same() ? Tone.GOOD : Tone.NEUTRAL, facts), sections,
        "Written by airlock " + toolVersion + " at " + generated + ". Signers are what signatures claim, not verified.");
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
