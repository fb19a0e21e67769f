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
}
