package dev.airlock.bundle;

import dev.airlock.InvalidInputException;
import dev.airlock.VerificationException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * airlock's own distribution (airlock-VERSION-linux-ARCH.tar.gz, scripts/distribution.sh) carried in a bundle's
 * metadata (since format v2, docs/bundle-format.md "The airlock distribution"): {@code bundle --include-self}
 * checks a tarball and describes it as a metadata layer; {@code extract-self} unpacks it from a verified bundle.
 *
 * <p>A distribution tarball holds one top directory named as the file, {@code airlock-VERSION-linux-ARCH/}, with
 * {@code VERSION}, {@code bin/airlock}, {@code lib/airlock.jar} and {@code runtime/bin/java} in it; regular files and
 * directories only (no links, no devices, no {@code ..}, no absolute names), at most {@link #MAX_ENTRIES} entries
 * and {@link #MAX_UNPACKED} bytes unpacked.
 */
public final class SelfDistribution {
  private SelfDistribution() {}

  public static final long MAX_UNPACKED = 1L << 30;
  public static final int MAX_ENTRIES = 20_000;
  private static final Pattern NAME = Pattern.compile("(airlock-([0-9A-Za-z][0-9A-Za-z.+_-]*)-(linux-(x86_64|aarch64)))\\.tar\\.gz");
  private static final List<String> REQUIRED = List.of("VERSION", "bin/airlock", "lib/airlock.jar", "runtime/bin/java");

  /** A distribution tarball that passed {@link #inspect}: its file, version ({@code VERSION}), platform and digest. */
  public record Tarball(Path file, String fileName, String version, String platform, Digest digest, long size) {
    /** The metadata layer that carries it. */
    public Descriptor layer() {
      return Descriptor.of(BundleFormat.DISTRIBUTION_MEDIA_TYPE, digest, size)
          .withAnnotation(Descriptor.TITLE, fileName)
          .withAnnotation(BundleFormat.ANNOTATION_DISTRIBUTION_VERSION, version)
          .withAnnotation(BundleFormat.ANNOTATION_DISTRIBUTION_PLATFORM, platform);
    }
  }

  /** Reads a distribution tarball once: its sha256, and every entry checked as above. */
  public static Tarball inspect(Path file) throws IOException {
    String fileName = file.getFileName().toString();
    Matcher m = NAME.matcher(fileName);
    if (!m.matches()) {
      throw new InvalidInputException(file + " is not named as an airlock distribution (airlock-VERSION-linux-ARCH.tar.gz)");
    }
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException("distribution " + file + " does not exist or is not a file");
    }
    MessageDigest sha = sha256();
    String[] version = new String[1];
    try (InputStream in = new DigestInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16), sha)) {
      walk(in, m.group(1), file.toString(), (rel, e, tar) -> {
        if (rel.equals("VERSION")) {
          version[0] = new String(tar.readNBytes(256), StandardCharsets.UTF_8).trim();
        }
      });
      in.transferTo(OutputStream.nullOutputStream()); // the gzip trailer and tar padding count in the digest
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      throw new InvalidInputException(file + " is not a whole gzip tarball: " + e.getMessage());
    }
    if (!m.group(2).equals(version[0])) {
      throw new InvalidInputException(file + ": its VERSION says '" + version[0] + "', its name " + m.group(2));
    }
    return new Tarball(file, fileName, version[0], m.group(3), Digest.parse("sha256:" + java.util.HexFormat.of().formatHex(sha.digest())),
        Files.size(file));
  }

  /** The distribution layers of a metadata manifest's layers. */
  public static List<Descriptor> layers(List<Descriptor> metadataLayers) {
    return metadataLayers.stream().filter(d -> BundleFormat.DISTRIBUTION_MEDIA_TYPE.equals(d.mediaType())).toList();
  }

  /**
   * Unpacks the distribution {@code in} (the layer's bytes, already checked against its digest by the caller's
   * stream) described by {@code layer} into {@code dir}: into a temporary directory there, renamed to
   * {@code dir/airlock-VERSION-linux-ARCH} when whole. Returns that directory. An existing one is an error.
   */
  public static Path unpack(InputStream in, Descriptor layer, Path dir) throws IOException {
    String title = layer.annotation(Descriptor.TITLE);
    Matcher m = title == null ? null : NAME.matcher(title);
    if (m == null || !m.matches()) {
      throw new VerificationException("the carried distribution's title '" + title + "' is not airlock-VERSION-linux-ARCH.tar.gz");
    }
    Path target = dir.resolve(m.group(1));
    if (Files.exists(target)) {
      throw new InvalidInputException(target + " already exists; remove it or extract elsewhere");
    }
    Files.createDirectories(dir);
    Path tmp = Files.createTempDirectory(dir, ".airlock-extract-");
    try {
      walk(in, m.group(1), title, (rel, e, tar) -> {
        Path p = tmp.resolve(m.group(1)).resolve(rel).normalize();
        if (!p.startsWith(tmp)) {
          throw new VerificationException(title + ": entry " + e.getName() + " leaves the directory");
        }
        if (e.isDirectory()) {
          Files.createDirectories(p);
          return;
        }
        Files.createDirectories(p.getParent());
        try (OutputStream out = Files.newOutputStream(p)) {
          tar.transferTo(out);
        }
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString((e.getMode() & 0111) != 0 ? "rwxr-xr-x" : "rw-r--r--"));
      });
      in.transferTo(OutputStream.nullOutputStream()); // to its end, where the caller's stream checks the digest
      Files.move(tmp.resolve(m.group(1)), target, StandardCopyOption.ATOMIC_MOVE);
      return target;
    } finally {
      deleteTree(tmp);
    }
  }

  private interface EntryVisitor {
    void visit(String relative, TarArchiveEntry entry, InputStream tar) throws IOException;
  }

  /** Walks the gzip tarball {@code in}, checking every entry as the class comment says. */
  private static void walk(InputStream in, String top, String what, EntryVisitor visitor) throws IOException {
    TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(in, 1 << 16));
    Set<String> seen = new HashSet<>();
    long total = 0;
    int count = 0;
    TarArchiveEntry e;
    while ((e = tar.getNextEntry()) != null) {
      String name = e.getName();
      if (++count > MAX_ENTRIES) {
        throw new InvalidInputException(what + " has more than " + MAX_ENTRIES + " entries");
      }
      if (e.isSymbolicLink() || e.isLink() || e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()
          || e.isGlobalPaxHeader() || e.isSparse() || !(e.isFile() || e.isDirectory())) {
        throw new InvalidInputException(what + ": " + name + " is not a regular file or directory");
      }
      String n = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
      if (n.startsWith("/") || List.of(n.split("/")).contains("..") || !(n.equals(top) || n.startsWith(top + "/"))) {
        throw new InvalidInputException(what + ": entry " + name + " is outside " + top + "/");
      }
      if (!seen.add(n)) {
        throw new InvalidInputException(what + ": entry " + name + " appears twice");
      }
      total += Math.max(0, e.getSize());
      if (total > MAX_UNPACKED) {
        throw new InvalidInputException(what + " unpacks to more than " + MAX_UNPACKED + " bytes");
      }
      visitor.visit(n.equals(top) ? "" : n.substring(top.length() + 1), e, tar);
    }
    for (String r : REQUIRED) {
      if (!seen.contains(top + "/" + r)) {
        throw new InvalidInputException(what + " is not an airlock distribution: it has no " + top + "/" + r);
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    }
  }

  /** Distribution tarballs named for {@code version} in {@code dir} (none when it is not a directory), sorted. */
  public static List<Path> findIn(Path dir, String version) throws IOException {
    List<Path> out = new ArrayList<>();
    if (dir == null || !Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "airlock-*-linux-*.tar.gz")) {
      for (Path p : ds) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (m.matches() && m.group(2).equals(version) && Files.isRegularFile(p)) {
          out.add(p);
        }
      }
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }
}
