package dev.airlock.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** The catalog.db schema, read from {@code /catalog/schema.sql}, and its version. */
public final class CatalogSchema {
  private CatalogSchema() {}

  /** Must equal {@code PRAGMA user_version} in schema.sql: the version this airlock writes. */
  public static final int VERSION = 2;

  /** The oldest version readers still read: every change since was additive. */
  public static final int OLDEST_READ = 1;

  static List<String> statements() {
    String sql;
    try (InputStream in = CatalogSchema.class.getResourceAsStream("/catalog/schema.sql")) {
      if (in == null) {
        throw new IllegalStateException("catalog/schema.sql is missing from the class path");
      }
      sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read catalog/schema.sql", e);
    }
    StringBuilder clean = new StringBuilder();
    for (String line : sql.split("\n", -1)) {
      int c = line.indexOf("--");
      clean.append(c < 0 ? line : line.substring(0, c)).append('\n');
    }
    List<String> out = new ArrayList<>();
    for (String s : clean.toString().split(";")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out;
  }

  static void create(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      for (String s : statements()) {
        st.execute(s);
      }
    }
  }
}
