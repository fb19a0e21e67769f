package dev.airlock.bundle;

import dev.airlock.VerificationException;
import dev.airlock.bundle.parts.PartFormat;
import dev.airlock.bundle.parts.PartSet;
import dev.airlock.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code BUNDLE.sha256}, the {@code sha256sum}-format file {@code bundle} writes beside what it writes: one
 * line for a bundle tarball ({@code .tar} or, compressed, {@code .tar.zst}: the file as it is on disk), one
 * line per part file for a set of parts ({@code site.tar.sha256} beside {@code site.part-NNN-of-NNN.tar}).
 * When it is there, every file it covers must hash to the digest its line gives (verify, and import on every
 * target); when it is absent nothing is checked (a bundle copied without it still verifies by its content).
 */
public final class ChecksumFile {
  /** 99,999 parts of about 100 bytes a line fit. */
  static final int CAP = 16 * 1024 * 1024;

  private final Path path;
  private final List<Path> files;
  private final List<String> lines;

  private ChecksumFile(Path path, List<Path> files, List<String> lines) {
    this.path = path;
    this.files = List.copyOf(files);
    this.lines = lines;
  }

  /**
   * The checksum file beside {@code bundle} (a tarball, a part of a set, or a directory of parts), or null
   * when there is none; a set's is named after its parts' stem ({@code site.tar.sha256}, or {@code site.sha256}).
   */
  public static ChecksumFile beside(Path bundle) throws IOException {
    if (bundle.getFileName() == null) {
      return null;
    }
    Path sums;
    List<Path> files;
    if (PartSet.isPartSet(bundle)) {
      try {
        files = PartSet.partFiles(bundle);
      } catch (dev.airlock.AirlockException e) {
        return null; // an incomplete set: the set's own check names what is missing
      }
      PartFormat.Name name = PartFormat.parseName(files.get(0).getFileName().toString());
      if (name == null) {
        return null;
      }
      sums = files.get(0).resolveSibling(name.stem() + ".tar.sha256");
      if (!Files.isRegularFile(sums)) {
        sums = files.get(0).resolveSibling(name.stem() + ".sha256");
      }
    } else if (Files.isRegularFile(bundle)) {
      files = List.of(bundle);
      sums = bundle.resolveSibling(bundle.getFileName() + ".sha256");
    } else {
      return null;
    }
    if (!Files.isRegularFile(sums)) {
      return null;
    }
    byte[] bytes = dev.airlock.files.BoundedFile.read(sums, CAP, "checksum file");
    List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    return new ChecksumFile(sums, files, lines);
  }

  public Path path() {
    return path;
  }

  /** The files whose digests this file gives and that must be checked: the tarball, or every part of the set. */
  public List<Path> files() {
    return files;
  }

  /**
   * {@code file} hashed to {@code actual}: it must be the digest of the line naming it (a one-line file names
   * the bundle whatever its name: it may have been renamed).
   *
   * @throws VerificationException naming this file and {@code file} when there is no such line or it differs
   */
  public void check(Path file, Digest actual) {
    String name = file.getFileName().toString();
    String expected = null;
    for (String line : lines) {
      String[] f = line.strip().split("\\s+\\*?", 2);
      if (f.length >= 1 && f[0].matches("[0-9a-f]{64}") && (f.length == 2 && f[1].equals(name) || lines.size() == 1)) {
        expected = f[0];
      }
    }
    if (expected == null) {
      throw new VerificationException(path + " has no sha256 line for " + name);
    }
    if (!expected.equals(actual.hex())) {
      throw new VerificationException(path + " disagrees with " + (files.size() == 1 && files.get(0).equals(file)
          ? "the bundle" : "part " + name) + ": it says sha256:" + expected + ", " + name + " hashes to " + actual
          + " (the file was changed or replaced after it was written)");
    }
  }

  /** Hashes every file this one covers, one after the other, and checks each ({@link #check}). */
  public void checkAll() throws IOException {
    for (Path f : files) {
      check(f, Digest.sha256(f));
    }
  }
}
