package dev.airlock.verify.integrity;

import dev.airlock.VerificationException;
import dev.airlock.catalog.SqliteNativeLibrary;
import dev.airlock.oci.Digest;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.sqlite.SQLiteConfig;

/** Read-only view of a bundle's catalog.db for the integrity checks. */
final class CatalogView implements AutoCloseable {
  private final Connection db;
  private final Digest digest;

  private CatalogView(Connection db, Digest digest) {
    this.db = db;
    this.digest = digest;
  }

  static CatalogView open(Path file, Digest digest) {
    try {
      SqliteNativeLibrary.prepare();
      SQLiteConfig cfg = new SQLiteConfig();
      cfg.setReadOnly(true);
      Connection c = cfg.createConnection("jdbc:sqlite:" + file);
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("PRAGMA quick_check")) {
        if (!r.next() || !"ok".equals(r.getString(1))) {
          c.close();
          throw new VerificationException("catalog " + digest + " is not a sound SQLite database");
        }
      }
      return new CatalogView(c, digest);
    } catch (SQLException e) {
      throw new VerificationException("catalog " + digest + " cannot be opened: " + e.getMessage());
    }
  }

  boolean absentChild(Digest index, Digest child) {
    try (PreparedStatement p = db.prepareStatement(
        "SELECT present FROM index_children WHERE index_digest = ? AND child_digest = ?")) {
      p.setString(1, index.toString());
      p.setString(2, child.toString());
      try (ResultSet r = p.executeQuery()) {
        return r.next() && r.getInt(1) == 0;
      }
    } catch (SQLException e) {
      throw new VerificationException("catalog " + digest + ": cannot read index_children: " + e.getMessage());
    }
  }

  /**
   * True when a delta bundle's catalog records the blob, with this size, as left out and expected at the target
   * (table {@code expected_blobs}, bundle format version 3; absent from earlier catalogs).
   */
  boolean expectedAtTarget(Digest blob, long size) {
    try (PreparedStatement p = db.prepareStatement("SELECT size FROM expected_blobs WHERE digest = ?")) {
      p.setString(1, blob.toString());
      try (ResultSet r = p.executeQuery()) {
        return r.next() && r.getLong(1) == size;
      }
    } catch (SQLException e) {
      if (e.getMessage() != null && e.getMessage().contains("no such table")) {
        return false;
      }
      throw new VerificationException("catalog " + digest + ": cannot read expected_blobs: " + e.getMessage());
    }
  }

  /**
   * Every manifest and blob the catalog lists is in the bundle with that size; every manifest and blob
   * of the content (outside airlock's own metadata and signature) is listed.
   */
  void checkAgainst(Map<Digest, Long> blobs, Collection<Digest> content, Set<Digest> manifestDigests, String where) {
    Map<Digest, Long> listedManifests = table("manifests");
    Map<Digest, Long> listedBlobs = table("blobs");
    for (var tables : java.util.List.of(listedManifests, listedBlobs)) {
      for (var e : tables.entrySet()) {
        Long size = blobs.get(e.getKey());
        if (size == null) {
          throw new VerificationException(where + ": the catalog lists " + e.getKey() + ", which is not in the bundle");
        }
        if (size.longValue() != e.getValue()) {
          throw new VerificationException(where + ": the catalog says " + e.getKey() + " has " + e.getValue()
              + " bytes, the bundle has " + size);
        }
      }
    }
    for (Digest d : content) {
      boolean isManifest = manifestDigests.contains(d);
      if (isManifest ? !listedManifests.containsKey(d) : !listedBlobs.containsKey(d) && !listedManifests.containsKey(d)) {
        throw new VerificationException(where + ": " + (isManifest ? "manifest " : "blob ") + d
            + " is in the bundle but not in the catalog");
      }
    }
  }

  private Map<Digest, Long> table(String name) {
    Map<Digest, Long> out = new HashMap<>();
    try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT digest, size FROM " + name)) {
      while (r.next()) {
        String d = r.getString(1);
        if (!Digest.isValid(d)) {
          throw new VerificationException("catalog " + digest + ": table " + name + " has an invalid digest");
        }
        out.put(Digest.parse(d), r.getLong(2));
      }
    } catch (SQLException e) {
      throw new VerificationException("catalog " + digest + ": cannot read table " + name + ": " + e.getMessage());
    }
    return out;
  }

  @Override
  public void close() {
    try {
      db.close();
    } catch (SQLException e) {
      // read-only; nothing to lose
    }
  }
}
