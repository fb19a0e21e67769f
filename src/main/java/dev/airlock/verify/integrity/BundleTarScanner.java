package dev.airlock.verify.integrity;

import com.github.luben.zstd.ZstdInputStream;
import dev.airlock.VerificationException;
import dev.airlock.bundle.parts.PartSet;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.store.LayoutStore;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * One pass over a bundle tarball ({@code .tar} or zstd-compressed): checks entry names and types,
 * hashes every blob exactly once and compares it with its name ({@link BlobCheck}), and spools only
 * small things into a temporary OCI layout directory. Memory stays flat; nothing else is extracted.
 *
 * <p>An uncompressed tarball in a regular file (the usual case) has its headers walked first (every
 * name, type, link, duplicate and truncation check happens there, before any blob is hashed), then its
 * blobs hashed on every processor with positional reads, the largest first ({@link ParallelChecks});
 * a compressed one is read as one sequential stream. Both report the same errors; when several blobs
 * are corrupted, the first in the tarball is named.
 */
public final class BundleTarScanner {
  private BundleTarScanner() {}

  private static final byte[] ZSTD_MAGIC = {(byte) 0x28, (byte) 0xb5, (byte) 0x2f, (byte) 0xfd};
  private static final Pattern BLOB = Pattern.compile("blobs/(sha256|sha512)/([0-9a-f]+)");
  private static final String TRUNCATED = "Truncated TAR archive";

  /** Scans {@code bundle}; the spool directory is created under {@code tempParent}. */
  public static BundleScan scan(Path bundle, Path tempParent) throws IOException {
    return scan(bundle, tempParent, ParallelChecks.defaultThreads(), Long.MAX_VALUE);
  }

  /**
   * As {@link #scan(Path, Path)}, but layers of {@code deferFrom} bytes or more in an uncompressed
   * tarball are not hashed: they are listed in {@link BundleScan#deferred()} for the caller to hash as it
   * reads them (an import hashes each layer once, while it is uploaded). Everything else is checked.
   */
  public static BundleScan scan(Path bundle, Path tempParent, long deferFrom) throws IOException {
    return scan(bundle, tempParent, ParallelChecks.defaultThreads(), deferFrom);
  }

  /**
   * As {@link #scan(Path, Path)}, hashing a seekable tarball on up to {@code threads} threads; 0 reads
   * every bundle as one sequential stream (the path of compressed bundles).
   */
  static BundleScan scan(Path bundle, Path tempParent, int threads) throws IOException {
    return scan(bundle, tempParent, threads, Long.MAX_VALUE);
  }

  private static BundleScan scan(Path bundle, Path tempParent, int threads, long deferFrom) throws IOException {
    Path spool = Files.createTempDirectory(tempParent, "airlock-verify-");
    BundleScan result = new BundleScan(bundle, spool);
    boolean ok = false;
    try {
      Files.createDirectories(spool.resolve("blobs/sha256"));
      Files.createDirectories(spool.resolve("blobs/sha512"));
      try {
        boolean parts = PartSet.isPartSet(bundle);
        if (threads > 0 && (parts || Files.isRegularFile(bundle) && !startsWith(bundle, ZSTD_MAGIC))) {
          scanFile(result, threads, deferFrom);
        } else {
          try (InputStream raw = new BufferedInputStream(parts ? java.nio.channels.Channels.newInputStream(
              PartSet.open(bundle)) : Files.newInputStream(bundle), 1 << 16)) {
            scanStream(result, raw);
          }
        }
      } catch (IOException | IllegalArgumentException e) {
        if (e instanceof VerificationException) {
          throw e;
        }
        throw new VerificationException(bundle + " is not a readable bundle tarball: " + Json.firstLine(e.getMessage()));
      }
      if (result.layoutFile == null) {
        throw new VerificationException(bundle + ": no oci-layout entry; this is not an OCI layout bundle");
      }
      if (result.indexBytes == null) {
        throw new VerificationException(bundle + ": no index.json entry");
      }
      Files.write(spool.resolve(LayoutStore.LAYOUT_FILE), result.layoutFile);
      Files.write(spool.resolve(LayoutStore.INDEX_FILE), result.indexBytes);
      ok = true;
      return result;
    } finally {
      if (!ok) {
        result.close();
      }
    }
  }

