package dev.airlock.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.zip.CRC32;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * sqlite-jdbc extracts its native library from the jar to the temporary directory on every run and
 * compares the copy byte by byte with the jar's, which costs a few hundred milliseconds of each command
 * that opens a catalog. This keeps one copy per user instead, in {@code $XDG_CACHE_HOME/airlock/native}
 * (else {@code ~/.cache/airlock/native}), a directory only its owner may write; the copy is compared with
 * the jar's bytes on each use and rewritten (temp file, atomic rename) when it differs. Best effort: on
 * any problem, or when the user already chose a library ({@code org.sqlite.lib.path}/{@code .name}),
 * sqlite-jdbc's own loading applies.
 */
public final class SqliteNativeLibrary {
  private static final int CAP = 64 << 20;
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
  private static boolean prepared;

  private SqliteNativeLibrary() {}

  /** Points sqlite-jdbc at the cached copy; call before the first connection. Idempotent, thread-safe. */
  public static synchronized void prepare() {
    if (prepared) {
      return;
    }
    prepared = true;
    if (System.getProperty("org.sqlite.lib.path") != null || System.getProperty("org.sqlite.lib.name") != null) {
      return;
    }
    try {
      Path dir = cacheDir();
      if (dir == null) {
        return;
      }
      String name = LibraryLoaderUtil.getNativeLibName();
      byte[] lib;
      try (InputStream in = LibraryLoaderUtil.class.getResourceAsStream(
          LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name)) {
        if (in == null) {
          return;
        }
        lib = in.readNBytes(CAP + 1);
      }
      if (lib.length > CAP) {
        return;
      }
      CRC32 crc = new CRC32();
      crc.update(lib);
      String cached = name.replaceFirst("(\\.[^.]*)?$", "-" + Long.toHexString(crc.getValue()) + "-" + lib.length + "$1");
      Path file = dir.resolve(cached);
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) != lib.length
          || crc32(Files.readAllBytes(file)) != crc.getValue()) {
        Path tmp = Files.createTempFile(dir, ".tmp-", "-" + name);
        try {
          try (OutputStream out = Files.newOutputStream(tmp)) {
            out.write(lib);
          }
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      System.setProperty("org.sqlite.lib.path", dir.toString());
      System.setProperty("org.sqlite.lib.name", cached);
    } catch (IOException | RuntimeException | LinkageError e) {
      // sqlite-jdbc extracts the library itself
    }
  }

  /**
   * A connection to the SQLite database at {@code file}, the library prepared first. Straight from
   * sqlite-jdbc's driver rather than through {@link java.sql.DriverManager}, whose first use loads every
   * {@code java.sql.Driver} on the class path through the service loader (a few per cent of a small bundle
   * run's main thread, issue 18); the connection is the same one {@code jdbc:sqlite:FILE} gives.
   */
  public static java.sql.Connection connect(Path file, java.util.Properties properties) throws java.sql.SQLException {
    prepare();
    return org.sqlite.JDBC.createConnection(org.sqlite.JDBC.PREFIX + file,
        properties == null ? new java.util.Properties() : properties);
  }

  /**
   * The copy is compared by CRC-32 rather than byte by byte: both run natively from the first call, where
   * {@code Arrays.equals} over a megabyte ran in the interpreter on every start (issue 18). The directory is
   * the user's own, so this guards against a torn or stale copy, not against its owner.
   */
  private static long crc32(byte[] b) {
    CRC32 c = new CRC32();
    c.update(b);
    return c.getValue();
  }

  /** The cache directory, created owner-only; null when it is not ours alone. */
  private static Path cacheDir() throws IOException {
    String xdg = System.getenv("XDG_CACHE_HOME");
    String home = System.getProperty("user.home");
    Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
        : home == null || home.isBlank() ? null : Path.of(home, ".cache");
    if (base == null) {
      return null;
    }
    Path dir = base.resolve("airlock").resolve("native");
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(dir.getParent());
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // created meanwhile by another run; checked below
      }
    }
    PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    String me = System.getProperty("user.name");
    if (!a.isDirectory() || !a.owner().getName().equals(me) || !a.permissions().equals(OWNER_ONLY)) {
      return null;
    }
    return dir;
  }
}
