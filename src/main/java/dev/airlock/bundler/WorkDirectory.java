package dev.airlock.bundler;

import dev.airlock.InvalidInputException;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;

/**
 * The bundler's working directory, held for one run. Two runs on one directory cannot both go on: the
 * first takes an exclusive lock on {@code WORK.lock} beside it (a {@link FileChannel} lock, which the
 * system drops when the process ends, however it ends) and writes there who holds it; the second says who
 * ({@code pid 4242 on build-1, started 2026-12-02T15:20:00Z}), within one JVM too.
 *
 * <p>A default working directory ({@code BUNDLE.work}) is airlock's own: it carries a marker file
 * ({@value #MARKER}) and is removed by renaming it to {@code BUNDLE.work.deleting-...} first, then
 * deleting that, so a kill while it is deleted leaves no half-deleted {@code BUNDLE.work}, only a
 * leftover the next run removes. A {@code BUNDLE.work} that is not a layout any more but holds nothing
 * airlock did not put there (a kill while an older airlock deleted it, oci-layout first) is removed too:
 * a re-run always recovers. A directory the user named (--work) is never removed.
 */
final class WorkDirectory implements Closeable {
  static final String MARKER = ".airlock-work";
  static final String DELETING = ".deleting-";
  /** What a working layout holds; a non-layout directory holding only these is a partly deleted one. */
  private static final Set<String> OURS = Set.of(MARKER, ".bundle", "blobs", "index.json", "oci-layout", "ingest");

  private static final Set<Path> HELD_HERE = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final Path dir;
  private final boolean owned;
  private final Path lockPath;
  private final FileChannel channel;
  private final FileLock lock;

  private WorkDirectory(Path dir, boolean owned, Path lockPath, FileChannel channel, FileLock lock) {
    this.dir = dir;
    this.owned = owned;
    this.lockPath = lockPath;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes {@code dir} for this run: locks it, removes what killed runs left (see the class comment) when it
   * is airlock's own ({@code owned}), and returns it held until {@link #close()}.
   */
  static WorkDirectory claim(Path dir, boolean owned, String what) throws IOException {
    Path lockPath = dir.resolveSibling(dir.getFileName() + ".lock");
    Files.createDirectories(dir.getParent());
    if (!HELD_HERE.add(lockPath)) {
      throw inUse(dir, lockPath);
    }
    FileChannel ch = null;
    try {
      for (int attempt = 0; ; attempt++) {
        ch = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock l;
        try {
          l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
          l = null;
        }
        if (l == null) {
          ch.close();
          ch = null;
          throw inUse(dir, lockPath);
        }
        byte[] holder = holder(what).getBytes(StandardCharsets.UTF_8);
        ch.truncate(0);
        // not forced to disk: the lock is the system's file lock, dropped with the process however it ends;
        // the text only names the holder for a second run's message, and the check below reads it back from
        // the page cache (the fsync was about a sixth of a small bundle run's wall on a busy disk, issue 18)
        ch.write(ByteBuffer.wrap(holder), 0);
        // the run before may have deleted the file it held as we opened it: what we locked must be at the path
        if (!java.util.Arrays.equals(readOrNull(lockPath), holder) && attempt < 5) {
          l.release();
          ch.close();
          ch = null;
          continue;
        }
        WorkDirectory w = new WorkDirectory(dir, owned, lockPath, ch, l);
        if (owned) {
          w.recover();
        }
        return w;
      }
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        ch.close();
      }
      HELD_HERE.remove(lockPath);
      throw e;
    }
  }

  private static byte[] readOrNull(Path p) {
    try {
      return dev.airlock.files.BoundedFile.read(p, 4096, "lock file");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static String holder(String what) {
    return "pid " + ProcessHandle.current().pid() + " on " + hostName() + ", started "
        + Instant.now().truncatedTo(ChronoUnit.SECONDS) + (what == null ? "" : ", " + what) + "\n";
  }

  /**
   * This machine's name, as {@code InetAddress.getLocalHost().getHostName()} gives it, read from the kernel
   * where Linux has it: getLocalHost also resolves the name to an address (the name service's set-up, and a
   * DNS query where the name is not in /etc/hosts), which a bundle run has no use for.
   */
  static String hostName() {
    try {
      byte[] b;
      try (java.io.InputStream in = Files.newInputStream(Path.of("/proc/sys/kernel/hostname"))) {
        b = in.readNBytes(256); // at most 64 bytes on Linux; /proc gives no size to check first
      }
      String h = new String(b, StandardCharsets.UTF_8).strip();
      if (!h.isEmpty()) {
        return h;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or no /proc: ask the JDK
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "this host";
    }
  }

  private static InvalidInputException inUse(Path dir, Path lockPath) {
    String who;
    try {
      byte[] b = readOrNull(lockPath);
      who = b == null ? "" : new String(b, StandardCharsets.UTF_8).strip();
    } catch (RuntimeException e) {
      who = "";
    }
    return new InvalidInputException("the working directory " + dir + " is in use by another airlock bundle run"
        + (who.isEmpty() ? "" : " (" + who + ")") + "; wait for it to end, or stop it (its lock: " + lockPath + ")");
  }

  /** Removes leftovers of killed runs: renamed directories being deleted, and a partly deleted layout. */
  private void recover() throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir.getParent(), dir.getFileName() + DELETING + "*")) {
      for (Path p : s) {
        Bundler.deleteTree(p);
      }
    }
    if (Files.isDirectory(dir) && !Files.isRegularFile(dir.resolve("oci-layout")) && onlyOurs(dir)) {
      Bundler.deleteTree(dir);
    }
  }

  private static boolean onlyOurs(Path dir) throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        String n = p.getFileName().toString();
        if (!OURS.contains(n) && !n.endsWith(".tmp")) {
          return false;
        }
      }
    }
    return true;
  }

  /** Marks a default working directory as airlock's, once its layout exists. */
  void mark() throws IOException {
    if (owned && Files.isDirectory(dir) && !Files.exists(dir.resolve(MARKER))) {
      Files.write(dir.resolve(MARKER), new byte[0]);
    }
  }

  /** Removes the working directory: renamed first, then deleted, so no half-deleted one keeps its name. */
  void delete() throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Path doomed = dir.resolveSibling(dir.getFileName() + DELETING + ProcessHandle.current().pid() + "-" + System.nanoTime());
    Files.move(dir, doomed, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    Bundler.deleteTree(doomed);
  }

  @Override
  public void close() throws IOException {
    try {
      Files.deleteIfExists(lockPath); // while still held: a run that opens it after this locks a new file
    } finally {
      try {
        lock.release();
      } finally {
        channel.close();
        HELD_HERE.remove(lockPath);
      }
    }
  }
}
