package dev.airlock.importer;

import dev.airlock.Futures;
import dev.airlock.VerificationException;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.delta.DeltaBases;
import dev.airlock.delta.DeltaCatalog;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Before a delta bundle (format version 3) pushes anything: the target must hold every blob the delta left out.
 * Each blob an item needs and the bundle does not carry is asked for (HEAD, several at once) in the repository
 * that needs it, then in the repository the base receipt names for it (format 2), then in the import's other
 * repositories (found in another, it is mounted across when pushed). One
 * missing fails the import closed, exit 3, naming the blobs, the images that need them and the receipt they were
 * expected by. The delta must also be for this target: a receipt of another target is refused.
 */
final class DeltaPreflight {
  private DeltaPreflight() {}

  /** Blobs asked about at once. */
  private static final int QUERIES = 8;

  /** What the check found: null for a full bundle. */
  record Checked(int expected, int uses, int inOtherRepositories, String bases) {
    String line() {
      return "delta: " + expected + " blobs left out of the bundle are at the target (" + uses + " uses by the"
          + " repositories imported into" + (inOtherRepositories == 0 ? "" : ", " + inOtherRepositories
          + " found in another repository, mounted from it") + "); computed against " + bases;
    }
  }

  /**
   * @param targetName the target as messages name it
   * @param receiptName the name the delta's receipts must give it (its own name, or --receipt-target)
   */
  static Checked check(BundleContent bundle, ImportPlan plan, CountingTarget target, String targetName,
      String receiptName) throws IOException {
    ContentStore src = bundle.store();
    Path catalog = deltaCatalog(bundle);
    if (catalog == null) {
      return null;
    }
    try (DeltaCatalog delta = DeltaCatalog.open(catalog)) {
      if (delta == null) {
        throw new VerificationException("bundle " + bundle.path() + " declares format version 3 (a delta) but its"
            + " catalog records no expected blobs; nothing was imported");
      }
      List<DeltaBases.Base> bases = delta.bases();
      String basesText = String.join(", ", bases.stream().map(DeltaCatalog::describe).toList());
      List<String> receiptTargets = bases.stream().filter(b -> b.target() != null).map(DeltaBases.Base::target).toList();
      if (!receiptTargets.isEmpty() && !receiptTargets.contains(receiptName)) {
        throw new VerificationException("delta bundle " + bundle.path() + " was computed against " + basesText
            + ", not a receipt of " + receiptName + "; nothing was imported (import it where the receipt was taken, give"
            + " --receipt-target NAME when this is that target under another name, or bundle again --since a receipt of "
            + targetName + ")");
      }
      try (Needs needs = Needs.create()) {
        for (ImportItem i : plan.items()) {
          walk(src, i, i.digest(), needs, new java.util.HashSet<>());
        }
        needs.flush();
        TreeSet<String> repositories = new TreeSet<>();
        plan.items().forEach(i -> repositories.add(i.targetRepository()));
        // asked a page at a time: the heap holds a page of needs, never all of them
        ExecutorService pool = Executors.newFixedThreadPool(QUERIES, Futures.daemon("airlock-delta"));
        try {
          String[] after = {"", ""};
          while (true) {
            List<Need> page = needs.page(after[0], after[1], PAGE);
            if (page.isEmpty()) {
              break;
            }
            List<Callable<String>> asks = new ArrayList<>();
            for (Need n : page) {
              asks.add(() -> where(target, n, delta.heldIn(n.blob().digest()).orElse(null), repositories));
            }
            List<String> found = ask(pool, asks);
            for (int k = 0; k < page.size(); k++) {
              if (found.get(k) != null) {
                needs.found(page.get(k), found.get(k));
              }
            }
            needs.flush();
            Need last = page.get(page.size() - 1);
            after[0] = last.repository();
            after[1] = last.blob().digest().toString();
          }
        } finally {
          pool.shutdownNow();
        }
        long missingCount = needs.missingCount();
        if (missingCount > 0) {
          List<String> missing = new ArrayList<>();
          for (Descriptor b : needs.missing(20)) {
            List<String> images = needs.imagesOf(b.digest(), 10);
            long more = needs.imageCount(b.digest()) - images.size();
            missing.add(b.digest() + " (" + b.size() + " bytes, " + (delta.expected(b.digest()).isPresent()
                ? "expected at the target" : "not carried") + ") for " + String.join(", ", images)
                + (more > 0 ? " and " + more + " more images" : ""));
          }
          throw new VerificationException("delta bundle " + bundle.path() + " needs " + missingCount + " blob"
              + (missingCount == 1 ? "" : "s") + " that " + targetName + " does not have, nothing was pushed: "
              + String.join("; ", missing) + (missingCount > 20 ? "; and " + (missingCount - 20) + " more" : "")
              + "; expected there by " + basesText + " (the target lost them, e.g. garbage-collected: take a fresh"
              + " receipt with airlock receipt --from and bundle again --since it, or bundle without --since)");
        }
        long[] c = needs.counts();
        return new Checked((int) c[0], (int) c[1], (int) c[2], basesText);
      }
    } finally {
      Files.deleteIfExists(catalog);
    }
  }

