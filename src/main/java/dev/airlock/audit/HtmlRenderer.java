package dev.airlock.audit;

import dev.airlock.audit.ReportDocument.Block;
import dev.airlock.audit.ReportDocument.Cell;
import dev.airlock.audit.ReportDocument.Fact;
import dev.airlock.audit.ReportDocument.Facts;
import dev.airlock.audit.ReportDocument.Paragraph;
import dev.airlock.audit.ReportDocument.Section;
import dev.airlock.audit.ReportDocument.Subsection;
import dev.airlock.audit.ReportDocument.Table;
import dev.airlock.audit.ReportDocument.Tone;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

/**
 * Renders a {@link ReportDocument} as one self-contained HTML file: inline style, no external asset, no
 * network. Every string from the document is escaped; the only script is the table filter below, allowed
 * by its hash in a Content-Security-Policy that forbids every other script, so even markup that escaped
 * escaping could not run. Without scripts the page is complete (the filter box stays hidden).
 */
public final class HtmlRenderer {
  private HtmlRenderer() {}

  /** Hides the rows of a filterable table that do not contain the text typed; {@code #filter=TEXT} pre-fills it. */
  static final String SCRIPT = """
      (function () {
        function apply(input) {
          var table = document.getElementById(input.getAttribute('data-table'));
          var q = input.value.toLowerCase().trim();
          var rows = table.tBodies[0].rows, shown = 0;
          for (var i = 0; i < rows.length; i++) {
            var hit = q === '' || rows[i].textContent.toLowerCase().indexOf(q) >= 0;
            rows[i].hidden = !hit;
            if (hit) { shown++; }
          }
          document.getElementById(input.getAttribute('data-count')).textContent =
              shown + ' of ' + rows.length + ' shown';
        }
        var m = /(?:^#|&)filter=([^&]*)/.exec(location.hash);
        var inputs = document.querySelectorAll('input.filter');
        for (var i = 0; i < inputs.length; i++) {
          (function (input) {
            input.parentNode.hidden = false;
            input.addEventListener('input', function () { apply(input); });
            if (m) { input.value = decodeURIComponent(m[1].replace(/\\+/g, ' ')); }
            apply(input);
          })(inputs[i]);
        }
      })();
      """;

  static final String STYLE = """
      :root { --ink: #1d2330; --muted: #5b6475; --line: #d8dde6; --band: #f4f6f9; --accent: #23408e;
              --good: #1f7a3a; --good-bg: #e8f5ec; --bad: #a4161a; --bad-bg: #fdecec; --warn: #8a5a00; --warn-bg: #fff6e0; }
      * { box-sizing: border-box; }
      body { margin: 0; color: var(--ink); background: #fff;
             font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
      header { background: var(--accent); color: #fff; padding: 22px 32px 18px; }
      header h1 { margin: 0; font-size: 24px; font-weight: 600; overflow-wrap: anywhere; }
      header p { margin: 4px 0 0; opacity: .85; font-size: 13px; }
      main { max-width: 1180px; margin: 0 auto; padding: 20px 32px 40px; }
      nav { font-size: 13px; margin: 0 0 18px; color: var(--muted); }
      nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
      .summary { border: 1px solid var(--line); border-left: 6px solid var(--muted); border-radius: 6px;
                 padding: 14px 20px; margin: 0 0 26px; background: var(--band); }
      .summary.s-good { border-left-color: var(--good); } .summary.s-bad { border-left-color: var(--bad); }
      .summary.s-warn { border-left-color: var(--warn); }
      .verdict { font-size: 20px; font-weight: 700; margin: 0 0 10px; }
      .s-good .verdict { color: var(--good); } .s-bad .verdict { color: var(--bad); } .s-warn .verdict { color: var(--warn); }
      dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 0; }
      dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
      h2 { font-size: 19px; border-bottom: 2px solid var(--line); padding-bottom: 4px; margin: 30px 0 12px; }
      details { border: 1px solid var(--line); border-radius: 6px; padding: 6px 14px; margin: 0 0 10px; }
      details > summary { cursor: pointer; font-weight: 600; overflow-wrap: anywhere; }
      table { border-collapse: collapse; width: 100%; margin: 6px 0 14px; font-size: 13.5px; table-layout: auto; }
      th { text-align: left; background: var(--band); border-bottom: 2px solid var(--line); padding: 6px 8px;
           font-weight: 600; white-space: nowrap; }
      td { border-bottom: 1px solid var(--line); padding: 5px 8px; vertical-align: top; overflow-wrap: anywhere; }
      tbody tr:nth-child(even) { background: #fafbfc; }
      code, td.code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
      td.nw { white-space: nowrap; }
      .good { color: var(--good); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; }
      .warn { color: var(--warn); font-weight: 600; }
      td.good { background: var(--good-bg); } td.bad { background: var(--bad-bg); } td.warn { background: var(--warn-bg); }
      .filterbar { margin: 4px 0 6px; } .filterbar input { font: inherit; padding: 5px 9px; width: 320px;
           border: 1px solid var(--line); border-radius: 4px; } .filterbar span { color: var(--muted); margin-left: 10px; }
      p.empty { color: var(--muted); font-style: italic; }
      footer { color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line); margin-top: 34px; padding-top: 10px; }
      @media print { header { background: none; color: var(--ink); border-bottom: 3px solid var(--accent); }
                     .filterbar, nav { display: none; } details { break-inside: avoid; } }
      """;

