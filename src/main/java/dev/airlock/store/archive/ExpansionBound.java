package dev.airlock.store.archive;

import dev.airlock.oci.Digest;
import java.util.Map;

/**
 * How large a bundle tarball may be once decompressed, from the blobs its verified content declares: their
 * sizes, plus for each entry its tar header (with a PAX header for long names) and padding, plus
 * {@code oci-layout}, {@code index.json} and the end of the archive. A compressed bundle is decompressed to
 * a temporary file only up to this many bytes, so a small file cannot fill the disk (a decompression bomb).
 */
public final class ExpansionBound {
  /** Per entry: a header block, a PAX header and its data, and the padding of the data's last block. */
  static final long PER_ENTRY = 4 * 512L;
  /** oci-layout, index.json (capped at 4 MiB by every reader), the directories and the end of the archive. */
  static final long FIXED = 4L * 1024 * 1024 + 64 * 1024;

  private ExpansionBound() {}

  /** The bound for a tarball holding exactly these blobs (digest to size). */
  public static long of(Map<Digest, Long> blobs) {
    long total = FIXED;
    for (long size : blobs.values()) {
      total += size + PER_ENTRY;
    }
    return total;
  }

  private static final java.util.regex.Pattern BLOB = java.util.regex.Pattern.compile("blobs/(sha256|sha512)/([0-9a-f]+)");

  /**
   * The bound for a compressed OCI layout tar that is only a source ({@code copy}, a bundle spec's
   * {@code oci-archive:}): the stream is read once, leniently (ustar, pax, GNU names), nothing written; every
   * blob entry is hashed and must equal its name; the bound is then {@link #of} those blobs. Anything after the
   * end of the archive (a decompression bomb's padding) is not counted, so decompressing stops past it.
   *
   * @throws dev.airlock.InvalidInputException naming the file and the entry when an entry is not a layout's
   */
  public static long streamed(java.nio.file.Path file) throws java.io.IOException {
    Map<Digest, Long> blobs = new java.util.HashMap<>();
    byte[] buf = new byte[1 << 16];
    try (java.io.InputStream raw = new java.io.BufferedInputStream(java.nio.file.Files.newInputStream(file), 1 << 16);
        java.io.InputStream in = decompressing(raw);
        org.apache.commons.compress.archivers.tar.TarArchiveInputStream tar =
            new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(in)) {
      org.apache.commons.compress.archivers.tar.TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
        if (e.isDirectory()) {
          continue;
        }
        java.util.regex.Matcher m = BLOB.matcher(name);
        if (e.isFile() && (name.equals("index.json") || name.equals("oci-layout"))) {
          if (e.getSize() > 4L * 1024 * 1024) {
            throw new dev.airlock.InvalidInputException(file + ": entry '" + name + "' of " + e.getSize()
                + " bytes is larger than the 4 MiB a layout's " + name + " may be");
          }
          continue;
        }
        if (!e.isFile() || !m.matches() || !Digest.isValid(m.group(1) + ":" + m.group(2))) {
          throw new dev.airlock.InvalidInputException(file + ": entry '" + name + "' is not an OCI layout's"
              + " (only oci-layout, index.json and blobs/<alg>/<hex>); refused before decompressing it to disk");
        }
        Digest expected = Digest.parse(m.group(1) + ":" + m.group(2));
        java.security.MessageDigest md = expected.newMessageDigest();
        long total = 0;
        int n;
        while ((n = tar.read(buf)) > 0) {
          md.update(buf, 0, n);
          total += n;
        }
        if (!Digest.of(expected.algorithm(), md.digest()).equals(expected)) {
          throw new dev.airlock.InvalidInputException(file + ": blob " + expected + " does not hash to its name;"
              + " refused before decompressing it to disk");
        }
        blobs.put(expected, total);
      }
    } catch (dev.airlock.AirlockException e) {
      throw e;
    } catch (java.io.IOException | IllegalArgumentException e) {
      throw new dev.airlock.InvalidInputException(file + ": cannot read the compressed tar: "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }
    return of(blobs);
  }

  private static java.io.InputStream decompressing(java.io.InputStream raw) throws java.io.IOException {
    raw.mark(4);
    byte[] head = raw.readNBytes(4);
    raw.reset();
    if (head.length == 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
        && (head[3] & 0xff) == 0xfd) {
      return new com.github.luben.zstd.ZstdInputStream(raw);
    }
    if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
      return new java.util.zip.GZIPInputStream(raw, 1 << 16);
    }
    return raw;
  }
}
