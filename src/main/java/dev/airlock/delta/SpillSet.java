package dev.airlock.delta;

import dev.airlock.catalog.SqliteNativeLibrary;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A set of keys, each with an optional value, in a temporary SQLite database: what a walk or a push has seen, when
 * it may be 100,000 blobs, costs a file and a few MiB of page cache, not 100,000 objects in the heap. Deleted when
 * closed. Thread-safe (one connection, synchronized); rows written are visible at once (one connection).
 */
public final class SpillSet implements Closeable {
  private final Path file;
  private final Connection db;
  private final PreparedStatement insert;
  private final PreparedStatement select;
  private long size;
  private int pending;

  private SpillSet(Path file) throws SQLException {
    this.file = file;
    db = SqliteNativeLibrary.connect(file, null);
    try (Statement s = db.createStatement()) {
      s.execute("PRAGMA journal_mode = OFF");
      s.execute("PRAGMA synchronous = OFF");
      s.execute("PRAGMA cache_size = -2048"); // 2 MiB of pages at most
      s.execute("CREATE TABLE keys (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID");
    }
    db.setAutoCommit(false);
    insert = db.prepareStatement("INSERT OR IGNORE INTO keys (k, v) VALUES (?, ?)");
    select = db.prepareStatement("SELECT v FROM keys WHERE k = ?");
  }

  /** A new, empty set in a temporary file named after {@code what}. */
  public static SpillSet create(String what) {
    try {
      Path f = Files.createTempFile("airlock-" + what + "-", ".db");
      try {
        return new SpillSet(f);
      } catch (SQLException e) {
        Files.deleteIfExists(f);
        throw new IOException("cannot create a temporary database (" + what + "): " + e.getMessage(), e);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Adds {@code key}; true when it was not there. */
  public boolean add(String key) {
    return put(key, null);
  }

  /** Adds {@code key} with {@code value} unless the key is there (its first value stays); true when it was new. */
  public synchronized boolean put(String key, String value) {
    try {
      insert.setString(1, key);
      insert.setString(2, value);
      boolean added = insert.executeUpdate() == 1;
      if (added) {
        size++;
        if (++pending >= 10_000) {
          db.commit();
          pending = 0;
        }
      }
      return added;
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  public synchronized boolean contains(String key) {
    return lookup(key) != null;
  }

  /** The value of {@code key}: null when absent; "" when present without a value. */
  public synchronized String get(String key) {
    String[] v = lookup(key);
    return v == null ? null : v[0] == null ? "" : v[0];
  }

  private String[] lookup(String key) {
    try {
      select.setString(1, key);
      try (ResultSet r = select.executeQuery()) {
        return r.next() ? new String[] {r.getString(1)} : null;
      }
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  public synchronized long size() {
    return size;
  }

  private UncheckedIOException failure(SQLException e) {
    return new UncheckedIOException(new IOException("temporary database " + file + ": " + e.getMessage(), e));
  }

  @Override
  public synchronized void close() {
    try {
      db.close();
    } catch (SQLException e) {
      // a temporary file: nothing to keep
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // left in the temp directory
    }
  }
}