  public static String render(ReportDocument doc) {
    StringBuilder b = new StringBuilder(64 * 1024);
    b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    b.append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        + "script-src '").append(scriptHash()).append("'; img-src data:; base-uri 'none'; form-action 'none'\">\n");
    b.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    b.append("<meta name=\"generator\" content=\"airlock\">\n");
    b.append("<title>").append(esc(doc.title())).append("</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n");
    b.append("<header><h1>").append(esc(doc.title())).append("</h1>");
    if (doc.subtitle() != null) {
      b.append("<p>").append(esc(doc.subtitle())).append("</p>");
    }
    b.append("</header>\n<main>\n");
    if (doc.sections().size() > 1) {
      b.append("<nav>");
      for (Section s : doc.sections()) {
        b.append("<a href=\"#").append(s.id()).append("\">").append(esc(s.title())).append("</a>");
      }
      b.append("</nav>\n");
    }
    if (doc.summary() != null) {
      ReportDocument.Summary s = doc.summary();
      b.append("<section class=\"summary s-").append(cls(s.tone())).append("\" id=\"summary\">\n<p class=\"verdict\">")
          .append(esc(s.headline())).append("</p>\n");
      facts(b, s.facts());
      b.append("</section>\n");
    }
    for (Section s : doc.sections()) {
      b.append("<section id=\"").append(s.id()).append("\">\n<h2>").append(esc(s.title())).append("</h2>\n");
      blocks(b, s.blocks());
      b.append("</section>\n");
    }
    if (doc.footer() != null) {
      b.append("<footer>").append(esc(doc.footer())).append("</footer>\n");
    }
    b.append("</main>\n<script>").append(SCRIPT).append("</script>\n</body>\n</html>\n");
    return b.toString();
  }

  private static void blocks(StringBuilder b, List<Block> blocks) {
    for (Block block : blocks) {
      if (block instanceof Paragraph p) {
        b.append("<p>").append(esc(p.text())).append("</p>\n");
      } else if (block instanceof Facts f) {
        facts(b, f.facts());
      } else if (block instanceof Table t) {
        table(b, t);
      } else if (block instanceof Subsection s) {
        b.append("<details open>\n<summary>").append(esc(s.title())).append("</summary>\n");
        blocks(b, s.blocks());
        b.append("</details>\n");
      }
    }
  }

  private static void facts(StringBuilder b, List<Fact> facts) {
    b.append("<dl class=\"facts\">\n");
    for (Fact f : facts) {
      b.append("<dt>").append(esc(f.label())).append("</dt><dd").append(f.tone() == Tone.NEUTRAL ? "" : " class=\"" + cls(f.tone()) + "\"")
          .append(">").append(esc(f.value())).append("</dd>\n");
    }
    b.append("</dl>\n");
  }

  private static void table(StringBuilder b, Table t) {
    if (t.rows().isEmpty()) {
      b.append("<p class=\"empty\">").append(esc(t.empty())).append("</p>\n");
      return;
    }
    if (t.filterable() && t.id() != null) {
      b.append("<div class=\"filterbar\" hidden><input class=\"filter\" type=\"search\" placeholder=\"Filter\" aria-label=\"Filter\""
          + " data-table=\"table-").append(t.id()).append("\" data-count=\"table-").append(t.id())
          .append("-count\"><span id=\"table-").append(t.id()).append("-count\"></span></div>\n");
    }
    // tables are named table-ID: a section may have the same id
    b.append("<table").append(t.id() == null ? "" : " id=\"table-" + t.id() + "\"").append(">\n<thead><tr>");
    for (String c : t.columns()) {
      b.append("<th>").append(esc(c)).append("</th>");
    }
    b.append("</tr></thead>\n<tbody>\n");
    for (List<Cell> row : t.rows()) {
      b.append("<tr>");
      for (Cell c : row) {
        // short cells (sizes, kinds, shortened digests) never wrap; long ones wrap only where they must
        boolean nowrap = c.full() != null || c.text().length() <= 12;
        String classes = ((c.code() ? "code " : "") + (nowrap ? "nw " : "") + (c.tone() == Tone.NEUTRAL ? "" : cls(c.tone())))
            .trim();
        b.append("<td").append(classes.isEmpty() ? "" : " class=\"" + classes + "\"")
            .append(c.full() == null ? "" : " title=\"" + esc(c.full()) + "\"").append(">").append(esc(c.text())).append("</td>");
      }
      b.append("</tr>\n");
    }
    b.append("</tbody>\n</table>\n");
  }

  private static String cls(Tone t) {
    return switch (t) {
      case GOOD -> "good";
      case BAD -> "bad";
      case WARN -> "warn";
      case NEUTRAL -> "neutral";
    };
  }

  /** Escapes text for element content and quoted attribute values. */
  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> {
          if (c < 0x20 && c != '\n' && c != '\t') {
            b.append('\uFFFD'); // control characters have no place in a report
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }

  static String scriptHash() {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(SCRIPT.getBytes(StandardCharsets.UTF_8));
      return "sha256-" + Base64.getEncoder().encodeToString(h);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