  /** Needs asked of the target at once (and held in the heap). */
  private static final int PAGE = 1024;

  private record Need(String repository, Descriptor blob) {}

  private static void walk(ContentStore src, ImportItem item, Digest d, Needs needs,
      java.util.Set<Digest> seen) throws IOException {
    if (!seen.add(d) || !src.hasBlob(item.sourceRepository(), d)) {
      return; // an index child left out by the platform filter
    }
    RawManifest m = src.getManifest(item.sourceRepository(), d.toString());
    if (m.isIndex()) {
      for (Descriptor c : m.manifests()) {
        walk(src, item, c.digest(), needs, seen);
      }
      return;
    }
    for (Descriptor b : m.children()) {
      if (MediaTypes.DOCKER_FOREIGN_LAYER.equals(b.mediaType()) || !b.urls().isEmpty()
          || src.hasBlob(item.sourceRepository(), b.digest())) {
        continue;
      }
      needs.add(item.targetRepository(), b, item.sourceRef());
    }
  }

  /**
   * The blobs the import needs and the bundle does not carry, per repository of the target, with the images that
   * need them and where the target was found to hold them: a temporary SQLite database, so 100,000 needed blobs
   * cost a file, not 100,000 objects in the heap. Deleted when closed. Thread-confined (the asks run on a pool,
   * their answers are recorded by the calling thread).
   */
  private static final class Needs implements java.io.Closeable {
    private final Path file;
    private final java.sql.Connection db;
    private final java.sql.PreparedStatement addNeed;
    private final java.sql.PreparedStatement addImage;
    private final java.sql.PreparedStatement setFound;
    private int pending;

    private Needs(Path file) throws java.sql.SQLException {
      this.file = file;
      dev.airlock.catalog.SqliteNativeLibrary.prepare();
      db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
      try (java.sql.Statement s = db.createStatement()) {
        s.execute("PRAGMA journal_mode = OFF");
        s.execute("PRAGMA synchronous = OFF");
        s.execute("PRAGMA cache_size = -4096"); // 4 MiB of pages at most
        s.execute("CREATE TABLE needs (repository TEXT NOT NULL, digest TEXT NOT NULL, size INTEGER NOT NULL,"
            + " media_type TEXT, found TEXT, PRIMARY KEY (repository, digest)) WITHOUT ROWID");
        s.execute("CREATE TABLE images (digest TEXT NOT NULL, image TEXT NOT NULL, PRIMARY KEY (digest, image))"
            + " WITHOUT ROWID");
      }
      db.setAutoCommit(false);
      addNeed = db.prepareStatement("INSERT OR IGNORE INTO needs (repository, digest, size, media_type)"
          + " VALUES (?, ?, ?, ?)");
      addImage = db.prepareStatement("INSERT OR IGNORE INTO images (digest, image) VALUES (?, ?)");
      setFound = db.prepareStatement("UPDATE needs SET found = ? WHERE repository = ? AND digest = ?");
    }

