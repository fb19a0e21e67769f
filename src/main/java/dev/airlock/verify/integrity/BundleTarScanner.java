package dev.airlock.verify.integrity;

import com.github.luben.zstd.ZstdInputStream;
import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.store.LayoutStore;
import dev.airlock.verify.tuf.TufRepoArchive;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * One streaming pass over a bundle tarball ({@code .tar} or zstd-compressed): checks entry names and
 * types, hashes every blob while it flows and compares with its name, and spools only small things into
 * a temporary OCI layout directory: JSON blobs up to the manifest cap (manifests, signature payloads,
 * Sigstore bundles), SQLite files (the catalog) and a carried TUF repository archive. Memory stays flat; nothing else is extracted.
 */
public final class BundleTarScanner {
  private BundleTarScanner() {}

  private static final byte[] ZSTD_MAGIC = {(byte) 0x28, (byte) 0xb5, (byte) 0x2f, (byte) 0xfd};
  private static final byte[] SQLITE_MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
  private static final Pattern TUF_FIRST_ENTRY = Pattern.compile("[0-9]+\\.[A-Za-z0-9._-]*json");
  /** A TUF archive is spooled up to its own cap plus tar headers. */
  private static final long TUF_SPOOL_CAP = TufRepoArchive.MAX_TOTAL_BYTES + 4L * 1024 * 1024;
  private static final Pattern BLOB = Pattern.compile("blobs/(sha256|sha512)/([0-9a-f]+)");

  /** Scans {@code bundle}; the spool directory is created under {@code tempParent}. */
  public static BundleScan scan(Path bundle, Path tempParent) throws IOException {
    Path spool = Files.createTempDirectory(tempParent, "airlock-verify-");
    BundleScan result = new BundleScan(bundle, spool);
    boolean ok = false;
    try {
      Files.createDirectories(spool.resolve("blobs/sha256"));
      Files.createDirectories(spool.resolve("blobs/sha512"));
      try (InputStream raw = new BufferedInputStream(Files.newInputStream(bundle), 1 << 16);
          InputStream in = maybeZstd(raw);
          TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
          entry(result, tar, e);
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

  private static InputStream maybeZstd(InputStream raw) throws IOException {
    raw.mark(4);
    byte[] head = raw.readNBytes(4);
    raw.reset();
    return Arrays.equals(head, ZSTD_MAGIC) ? new ZstdInputStream(raw) : raw;
  }

  private static void entry(BundleScan r, TarArchiveInputStream tar, TarArchiveEntry e) throws IOException {
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
      return;
    }
    if (!e.isFile()) {
      throw new VerificationException(r.bundle + ": entry '" + shown + "' is not a regular file");
    }
    switch (name) {
      case LayoutStore.LAYOUT_FILE -> r.layoutFile = Json.readCapped(tar, 4096, "oci-layout in " + r.bundle);
      case LayoutStore.INDEX_FILE -> r.indexBytes = Json.readCapped(tar, Json.MANIFEST_CAP * 4, "index.json in " + r.bundle);
      default -> blob(r, tar, e, name, shown);
    }
  }

  private static void blob(BundleScan r, InputStream in, TarArchiveEntry e, String name, String shown) throws IOException {
    var m = BLOB.matcher(name);
    if (!m.matches() || !Digest.isValid(m.group(1) + ":" + m.group(2))) {
      throw new VerificationException(r.bundle + ": unexpected entry '" + shown + "' (only oci-layout, index.json and blobs/<alg>/<hex>)");
    }
    Digest expected = Digest.parse(m.group(1) + ":" + m.group(2));
    MessageDigest md = expected.newMessageDigest();
    long size = e.getSize();
    byte[] buf = new byte[1 << 16];
    int head = in.readNBytes(buf, 0, (int) Math.min(buf.length, size));
    boolean json = size <= Json.MANIFEST_CAP && head > 0 && startsWithBrace(buf, head);
    boolean sqlite = head >= SQLITE_MAGIC.length && Arrays.equals(buf, 0, SQLITE_MAGIC.length, SQLITE_MAGIC, 0, SQLITE_MAGIC.length);
    boolean tuf = size <= TUF_SPOOL_CAP && isTufArchive(buf, head);
    Path target = r.spool.resolve(expected.blobPath());
    Path tmp = (json || sqlite || tuf) ? target.resolveSibling(".tmp-" + expected.hex()) : null;
    long total = 0;
    try (OutputStream out = tmp == null ? OutputStream.nullOutputStream() : Files.newOutputStream(tmp)) {
      int n = head;
      while (n > 0) {
        md.update(buf, 0, n);
        out.write(buf, 0, n);
        total += n;
        n = in.read(buf);
      }
    }
    Digest actual = Digest.of(expected.algorithm(), md.digest());
    if (!actual.equals(expected) || total != size) {
      if (tmp != null) {
        Files.deleteIfExists(tmp);
      }
      throw new VerificationException(r.bundle + ": blob " + expected + " is corrupted: its content hashes to " + actual);
    }
    if (tmp != null) {
      Files.move(tmp, target);
    }
    r.blobs.put(expected, size);
  }

  /**
   * A carried TUF repository ({@link TufRepoArchive}): a ustar archive whose first entry is a TUF
   * metadata file ({@code N.root.json} sorts first). Image layers are compressed or start elsewhere.
   */
  private static boolean isTufArchive(byte[] b, int n) {
    if (n < 512 || !new String(b, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
      return false;
    }
    int end = 0;
    while (end < 100 && b[end] != 0) {
      end++;
    }
    return TUF_FIRST_ENTRY.matcher(new String(b, 0, end, StandardCharsets.US_ASCII)).matches();
  }

  private static boolean startsWithBrace(byte[] b, int n) {
    for (int i = 0; i < n; i++) {
      if (b[i] == '{') {
        return true;
      }
      if (b[i] != ' ' && b[i] != '\n' && b[i] != '\r' && b[i] != '\t') {
        return false;
      }
    }
    return false;
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : (s.length() > 120 ? s.substring(0, 120) + "..." : s).toCharArray()) {
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return b.toString();
  }
}
