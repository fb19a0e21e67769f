package dev.airlock.store;

import dev.airlock.AirlockException;
import dev.airlock.progress.ByteSize;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks, before writing, that a file system has the room a write needs, so a full disk is a clear one-line
 * error up front ({@code bytes needed vs free, and where}) rather than "No space left on device" half-way.
 */
public final class DiskSpace {
  private DiskSpace() {}

  /**
   * Fails when the file system holding {@code dir} (or its nearest existing parent) has fewer than
   * {@code needed} bytes usable; {@code what} names the write ({@code "the bundle"}).
   */
  public static void require(Path dir, long needed, String what) throws IOException {
    if (needed <= 0) {
      return;
    }
    Path p = dir.toAbsolutePath();
    while (p != null && !Files.exists(p)) {
      p = p.getParent();
    }
    if (p == null) {
      return;
    }
    FileStore fs = Files.getFileStore(p);
    long free = fs.getUsableSpace();
    if (free < needed) {
      throw new AirlockException("not enough space for " + what + " in " + dir.toAbsolutePath() + ": it needs about "
          + ByteSize.human(needed) + " (" + needed + " bytes), " + ByteSize.human(free) + " (" + free
          + " bytes) are free on " + fs);
    }
  }
}
