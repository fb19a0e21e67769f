package dev.airlock.audit;

import dev.airlock.InvalidInputException;
import dev.airlock.bundle.BundleArchive;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.bundler.Bundler;
import dev.airlock.catalog.CatalogReader;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The catalog of a bundle, or a catalog file given directly: for a bundle, {@code BUNDLE.catalog.db} beside
 * it when it hashes to the catalog digest the bundle's metadata manifest names (the one its signature
 * covers), else the catalog inside the tar, copied to a temporary file that {@link #close()} removes; an
 * edited copy beside it is ignored, and {@link #origin()} and {@link #warning()} say so.
 */
public final class OpenedCatalog implements AutoCloseable {
  private static final byte[] SQLITE_MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

  private final Path path;
  private final boolean bundle;
  private final String origin;
  private final CatalogReader reader;
  private final Path temp;
  private String warning;

  private OpenedCatalog(Path path, boolean bundle, String origin, CatalogReader reader, Path temp) {
    this.path = path;
    this.bundle = bundle;
    this.origin = origin;
    this.reader = reader;
    this.temp = temp;
  }

  /** Opens the catalog of {@code file}: a bundle tarball (.tar or .tar.zst) or a catalog.db. */
  public static OpenedCatalog open(Path file) throws IOException {
    boolean parts = dev.airlock.bundle.parts.PartSet.isPartSet(file);
    if (!Files.isRegularFile(file) && !parts) {
      throw new InvalidInputException(file + " does not exist or is not a file");
    }
    if (!parts && isCatalog(file)) {
      return new OpenedCatalog(file, false, "catalog file " + file.getFileName(), CatalogReader.open(file), null);
    }
    Path beside = Bundler.catalogFor(file);
    String ignored = null;
    if (Files.isRegularFile(beside)) {
      // the copy beside the bundle is a shortcut only when it is the catalog the bundle holds (and signs)
      Digest held;
      try {
        held = heldCatalog(file);
      } catch (IOException e) {
        throw BundleArchive.unreadable(file, e);
      }
      Digest copy = sha256(beside);
      if (copy.equals(held)) {
        return new OpenedCatalog(file, true, beside.getFileName() + " beside the bundle", CatalogReader.open(beside), null);
      }
      ignored = beside.getFileName() + " beside the bundle is not the catalog the bundle holds (" + copy.shortForm()
          + ", the bundle's is " + held.shortForm() + "): ignored";
    }
    Path temp = Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")), "airlock-catalog-", ".db");
    try {
      try {
        BundleArchive.extractCatalog(file, temp);
      } catch (IOException e) {
        throw BundleArchive.unreadable(file, e);
      }
      OpenedCatalog c = new OpenedCatalog(file, true, "the catalog inside the bundle" + (ignored == null ? ""
          : " (" + ignored + ")"), CatalogReader.open(temp), temp);
      c.warning = ignored;
      return c;
    } catch (RuntimeException | Error e) {
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  /** The digest of catalog.db as the bundle's metadata manifest names it (the digest the bundle signature covers). */
  static Digest heldCatalog(Path bundle) throws IOException {
    for (Descriptor d : BundleArchive.metadataLayers(bundle)) {
      if (BundleFormat.CATALOG_MEDIA_TYPE.equals(d.mediaType())) {
        return d.digest();
      }
    }
    throw new InvalidInputException(bundle + ": the metadata manifest has no catalog layer");
  }

  private static Digest sha256(Path file) throws IOException {
    return Digest.sha256(file);
  }

  /**
   * Set when a catalog beside the bundle was ignored because it is not the one the bundle holds (the
   * report reads the inside copy and says so in {@link #origin()}); null otherwise.
   */
  public String warning() {
    return warning;
  }

  /** Whether {@code file} starts like an SQLite database. */
  public static boolean isCatalog(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return Arrays.equals(in.readNBytes(SQLITE_MAGIC.length), SQLITE_MAGIC);
    }
  }

  /** The file given: the bundle, or the catalog file. */
  public Path path() {
    return path;
  }

  public boolean isBundle() {
    return bundle;
  }

  /** Where the catalog was read from, for a report's footnote. */
  public String origin() {
    return origin;
  }

  public CatalogReader reader() {
    return reader;
  }

  @Override
  public void close() throws IOException {
    reader.close();
    if (temp != null) {
      Files.deleteIfExists(temp);
    }
  }
}
