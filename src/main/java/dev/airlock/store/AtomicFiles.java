package dev.airlock.store;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Temp file, verify, atomic rename: a crash leaves either nothing or a whole, correct file. */
public final class AtomicFiles {
  private AtomicFiles() {}

  private static final java.util.concurrent.atomic.AtomicLong TEMP_SEQ = new java.util.concurrent.atomic.AtomicLong();
  private static final java.nio.file.attribute.FileAttribute<?>[] OWNER_ONLY = {
      java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))};

  /**
   * A new, empty temp file beside {@code target} (same file system, so the rename is atomic), owner-only,
   * named {@code .NAME.PID-N-TIME.tmp}. Created exclusively (O_EXCL: never an existing file or a symbolic
   * link followed), a name taken is passed over for the next; the name needs no randomness, so a command
   * does not seed {@link java.security.SecureRandom} for it as {@link Files#createTempFile} does (a few per
   * cent of a small bundle run's main thread, issue 18).
   */
  public static Path tempBeside(Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    String stem = "." + target.getFileName() + "." + ProcessHandle.current().pid() + "-";
    for (int attempt = 0; ; attempt++) {
      Path p = dir.resolve(stem + TEMP_SEQ.incrementAndGet() + "-" + Long.toHexString(System.nanoTime()) + ".tmp");
      try {
        return posix ? Files.createFile(p, OWNER_ONLY) : Files.createFile(p);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        if (attempt >= 100) {
          throw e;
        }
      }
    }
  }

  public static void moveIntoPlace(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Writes small content (index.json, oci-layout) atomically (mode 0600, as temp files are made). */
  public static void write(Path target, byte[] content) throws IOException {
    write(target, content, null);
  }

  /**
   * Writes small content atomically with these POSIX permissions ({@code "rw-r--r--"}; null keeps the temp
   * file's 0600; ignored where the file system has none).
   */
  public static void write(Path target, byte[] content, String posixPermissions) throws IOException {
    Path tmp = tempBeside(target);
    try {
      Files.write(tmp, content);
      if (posixPermissions != null && tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString(posixPermissions));
      }
      moveIntoPlace(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