  /** The sequential pass: one stream (a .tar or .tar.zst), each blob hashed while it flows. */
  private static void scanStream(BundleScan r, InputStream raw) throws IOException {
    try (InputStream in = maybeZstd(raw); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      byte[] buf = new byte[ParallelChecks.BUFFER];
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        Digest blob = entry(r, e, () -> tar);
        if (blob != null) {
          BlobCheck.check(r, blob, e.getSize(), tar::read, buf);
          r.blobs.put(blob, e.getSize());
        }
      }
    }
  }

  /** Headers first, then every blob hashed with positional reads on up to {@code threads} threads. */
  private static void scanFile(BundleScan r, int threads, long deferFrom) throws IOException {
    // a set of parts (bundle --volume-size) is read as the one tarball it makes up, in place
    try (FileChannel ch = PartSet.isPartSet(r.bundle) ? PartSet.open(r.bundle)
        : FileChannel.open(r.bundle, StandardOpenOption.READ)) {
      long fileSize = ch.size();
      List<TarArchiveEntry> blobEntries = new ArrayList<>();
      List<Digest> digests = new ArrayList<>();
      // TarFile parses headers exactly as TarArchiveInputStream does; it only reads the channel here
      TarFile tar = new TarFile(ch);
      for (TarArchiveEntry e : tar.getEntries()) {
        if (e.getDataOffset() < 0 || e.getDataOffset() + e.getSize() > fileSize) {
          throw new VerificationException(r.bundle + " is not a readable bundle tarball: " + TRUNCATED);
        }
        Digest blob = entry(r, e, () -> tar.getInputStream(e));
        if (blob != null) {
          blobEntries.add(e);
          digests.add(blob);
        }
      }
      List<ParallelChecks.Job> jobs = new ArrayList<>();
      for (int i = 0; i < blobEntries.size(); i++) {
        TarArchiveEntry e = blobEntries.get(i);
        Digest d = digests.get(i);
        jobs.add(new ParallelChecks.Job(e.getSize(), buf -> {
          if (!BlobCheck.check(r, d, e.getSize(), BlobCheck.range(ch, e.getDataOffset(), e.getSize()), buf, deferFrom)) {
            synchronized (r.deferred) {
              r.deferred.put(d, e.getSize());
            }
          }
        }));
      }
      ParallelChecks.run(jobs, threads);
      for (int i = 0; i < blobEntries.size(); i++) {
        r.blobs.put(digests.get(i), blobEntries.get(i).getSize());
      }
    }
  }

  private interface Data {
    InputStream open() throws IOException;
  }

  /** Checks one entry; reads oci-layout and index.json; returns the digest of a blob to hash, else null. */
  private static Digest entry(BundleScan r, TarArchiveEntry e, Data data) throws IOException {
    String name = e.getName();
    String shown = printable(name);
    if (name.startsWith("/") || name.contains("..") || name.contains("\\")) {
      throw new VerificationException(r.bundle + ": entry '" + shown + "' has an unsafe path");
    }
    if (e.isSymbolicLink() || e.isLink()) {
      throw new VerificationException(r.bundle + ": entry '" + shown + "' is a link; bundles contain no links");
    }
    if (!r.names.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name)) {
      throw new VerificationException(r.bundle + ": entry '" + shown + "' appears twice");
    }
    if (e.isDirectory()) {
      if (!name.matches("blobs/?|blobs/(sha256|sha512)/?")) {
        throw new VerificationException(r.bundle + ": unexpected directory '" + shown + "'");
      }
      return null;
    }
    if (!e.isFile()) {
      throw new VerificationException(r.bundle + ": entry '" + shown + "' is not a regular file");
    }
    switch (name) {
      case LayoutStore.LAYOUT_FILE -> r.layoutFile = Json.readCapped(data.open(), 4096, "oci-layout in " + r.bundle);
      case LayoutStore.INDEX_FILE -> r.indexBytes = Json.readCapped(data.open(), Json.MANIFEST_CAP * 4, "index.json in " + r.bundle);
      default -> {
        var m = BLOB.matcher(name);
        if (!m.matches() || !Digest.isValid(m.group(1) + ":" + m.group(2))) {
          throw new VerificationException(r.bundle + ": unexpected entry '" + shown
              + "' (only oci-layout, index.json and blobs/<alg>/<hex>)");
        }
        return Digest.parse(m.group(1) + ":" + m.group(2));
      }
    }
    return null;
  }

  private static boolean startsWith(Path file, byte[] magic) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return Arrays.equals(in.readNBytes(magic.length), magic);
    }
  }

  private static InputStream maybeZstd(InputStream raw) throws IOException {
    raw.mark(4);
    byte[] head = raw.readNBytes(4);
    raw.reset();
    return Arrays.equals(head, ZSTD_MAGIC) ? new ZstdInputStream(raw) : raw;
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : (s.length() > 120 ? s.substring(0, 120) + "..." : s).toCharArray()) {
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return b.toString();
  }
}
