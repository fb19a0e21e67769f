package dev.airlock.verify.integrity;

import com.github.luben.zstd.ZstdInputStream;
import dev.airlock.VerificationException;
import dev.airlock.bundle.BundleTarWriter;
import dev.airlock.bundle.CanonicalTarReader;
import dev.airlock.bundle.parts.PartSet;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.store.LayoutStore;
import dev.airlock.store.archive.ChannelRangeInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One pass over a bundle tarball ({@code .tar} or zstd-compressed): holds it to airlock's canonical tar
 * form ({@link CanonicalTarReader}: every header, padding and the end of the archive exactly as airlock
 * writes them, so every byte is either hashed or fixed), checks entry names and types, hashes every blob
 * exactly once and compares it with its name ({@link BlobCheck}), and spools only small things into a
 * temporary OCI layout directory. Memory stays flat; nothing else is extracted.
 *
 * <p>An uncompressed tarball in a regular file (the usual case) has its headers walked first (every
 * name, type, canonical-form, duplicate and truncation check happens there, before any blob is hashed),
 * then its blobs hashed on every processor with positional reads, the largest first ({@link ParallelChecks}),
 * or, when the whole file's SHA-256 is wanted too, the file and its blobs hashed from one sequential read on
 * two threads ({@link FileAndBlobHashing});
 * a compressed one is read as one sequential stream (the canonical form is that of the decompressed tar).
 * Both report the same errors; when several blobs are corrupted, the first in the tarball is named.
 */
public final class BundleTarScanner {
  private BundleTarScanner() {}

