package dev.airlock.delta;

import dev.airlock.InvalidInputException;
import dev.airlock.catalog.SqliteNativeLibrary;
import dev.airlock.oci.Digest;
import dev.airlock.receipt.Receipt;
import dev.airlock.receipt.ReceiptTrust;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.sqlite.SQLiteConfig;

/**
 * What a delta bundle is computed against ({@code bundle --since}): receipts the disconnected side sent back
 * (each checked with {@link ReceiptTrust} before use), or, the weaker mode, catalogs of earlier bundles
 * ({@code OLD.tar.catalog.db}: what was sent, not what arrived). A blob is left out only when every base has it
 * with the same size. Lookups go to each base's database on disk, never to a set in the heap.
 */
public final class DeltaBases implements Closeable {
  /** One base, as the delta's catalog records it. */
  public record Base(String kind, Digest digest, String target, String created, String trust, long blobs) {}

  private interface BlobSet extends Closeable {
    boolean has(Digest d, long size) throws IOException;

    /** A repository of the target the base says holds the blob (a receipt of format 2), or null. */
    default String heldIn(Digest d) throws IOException {
      return null;
    }
  }

  private final List<Base> bases = new ArrayList<>();
  private final List<BlobSet> sets = new ArrayList<>();

  private DeltaBases() {}

  /**
   * Opens every {@code --since} file: a receipt (checked against {@code receiptKeys}, or accepted unchecked
   * with {@code allowUnsigned}) or a bundle catalog ({@code .catalog.db}).
   */
  public static DeltaBases open(List<Path> files, List<PublicKey> receiptKeys, boolean allowUnsigned)
      throws IOException {
    DeltaBases b = new DeltaBases();
    try {
      for (Path f : files) {
        if (!Files.isRegularFile(f)) {
          throw new InvalidInputException("--since " + f + " does not exist");
        }
        if (Receipt.looksLikeReceipt(f)) {
          b.addReceipt(f, receiptKeys, allowUnsigned);
        } else if (isSqlite(f)) {
          b.addCatalog(f);
        } else {
          throw new InvalidInputException("--since " + f + " is neither a receipt (airlock import --receipt, airlock"
              + " receipt) nor a bundle catalog (BUNDLE.catalog.db)");
        }
      }
      return b;
    } catch (IOException | RuntimeException e) {
      b.close();
      throw e;
    }
  }

  private void addReceipt(Path f, List<PublicKey> keys, boolean allowUnsigned) throws IOException {
    Receipt r = Receipt.read(f);
    try {
      String trust = ReceiptTrust.check(r, keys, allowUnsigned);
      bases.add(new Base("receipt", r.digest(), r.header().target(), r.header().created(), trust, r.header().blobs()));
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
    sets.add(new BlobSet() {
      @Override
      public boolean has(Digest d, long size) {
        var s = r.inventory().blobSize(d);
        return s.isPresent() && s.getAsLong() == size;
      }

      @Override
      public String heldIn(Digest d) {
        return r.inventory().blobRepository(d).orElse(null);
      }

      @Override
      public void close() throws IOException {
        r.close();
      }
    });
  }

  private void addCatalog(Path f) throws IOException {
    Connection c;
    try {
      SqliteNativeLibrary.prepare();
      SQLiteConfig cfg = new SQLiteConfig();
      cfg.setReadOnly(true);
      c = cfg.createConnection("jdbc:sqlite:" + f.toAbsolutePath());
    } catch (SQLException e) {
      throw new InvalidInputException("--since " + f + " cannot be opened as a bundle catalog: " + e.getMessage());
    }
    String created;
    long count;
    boolean delta;
    try (var s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("SELECT created FROM bundle WHERE id = 1")) {
        created = r.next() ? r.getString(1) : "";
      }
      try (ResultSet r = s.executeQuery("SELECT count(*) FROM blobs")) {
        count = r.next() ? r.getLong(1) : 0;
      }
      delta = DeltaCatalog.hasTables(c);
    } catch (SQLException e) {
      close(c);
      throw new InvalidInputException("--since " + f + " is not an airlock bundle catalog: " + e.getMessage());
    }
    Digest digest = sha256(f);
    bases.add(new Base("catalog", digest, null, created,
        "a catalog of a bundle sent (weaker than a receipt: it says what was sent, not what arrived)", count));
    String sql = "SELECT size FROM blobs WHERE digest = ?"
        + (delta ? " UNION ALL SELECT size FROM " + DeltaCatalog.EXPECTED + " WHERE digest = ?" : "");
    sets.add(new BlobSet() {
      @Override
      public synchronized boolean has(Digest d, long size) throws IOException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
          p.setString(1, d.toString());
          if (delta) {
            p.setString(2, d.toString());
          }
          try (ResultSet r = p.executeQuery()) {
            return r.next() && r.getLong(1) == size;
          }
        } catch (SQLException e) {
          throw new IOException("catalog " + f + ": " + e.getMessage(), e);
        }
      }

      @Override
      public void close() {
        DeltaBases.close(c);
      }
    });
  }

  private static void close(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      // read-only
    }
  }

  static Digest sha256(Path f) throws IOException {
    return Digest.sha256(f);
  }

  private static boolean isSqlite(Path f) throws IOException {
    byte[] head = new byte[16];
    try (var in = Files.newInputStream(f)) {
      return in.readNBytes(head, 0, 16) == 16 && new String(head, java.nio.charset.StandardCharsets.US_ASCII)
          .startsWith("SQLite format 3");
    }
  }

  public List<Base> bases() {
    return List.copyOf(bases);
  }

  /** True when every base holds the blob, with this size. */
  public boolean everyHas(Digest d, long size) throws IOException {
    if (sets.isEmpty()) {
      return false;
    }
    for (BlobSet s : sets) {
      if (!s.has(d, size)) {
        return false;
      }
    }
    return true;
  }

  /**
   * A repository of the target where a base receipt says the blob is held (the first base, in {@code --since}
   * order, that names one), or null: the import of the delta looks there when the repository that needs the blob
   * lacks it, and mounts it across.
   */
  public String heldIn(Digest d) throws IOException {
    for (BlobSet s : sets) {
      String r = s.heldIn(d);
      if (r != null) {
        return r;
      }
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    for (BlobSet s : sets) {
      s.close();
    }
    sets.clear();
  }
}
