package dev.airlock.audit;

import dev.airlock.InvalidInputException;
import dev.airlock.bundle.BundleArchive;
import dev.airlock.bundler.Bundler;
import dev.airlock.catalog.CatalogReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The catalog of a bundle, or a catalog file given directly: for a bundle, {@code BUNDLE.catalog.db} beside
 * it, else the catalog inside the tar, copied to a temporary file that {@link #close()} removes.
 */
public final class OpenedCatalog implements AutoCloseable {
  private static final byte[] SQLITE_MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

  private final Path path;
  private final boolean bundle;
  private final String origin;
  private final CatalogReader reader;
  private final Path temp;

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
    if (Files.isRegularFile(beside)) {
      return new OpenedCatalog(file, true, beside.getFileName() + " beside the bundle", CatalogReader.open(beside), null);
    }
    Path temp = Files.createTempFile("airlock-catalog-", ".db");
    try {
      BundleArchive.extractCatalog(file, temp);
      return new OpenedCatalog(file, true, "the catalog inside the bundle", CatalogReader.open(temp), temp);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
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