    static Needs create() throws IOException {
      Path f = Files.createTempFile("airlock-delta-needs-", ".db");
      try {
        return new Needs(f);
      } catch (java.sql.SQLException e) {
        Files.deleteIfExists(f);
        throw new IOException("cannot create a temporary database of the delta's needs: " + e.getMessage(), e);
      }
    }

    void add(String repository, Descriptor blob, String image) throws IOException {
      try {
        addNeed.setString(1, repository);
        addNeed.setString(2, blob.digest().toString());
        addNeed.setLong(3, blob.size());
        addNeed.setString(4, blob.mediaType());
        addNeed.executeUpdate();
        addImage.setString(1, blob.digest().toString());
        addImage.setString(2, image);
        addImage.executeUpdate();
        batch();
      } catch (java.sql.SQLException e) {
        throw failed(e);
      }
    }

    void found(Need n, String at) throws IOException {
      try {
        setFound.setString(1, at);
        setFound.setString(2, n.repository());
        setFound.setString(3, n.blob().digest().toString());
        setFound.executeUpdate();
        batch();
      } catch (java.sql.SQLException e) {
        throw failed(e);
      }
    }

    private void batch() throws java.sql.SQLException {
      if (++pending >= 10_000) {
        db.commit();
        pending = 0;
      }
    }

    void flush() throws IOException {
      try {
        db.commit();
        pending = 0;
      } catch (java.sql.SQLException e) {
        throw failed(e);
      }
    }

    /** The next {@code limit} needs after (repository, digest), in that order. */
    List<Need> page(String repository, String digest, int limit) throws IOException {
      List<Need> out = new ArrayList<>();
      try (java.sql.PreparedStatement p = db.prepareStatement("SELECT repository, digest, size, media_type FROM needs"
          + " WHERE (repository, digest) > (?, ?) ORDER BY repository, digest LIMIT ?")) {
        p.setString(1, repository);
        p.setString(2, digest);
        p.setInt(3, limit);
        try (java.sql.ResultSet r = p.executeQuery()) {
          while (r.next()) {
            out.add(new Need(r.getString(1), Descriptor.of(r.getString(4) == null ? "application/octet-stream"
                : r.getString(4), Digest.parse(r.getString(2)), r.getLong(3))));
          }
        }
      } catch (java.sql.SQLException e) {
        throw failed(e);
      }
      return out;
    }

    long missingCount() throws IOException {
      return single("SELECT count(DISTINCT digest) FROM needs WHERE found IS NULL");
    }

    /** The first {@code limit} missing blobs, by digest. */
    List<Descriptor> missing(int limit) throws IOException {
      List<Descriptor> out = new ArrayList<>();
      try (java.sql.PreparedStatement p = db.prepareStatement("SELECT digest, min(size), min(media_type) FROM needs"
          + " WHERE found IS NULL GROUP BY digest ORDER BY digest LIMIT ?")) {
        p.setInt(1, limit);
        try (java.sql.ResultSet r = p.executeQuery()) {
          while (r.next()) {
            out.add(Descriptor.of(r.getString(3) == null ? "application/octet-stream" : r.getString(3),
                Digest.parse(r.getString(1)), r.getLong(2)));
          }
        }
      } catch (java.sql.SQLException e) {
        throw failed(e);
      }
      return out;
    }

    List<String> imagesOf(Digest d, int limit) throws IOException {
      List<String> out = new ArrayList<>();
      try (java.sql.PreparedStatement p = db.prepareStatement("SELECT image FROM images WHERE digest = ? ORDER BY image"
          + " LIMIT ?")) {
        p.setString(1, d.toString());
        p.setInt(2, limit);
        try (java.sql.ResultSet r = p.executeQuery()) {
          while (r.next()) {
            out.add(r.getString(1));
          }
        }
      } catch (java.sql.SQLException e) {
        throw failed(e);
      }
      return out;
    }

    long imageCount(Digest d) throws IOException {
      try (java.sql.PreparedStatement p = db.prepareStatement("SELECT count(*) FROM images WHERE digest = ?")) {
        p.setString(1, d.toString());
        try (java.sql.ResultSet r = p.executeQuery()) {
          return r.next() ? r.getLong(1) : 0;
        }
      } catch (java.sql.SQLException e) {
        throw failed(e);
      }
    }

