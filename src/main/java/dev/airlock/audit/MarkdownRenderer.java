package dev.airlock.audit;

import dev.airlock.audit.ReportDocument.Block;
import dev.airlock.audit.ReportDocument.Cell;
import dev.airlock.audit.ReportDocument.Fact;
import dev.airlock.audit.ReportDocument.Facts;
import dev.airlock.audit.ReportDocument.Paragraph;
import dev.airlock.audit.ReportDocument.Section;
import dev.airlock.audit.ReportDocument.Subsection;
import dev.airlock.audit.ReportDocument.Table;
import java.util.List;

/**
 * Renders a {@link ReportDocument} as GitHub-flavoured Markdown. Every string is escaped so that it shows
 * as the text it is: Markdown punctuation is backslash-escaped and {@code < > &} become entities (a viewer
 * that renders Markdown to HTML must not find markup in an image name or an SBOM package). Shortened
 * digests are written out whole: a Markdown file has no tooltips.
 */
public final class MarkdownRenderer {
  private MarkdownRenderer() {}

  public static String render(ReportDocument doc) {
    StringBuilder b = new StringBuilder(32 * 1024);
    b.append("# ").append(md(doc.title())).append("\n\n");
    if (doc.subtitle() != null) {
      b.append("_").append(md(doc.subtitle())).append("_\n\n");
    }
    if (doc.summary() != null) {
      b.append("> **").append(md(doc.summary().headline())).append("**\n>\n");
      for (Fact f : doc.summary().facts()) {
        b.append("> - **").append(md(f.label())).append(":** ").append(md(f.value())).append("\n");
      }
      b.append("\n");
    }
    for (Section s : doc.sections()) {
      b.append("## ").append(md(s.title())).append("\n\n");
      blocks(b, s.blocks(), 3);
    }
    if (doc.footer() != null) {
      b.append("---\n\n").append(md(doc.footer())).append("\n");
    }
    return b.toString();
  }

  private static void blocks(StringBuilder b, List<Block> blocks, int level) {
    for (Block block : blocks) {
      if (block instanceof Paragraph p) {
        b.append(md(p.text())).append("\n\n");
      } else if (block instanceof Facts f) {
        for (Fact fact : f.facts()) {
          b.append("- **").append(md(fact.label())).append(":** ").append(md(fact.value())).append("\n");
        }
        b.append("\n");
      } else if (block instanceof Table t) {
        table(b, t);
      } else if (block instanceof Subsection s) {
        b.append("#".repeat(Math.min(level, 6))).append(" ").append(md(s.title())).append("\n\n");
        blocks(b, s.blocks(), level + 1);
      }
    }
  }

  private static void table(StringBuilder b, Table t) {
    if (t.rows().isEmpty()) {
      b.append("_").append(md(t.empty())).append("_\n\n");
      return;
    }
    b.append("|");
    for (String c : t.columns()) {
      b.append(" ").append(md(c)).append(" |");
    }
    b.append("\n|");
    for (int i = 0; i < t.columns().size(); i++) {
      b.append(" --- |");
    }
    b.append("\n");
    for (List<Cell> row : t.rows()) {
      b.append("|");
      for (Cell c : row) {
        String text = c.full() != null ? c.full() : c.text();
        b.append(" ").append(text.isEmpty() ? "" : c.code() && codeSafe(text) ? "`" + text + "`" : md(text)).append(" |");
      }
      b.append("\n");
    }
    b.append("\n");
  }

  /** A code span shows its content literally; only text without backticks or line breaks goes into one. */
  private static boolean codeSafe(String s) {
    return s.indexOf('`') < 0 && s.indexOf('\n') < 0 && s.indexOf('|') < 0;
  }

  /** Escapes Markdown punctuation and HTML; line breaks become spaces. */
  static String md(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '\n', '\r', '\t' -> b.append(' ');
        case '\\', '`', '*', '_', '[', ']', '|', '#', '~', '!', '{', '}' -> b.append('\\').append(c);
        default -> b.append(c < 0x20 ? '\uFFFD' : c);
      }
    }
    return b.toString();
  }
}
