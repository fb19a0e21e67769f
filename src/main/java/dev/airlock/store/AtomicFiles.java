package dev.airlock.store;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Temp file, verify, atomic rename: a crash leaves either nothing or a whole, correct file. */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** A temp file beside {@code target} (same file system, so the rename is atomic). */
  public static Path tempBeside(Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    return Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
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