    /** Distinct blobs, uses (repository, blob), and uses found in another repository than the one needing it. */
    long[] counts() throws IOException {
      return new long[] {single("SELECT count(DISTINCT digest) FROM needs"), single("SELECT count(*) FROM needs"),
          single("SELECT count(*) FROM needs WHERE found IS NOT NULL AND found <> repository")};
    }

    private long single(String sql) throws IOException {
      try (java.sql.Statement s = db.createStatement(); java.sql.ResultSet r = s.executeQuery(sql)) {
        return r.next() ? r.getLong(1) : 0;
      } catch (java.sql.SQLException e) {
        throw failed(e);
      }
    }

    private IOException failed(java.sql.SQLException e) {
      return new IOException("the delta's needs database " + file + ": " + e.getMessage(), e);
    }

    @Override
    public void close() throws IOException {
      try {
        db.close();
      } catch (java.sql.SQLException e) {
        // deleted below
      }
      Files.deleteIfExists(file);
    }
  }

  /**
   * The repository of the target holding the blob: the one that needs it first, then the one the base receipt
   * names (receipt format 2: it may be a repository this import does not touch), then the import's others.
   */
  private static String where(CountingTarget target, Need n, String heldIn, TreeSet<String> repositories)
      throws IOException {
    if (present(target, n.repository(), n.blob())) {
      return n.repository(); // not noted: the push asks again, and a heap of 100,000 holders is what this avoids
    }
    if (heldIn != null && !heldIn.equals(n.repository()) && present(target, heldIn, n.blob())) {
      target.holderFound(n.blob().digest(), heldIn); // the push mounts it from there
      return heldIn;
    }
    for (String r : repositories) {
      if (r.equals(heldIn)) {
        continue;
      }
      if (!r.equals(n.repository()) && present(target, r, n.blob())) {
        target.holderFound(n.blob().digest(), r); // the push mounts it from there
        return r;
      }
    }
    return null;
  }

  private static boolean present(CountingTarget target, String repo, Descriptor blob) throws IOException {
    var s = target.blobSizeUnnoted(repo, blob.digest());
    return s.isPresent() && s.getAsLong() == blob.size();
  }

  private static List<String> ask(ExecutorService pool, List<Callable<String>> asks) throws IOException {
    if (asks.isEmpty()) {
      return List.of();
    }
    try {
      List<String> out = new ArrayList<>();
      for (Future<String> f : pool.invokeAll(asks)) {
        out.add(f.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while asking the target for the delta's base blobs");
    } catch (java.util.concurrent.ExecutionException e) {
      throw Futures.rethrow(e.getCause());
    }
  }

  /**
   * The verified catalog of a delta bundle (format version 3) in a temporary file, or null for an earlier version:
   * read by digest from the root (verified, and signed when the bundle is), never from beside the bundle.
   */
  private static Path deltaCatalog(BundleContent bundle) throws IOException {
    if (bundle.rootDigest() == null) {
      return null;
    }
    ContentStore src = bundle.store();
    RawManifest root = src.getManifest("", bundle.rootDigest().toString());
    String v = root.annotations().get(BundleFormat.ANNOTATION_FORMAT_VERSION);
    if (v == null || BundleFormat.formatVersion(v) < BundleFormat.DELTA_FORMAT_VERSION) {
      return null;
    }
    for (Descriptor d : root.manifests()) {
      if (!BundleFormat.METADATA_ARTIFACT_TYPE.equals(d.artifactType())) {
        continue;
      }
      RawManifest meta = src.getManifest("", d.digest().toString());
      for (Descriptor l : meta.layers()) {
        if (BundleFormat.CATALOG_MEDIA_TYPE.equals(l.mediaType())) {
          Path tmp = Files.createTempFile("airlock-delta-catalog-", ".db");
          try (InputStream in = src.openBlob("", l)) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
          } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
          }
          return tmp;
        }
      }
    }
    throw new VerificationException("bundle " + bundle.path() + ": the root has no catalog; nothing was imported");
  }
}