  private static final byte[] ZSTD_MAGIC = {(byte) 0x28, (byte) 0xb5, (byte) 0x2f, (byte) 0xfd};
  private static final Pattern BLOB = Pattern.compile("blobs/(sha256|sha512)/([0-9a-f]+)");

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
   * As {@link #scan(Path, Path, long)}; {@code hashFile}: also compute the SHA-256 of the whole file as it is
   * read ({@link BundleScan#fileDigest()}, for the {@code .sha256} beside it), on one more thread.
   */
  public static BundleScan scan(Path bundle, Path tempParent, long deferFrom, boolean hashFile) throws IOException {
    return scan(bundle, tempParent, ParallelChecks.defaultThreads(), deferFrom, hashFile);
  }

  /**
   * As {@link #scan(Path, Path)}, hashing a seekable tarball on up to {@code threads} threads; 0 reads
   * every bundle as one sequential stream (the path of compressed bundles).
   */
  static BundleScan scan(Path bundle, Path tempParent, int threads) throws IOException {
    return scan(bundle, tempParent, threads, Long.MAX_VALUE, false);
  }

  static BundleScan scan(Path bundle, Path tempParent, int threads, boolean hashFile) throws IOException {
    return scan(bundle, tempParent, threads, Long.MAX_VALUE, hashFile);
  }

  private static BundleScan scan(Path bundle, Path tempParent, int threads, long deferFrom) throws IOException {
    return scan(bundle, tempParent, threads, deferFrom, false);
  }

  private static BundleScan scan(Path bundle, Path tempParent, int threads, long deferFrom, boolean hashFile)
      throws IOException {
    return scan(bundle, tempParent, threads, deferFrom, hashFile, FileAndBlobHashing.CHUNK);
  }

  /** As {@link #scan(Path, Path, int, boolean)} with its file hashed too, read {@code chunk} bytes at a time (tests). */
  static BundleScan scanHashingFile(Path bundle, Path tempParent, int threads, int chunk) throws IOException {
    return scan(bundle, tempParent, threads, Long.MAX_VALUE, true, chunk);
  }

  private static BundleScan scan(Path bundle, Path tempParent, int threads, long deferFrom, boolean hashFile,
      int chunk) throws IOException {
    BundleScan result = new BundleScan(bundle, tempParent);
    boolean ok = false;
    try {
      try {
        boolean parts = PartSet.isPartSet(bundle);
        // compressed parts are read as one stream, decompressed as it flows (nothing written to disk)
        boolean compressedParts = parts && PartSet.isCompressed(bundle);
        if (threads > 0 && (parts && !compressedParts || Files.isRegularFile(bundle) && !startsWith(bundle, ZSTD_MAGIC))) {
          scanFile(result, threads, deferFrom, hashFile, chunk);
        } else {
          MessageDigest md = hashFile && !parts ? Digest.Algorithm.SHA256.newMessageDigest() : null;
          InputStream file = compressedParts ? PartSet.openStream(bundle)
              : parts ? java.nio.channels.Channels.newInputStream(PartSet.open(bundle)) : Files.newInputStream(bundle);
          try (InputStream raw = new BufferedInputStream(md == null ? file : new DigestInputStream(file, md), 1 << 16)) {
            scanStream(result, raw, md != null);
            if (md != null) {
              result.fileDigests.put(bundle, Digest.of(Digest.Algorithm.SHA256, md.digest()));
            }
          }
          if (hashFile && parts) { // the part files as they are on disk, for the checksum file beside them
            for (Path part : PartSet.partFiles(bundle)) {
              result.fileDigests.put(part, Digest.sha256(part));
            }
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
      Path spool = result.spool();
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
  private static void scanStream(BundleScan r, InputStream raw, boolean toTheEnd) throws IOException {
    try (InputStream in = maybeZstd(raw)) {
      CanonicalTarReader tar = CanonicalTarReader.over(in, r.bundle.toString(), (n, t) -> name(r, n, t));
      byte[] buf = new byte[ParallelChecks.BUFFER];
      CanonicalTarReader.Entry e;
      while ((e = tar.next()) != null) {
        Digest blob = entry(r, e, tar::data);
        if (blob != null) {
          BlobCheck.check(r, blob, e.size(), tar::read, buf);
          r.blobs.put(blob, e.size());
        }
      }
      checkDirectories(r);
      if (toTheEnd) {
        raw.transferTo(OutputStream.nullOutputStream()); // what the decompressor left unread, for the file's digest
      }
    }
  }

  /** Headers first, then every blob hashed with positional reads on up to {@code threads} threads. */
  private static void scanFile(BundleScan r, int threads, long deferFrom, boolean hashFile, int chunk)
      throws IOException {
    // a set of parts (bundle --volume-size) is read as the one tarball it makes up, in place
    try (FileChannel ch = PartSet.isPartSet(r.bundle) ? PartSet.open(r.bundle)
        : FileChannel.open(r.bundle, StandardOpenOption.READ)) {
      List<CanonicalTarReader.Entry> blobEntries = new ArrayList<>();
      List<Digest> digests = new ArrayList<>();
      // every header, padding and the end are checked against the canonical form before any blob is hashed
      CanonicalTarReader tar = CanonicalTarReader.over(ch, r.bundle.toString(), (n, t) -> name(r, n, t));
      CanonicalTarReader.Entry e;
      while ((e = tar.next()) != null) {
        CanonicalTarReader.Entry at = e;
        Digest blob = entry(r, e, () -> new ChannelRangeInputStream(ch, at.dataOffset(), at.size()));
        if (blob != null) {
          blobEntries.add(e);
          digests.add(blob);
        }
      }
      checkDirectories(r);
      // the spool now, not at the first small blob met while hashing: making a temporary directory seeds
      // SecureRandom, whose SHA-1 mixer's class, loaded then, voided the C2 code of the SHA-256 loop that was
      // running (a class-hierarchy dependency of DigestBase) and sent it back to the interpreter mid-blob
      r.spool();
      if (hashFile && deferFrom == Long.MAX_VALUE && !PartSet.isPartSet(r.bundle)) {
        // one tarball and its .sha256: the file and its blobs hashed from one read, on two threads
        r.fileDigests.put(r.bundle, FileAndBlobHashing.run(r, ch, blobEntries, digests, threads, chunk));
        for (int i = 0; i < blobEntries.size(); i++) {
          r.blobs.put(digests.get(i), blobEntries.get(i).size());
        }
        return;
      }
      List<ParallelChecks.Job> jobs = new ArrayList<>();
      for (int i = 0; i < blobEntries.size(); i++) {
        CanonicalTarReader.Entry b = blobEntries.get(i);
        Digest d = digests.get(i);
        jobs.add(new ParallelChecks.Job(b.size(), buf -> {
          if (!BlobCheck.check(r, d, b.size(), BlobCheck.range(ch, b.dataOffset(), b.size()), buf, deferFrom)) {
            synchronized (r.deferred) {
              r.deferred.put(d, b.size());
            }
          }
        }));
      }
      if (hashFile) { // each file as on disk (the tarball, or every part file): the largest jobs, they start first
        for (Path file : PartSet.isPartSet(r.bundle) ? PartSet.partFiles(r.bundle) : List.of(r.bundle)) {
          jobs.add(new ParallelChecks.Job(Files.size(file), buf -> {
            MessageDigest whole = Digest.Algorithm.SHA256.newMessageDigest();
            try (FileChannel f = FileChannel.open(file, StandardOpenOption.READ)) {
              BlobCheck.Source in = BlobCheck.range(f, 0, f.size());
              int n;
              while ((n = in.read(buf, 0, buf.length)) > 0) {
                whole.update(buf, 0, n);
              }
            }
            r.fileDigests.put(file, Digest.of(Digest.Algorithm.SHA256, whole.digest()));
          }));
        }
      }
      ParallelChecks.run(jobs, threads);
      for (int i = 0; i < blobEntries.size(); i++) {
        r.blobs.put(digests.get(i), blobEntries.get(i).size());
      }
    }
  }

  private interface Data {
    InputStream open() throws IOException;
  }

  /** The rules on names, seen before the header is compared with its canonical form. */
  private static void name(BundleScan r, String name, char type) {
    String shown = printable(name);
    if (name.startsWith("/") || name.contains("..") || name.contains("\\")) {
      throw new VerificationException(r.bundle + ": entry '" + shown + "' has an unsafe path");
    }
    if (type == '1' || type == '2') {
      throw new VerificationException(r.bundle + ": entry '" + shown + "' is a link; bundles contain no links");
    }
    if (!r.names.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name)) {
      throw new VerificationException(r.bundle + ": entry '" + shown + "' appears twice");
    }
    if (type == '5') {
      if (!name.matches("blobs/|blobs/(sha256|sha512)/")) {
        throw new VerificationException(r.bundle + ": unexpected directory '" + shown + "'");
      }
    } else if (!name.equals(LayoutStore.LAYOUT_FILE) && !name.equals(LayoutStore.INDEX_FILE)) {
      var m = BLOB.matcher(name);
      if (!m.matches() || !Digest.isValid(m.group(1) + ":" + m.group(2))) {
        throw new VerificationException(r.bundle + ": unexpected entry '" + shown
            + "' (only oci-layout, index.json and blobs/<alg>/<hex>)");
      }
    }
  }

  /** Checks one entry; reads oci-layout and index.json; returns the digest of a blob to hash, else null. */
  private static Digest entry(BundleScan r, CanonicalTarReader.Entry e, Data data) throws IOException {
    String name = e.name();
    String shown = printable(name);
    if (e.directory()) {
      r.directories.add(name);
      return null;
    }
    switch (name) {
      case LayoutStore.LAYOUT_FILE -> {
        r.layoutFile = Json.readCapped(data.open(), 4096, "oci-layout in " + r.bundle);
        if (!Arrays.equals(r.layoutFile, BundleTarWriter.OCI_LAYOUT_CONTENT.getBytes(StandardCharsets.UTF_8))) {
          throw new VerificationException(r.bundle + ": entry 'oci-layout' is not in airlock's canonical tar form:"
              + " its content is not " + BundleTarWriter.OCI_LAYOUT_CONTENT);
        }
      }
      case LayoutStore.INDEX_FILE -> {
        r.indexBytes = Json.readCapped(data.open(), Json.MANIFEST_CAP * 4, "index.json in " + r.bundle);
        canonicalIndex(r);
      }
      default -> {
        var m = BLOB.matcher(name);
        if (!m.matches()) {
          throw new IllegalStateException("checked by name(): " + shown);
        }
        if (!r.directories.contains("blobs/") || !r.directories.contains("blobs/" + m.group(1) + "/")) {
          throw new VerificationException(r.bundle + ": entry '" + shown + "' is not in airlock's canonical tar form:"
              + " the directory entries blobs/ and blobs/" + m.group(1) + "/ do not come before it");
        }
        r.blobDirectories.add("blobs/" + m.group(1) + "/");
        return Digest.parse(m.group(1) + ":" + m.group(2));
      }
    }
    return null;
  }

  /**
   * index.json is JSON as airlock writes it: exactly {@code schemaVersion} 2, the OCI index media type and
   * {@code manifests}, in that order, serialized compactly as {@link Json#write} does (no other spacing, key
   * order or escapes). What its entries may say is the layout check's (each must be its signed descriptor).
   */
  private static void canonicalIndex(BundleScan r) {
    com.fasterxml.jackson.databind.JsonNode index = Json.tree(r.indexBytes, "index.json in " + r.bundle);
    List<String> keys = new ArrayList<>();
    index.fieldNames().forEachRemaining(keys::add);
    for (String f : keys) {
      if (!f.equals("schemaVersion") && !f.equals("mediaType") && !f.equals("manifests")) {
        throw new VerificationException(r.bundle + ": index.json has a field '" + printable(f) + "', which a bundle's"
            + " index.json does not have (only schemaVersion, mediaType and manifests; index.json is not signed)");
      }
    }
    String why = null;
    if (!keys.equals(List.of("schemaVersion", "mediaType", "manifests"))) {
      why = "its fields are " + keys + ", airlock writes [schemaVersion, mediaType, manifests]";
    } else if (!index.get("schemaVersion").isInt() || index.get("schemaVersion").intValue() != 2) {
      why = "its schemaVersion is " + Json.firstLine(index.get("schemaVersion").toString()) + ", not 2";
    } else if (!dev.airlock.oci.MediaTypes.OCI_INDEX.equals(index.get("mediaType").asText(null))) {
      why = "its mediaType is not " + dev.airlock.oci.MediaTypes.OCI_INDEX;
    } else if (!Arrays.equals(Json.write(index), r.indexBytes)) {
      int at = Arrays.mismatch(Json.write(index), r.indexBytes);
      why = "it is not serialized as airlock writes JSON (compact, no escapes it does not need; byte " + at + ")";
    }
    if (why != null) {
      throw new VerificationException(r.bundle + ": index.json is not in airlock's canonical form: " + why);
    }
  }

  /** The canonical form has a directory entry exactly for blobs/ and each blobs/ALG/ that holds blobs. */
  private static void checkDirectories(BundleScan r) {
    for (String d : r.directories) {
      if (d.equals("blobs/") ? r.blobDirectories.isEmpty() : !r.blobDirectories.contains(d)) {
        throw new VerificationException(r.bundle + ": entry '" + d + "' is not in airlock's canonical tar form:"
            + " an empty directory");
      }
    }
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
