package dev.airlock.verify.tuf;

import dev.airlock.InvalidInputException;
import dev.airlock.VerificationException;
import dev.airlock.files.NonClosingOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A TUF repository directory (consistent-snapshot layout: {@code N.root.json}, {@code timestamp.json},
 * {@code V.snapshot.json}, {@code V.targets.json}, {@code targets/<sha256>.<name>}) as the deterministic
 * uncompressed tar a bundle carries (media type {@code application/vnd.airlock.tuf-repo.v1.tar}).
 *
 * <p>Written: regular files only, names sorted, mode 0644, mtime 0, uid/gid 0, empty owner names, no
 * directory entries; links and any other subdirectory than {@code targets/} are refused. The same
 * directory always gives the same bytes. Read: only such names (no {@code ..}, absolute paths,
 * links or duplicates), with caps on the number of entries, each file and the total.
 */
public final class TufRepoArchive {
  private TufRepoArchive() {}

  public static final String TARGETS_DIR = "targets";
  /** Caps: TUF metadata and Sigstore targets are a few KiB each. */
  public static final int MAX_ENTRIES = 4096;
  public static final long MAX_FILE_BYTES = 8L << 20;
  public static final long MAX_TOTAL_BYTES = 64L << 20;

  private static final Pattern FILE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._+=-]{0,199}");
  private static final Pattern ENTRY = Pattern.compile("(" + TARGETS_DIR + "/)?" + FILE.pattern());

  /** Writes {@code dir} as a deterministic tar to {@code out} (which stays open). */
  public static void write(Path dir, OutputStream out) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new InvalidInputException("TUF repository " + dir + " is not a directory");
    }
    TreeMap<String, Path> files = new TreeMap<>();
    collect(dir, "", files);
    if (files.keySet().stream().noneMatch(n -> n.matches("[0-9]+\\.root\\.json"))) {
      throw new InvalidInputException("TUF repository " + dir + " has no N.root.json: not a consistent-snapshot repository");
    }
    if (files.size() > MAX_ENTRIES) {
      throw new InvalidInputException("TUF repository " + dir + " has more than " + MAX_ENTRIES + " files");
    }
    long total = 0;
    TarArchiveOutputStream tar = new TarArchiveOutputStream(new NonClosingOutputStream(out));
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    try (tar) {
      for (var e : files.entrySet()) {
        long size = Files.size(e.getValue());
        total += size;
        if (size > MAX_FILE_BYTES || total > MAX_TOTAL_BYTES) {
          throw new InvalidInputException("TUF repository " + dir + " is too large (" + e.getKey() + ")");
        }
        TarArchiveEntry te = new TarArchiveEntry(e.getKey());
        te.setSize(size);
        te.setMode(0100644);
        te.setModTime(0);
        te.setIds(0, 0);
        te.setUserName("");
        te.setGroupName("");
        tar.putArchiveEntry(te);
        try (InputStream in = Files.newInputStream(e.getValue(), LinkOption.NOFOLLOW_LINKS)) {
          if (in.transferTo(tar) != size) {
            throw new IOException(e.getValue() + " changed while it was archived");
          }
        }
        tar.closeArchiveEntry();
      }
      tar.finish();
    }
  }

  private static void collect(Path dir, String prefix, TreeMap<String, Path> files) throws IOException {
    List<Path> children;
    try (Stream<Path> s = Files.list(dir)) {
      children = new ArrayList<>(s.toList());
    }
    for (Path p : children) {
      String name = p.getFileName().toString();
      if (Files.isSymbolicLink(p)) {
        throw new InvalidInputException("TUF repository file " + p + " is a link; links are refused");
      }
      if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && prefix.isEmpty() && name.equals(TARGETS_DIR)) {
        collect(p, TARGETS_DIR + "/", files);
      } else if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        throw new InvalidInputException("TUF repository entry " + p + " is not a regular file (only files and targets/)");
      } else if (!FILE.matcher(name).matches()) {
        throw new InvalidInputException("TUF repository file name '" + p + "' is not a plain TUF name");
      } else {
        files.put(prefix + name, p);
      }
    }
  }

  /**
   * Extracts a tar written by {@link #write} into {@code destDir} (created if absent, must be empty).
   * Refuses unsafe names, links, directories, devices, duplicates and anything over the caps; on failure
   * the caller deletes {@code destDir}.
   */
  public static void extract(InputStream in, Path destDir) throws IOException {
    Files.createDirectories(destDir);
    try (Stream<Path> s = Files.list(destDir)) {
      if (s.findAny().isPresent()) {
        throw new InvalidInputException("directory " + destDir + " is not empty");
      }
    }
    TarArchiveInputStream tar = new TarArchiveInputStream(new NonClosingInput(in));
    int count = 0;
    long total = 0;
    TarArchiveEntry e;
    try {
      while ((e = tar.getNextEntry()) != null) {
        String name = e.getName();
        if (!ENTRY.matcher(name).matches()) {
          throw new VerificationException("TUF archive entry '" + printable(name) + "' has an unsafe or unexpected name");
        }
        if (!e.isFile() || e.isLink() || e.isSymbolicLink()) {
          throw new VerificationException("TUF archive entry '" + name + "' is not a regular file");
        }
        if (++count > MAX_ENTRIES) {
          throw new VerificationException("TUF archive has more than " + MAX_ENTRIES + " entries");
        }
        if (e.getSize() > MAX_FILE_BYTES || (total += e.getSize()) > MAX_TOTAL_BYTES) {
          throw new VerificationException("TUF archive entry '" + name + "' exceeds the size limits");
        }
        Path target = destDir.resolve(name);
        Files.createDirectories(target.getParent());
        try (OutputStream out = Files.newOutputStream(target, java.nio.file.StandardOpenOption.CREATE_NEW)) {
          long n = tar.transferTo(out);
          if (n != e.getSize()) {
            throw new VerificationException("TUF archive entry '" + name + "' is truncated");
          }
        } catch (FileAlreadyExistsException dup) {
          throw new VerificationException("TUF archive entry '" + name + "' appears twice");
        }
      }
    } catch (IOException | IllegalArgumentException ex) {
      if (ex instanceof VerificationException v) {
        throw v;
      }
      throw new VerificationException("TUF archive is not a readable tar: " + ex.getMessage());
    }
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : (s.length() > 120 ? s.substring(0, 120) + "..." : s).toCharArray()) {
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return b.toString();
  }

  private static final class NonClosingInput extends java.io.FilterInputStream {
    NonClosingInput(InputStream in) {
      super(in);
    }

    @Override
    public void close() {}
  }
}
