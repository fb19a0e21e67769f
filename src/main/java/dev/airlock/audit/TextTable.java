package dev.airlock.audit;

import java.util.ArrayList;
import java.util.List;

/** Rows of text in aligned columns, nothing cut short: a column is as wide as its widest cell. */
public final class TextTable {
  private final List<String[]> rows = new ArrayList<>();
  private final int columns;

  public TextTable(String... header) {
    this.columns = header.length;
    rows.add(header);
  }

  public TextTable row(String... cells) {
    if (cells.length != columns) {
      throw new IllegalArgumentException(cells.length + " cells for " + columns + " columns");
    }
    String[] c = new String[columns];
    for (int i = 0; i < columns; i++) {
      c[i] = cells[i] == null || cells[i].isEmpty() ? "-" : cells[i].replace('\n', ' ');
    }
    rows.add(c);
    return this;
  }

  @Override
  public String toString() {
    int[] w = new int[columns];
    for (String[] r : rows) {
      for (int i = 0; i < columns; i++) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        line.append(r[i]);
        if (i < columns - 1) {
          line.append(" ".repeat(w[i] - r[i].length() + 2));
        }
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
    return b.toString();
  }
}
