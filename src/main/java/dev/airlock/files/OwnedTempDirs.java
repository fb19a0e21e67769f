package dev.airlock.files;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Temporary directories named for the process that made them ({@code airlock-verify-p4242-123...}): deleted
 * when the JVM exits (a shutdown hook: Ctrl-C, SIGTERM, a normal end), and, for what a killed process left
 * ({@code kill -9}), by the next process that makes one with the same prefix in the same place, once it
 * sees the owner's pid is no longer alive.
 */
public final class OwnedTempDirs {
  private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();
  private static final Set<String> SWEPT = ConcurrentHashMap.newKeySet();
  private static final Pattern OWNER = Pattern.compile("-p(\\d+)-");

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(OwnedTempDirs::deleteQuietly),
        "airlock-temp-cleanup"));
  }

  private OwnedTempDirs() {}

  /** A new directory under {@code parent} named {@code prefix + "p" + pid + "-..."}; stale ones are swept first. */
  public static Path create(Path parent, String prefix) throws IOException {
    if (SWEPT.add(parent.toAbsolutePath().normalize() + "\0" + prefix)) {
      sweepStale(parent, prefix);
    }
    Path dir = Files.createTempDirectory(parent, prefix + "p" + ProcessHandle.current().pid() + "-");
    LIVE.add(dir);
    return dir;
  }

  /** Deletes {@code dir} (a directory {@link #create} made) and forgets it. */
  public static void delete(Path dir) throws IOException {
    try {
      deleteTree(dir);
    } finally {
      LIVE.remove(dir);
    }
  }

  /** Deletes the directories under {@code parent} with {@code prefix} whose owner process is gone; how many. */
  public static int sweepStale(Path parent, String prefix) {
    int n = 0;
    if (!Files.isDirectory(parent)) {
      return 0;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(parent, prefix + "p*")) {
      for (Path p : s) {
        Matcher m = OWNER.matcher(p.getFileName().toString().substring(prefix.length() - 1));
        if (!m.lookingAt() || !Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        long pid = Long.parseLong(m.group(1));
        if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          continue;
        }
        if (pid == ProcessHandle.current().pid() && LIVE.contains(p)) {
          continue;
        }
        if (deleteQuietly(p)) {
          n++;
        }
      }
    } catch (IOException | RuntimeException e) {
      // best effort: a directory that cannot be listed keeps what it holds
    }
    return n;
  }

  private static boolean deleteQuietly(Path dir) {
    try {
      deleteTree(dir);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
