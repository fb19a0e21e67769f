package dev.airlock.audit;

import java.util.ArrayList;
import java.util.List;

/**
 * A report as a document, independent of how it is shown: a title, a summary box and sections of
 * paragraphs, tables and fact lists. {@link HtmlRenderer} and {@link MarkdownRenderer} turn it into one
 * self-contained file; every string in it is plain text (untrusted content included), escaped by the
 * renderer. Reports are built by {@link BundleReport}, {@link DiffReport} and {@link HistoryReport}.
 */
public record ReportDocument(String title, String subtitle, Summary summary, List<Section> sections, String footer) {
  public ReportDocument {
    sections = List.copyOf(sections);
  }

  /** How a value should stand out: a verdict that passed, failed, or says nothing was checked. */
  public enum Tone { NEUTRAL, GOOD, BAD, WARN }

  /** The box at the top: a headline (the verdict) and facts. */
  public record Summary(String headline, Tone tone, List<Fact> facts) {
    public Summary {
      facts = List.copyOf(facts);
    }
  }

  public record Fact(String label, String value, Tone tone) {
    public Fact(String label, String value) {
      this(label, value, Tone.NEUTRAL);
    }
  }

  /** A section: {@code id} is its anchor (letters, digits and dashes only). */
  public record Section(String id, String title, List<Block> blocks) {
    public Section {
      if (!id.matches("[a-z0-9-]+")) {
        throw new IllegalArgumentException("section id " + id);
      }
      blocks = List.copyOf(blocks);
    }
  }

  public sealed interface Block permits Paragraph, Facts, Table, Subsection {}

  public record Paragraph(String text) implements Block {}

  public record Facts(List<Fact> facts) implements Block {
    public Facts {
      facts = List.copyOf(facts);
    }
  }

  /** A titled group of blocks inside a section (one image's details); HTML shows it as an open details element. */
  public record Subsection(String title, List<Block> blocks) implements Block {
    public Subsection {
      blocks = List.copyOf(blocks);
    }
  }

  /**
   * A table. {@code filterable}: the HTML page gets a filter box over it (the id names it, and
   * {@code #filter=TEXT} in the page address pre-fills it). {@code empty} is shown when there are no rows.
   */
  public record Table(String id, List<String> columns, List<List<Cell>> rows, boolean filterable, String empty)
      implements Block {
    public Table {
      if (id != null && !id.matches("[a-z0-9-]+")) {
        throw new IllegalArgumentException("table id " + id);
      }
      columns = List.copyOf(columns);
      rows = List.copyOf(rows);
    }
  }

  /** One table cell: {@code code} for digests and references (monospace), {@code full} the text behind a shortened one. */
  public record Cell(String text, boolean code, Tone tone, String full) {
    public static Cell text(String s) {
      return new Cell(s == null ? "" : s, false, Tone.NEUTRAL, null);
    }

    public static Cell code(String s) {
      return new Cell(s == null ? "" : s, true, Tone.NEUTRAL, null);
    }

    public static Cell toned(String s, Tone tone) {
      return new Cell(s, false, tone, null);
    }

    /** A digest shown as {@code sha256:} and 12 hex digits, the whole digest kept as {@code full}. */
    public static Cell digest(String d) {
      if (d == null) {
        return text("");
      }
      int colon = d.indexOf(':');
      String shortForm = colon > 0 && d.length() > colon + 13 ? d.substring(0, colon + 13) : d;
      return new Cell(shortForm, true, Tone.NEUTRAL, shortForm.equals(d) ? null : d);
    }
  }

  /** Builds a table row by row. */
  public static final class TableBuilder {
    private final String id;
    private final List<String> columns;
    private final List<List<Cell>> rows = new ArrayList<>();
    private boolean filterable;
    private String empty = "none";

    public TableBuilder(String id, String... columns) {
      this.id = id;
      this.columns = List.of(columns);
    }

    public TableBuilder filterable() {
      this.filterable = true;
      return this;
    }

    public TableBuilder empty(String text) {
      this.empty = text;
      return this;
    }

    public TableBuilder row(Cell... cells) {
      if (cells.length != columns.size()) {
        throw new IllegalArgumentException(cells.length + " cells for " + columns.size() + " columns");
      }
      rows.add(List.of(cells));
      return this;
    }

    public int size() {
      return rows.size();
    }

    public Table build() {
      return new Table(id, columns, rows, filterable, empty);
    }
  }
}
