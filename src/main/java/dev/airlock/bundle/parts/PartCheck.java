package dev.airlock.bundle.parts;

import dev.airlock.AirlockException;
import dev.airlock.oci.Digest;
import dev.airlock.verify.keys.PublicKeys;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;

/**
 * Verifies one part alone: its manifest's signature (with the pinned keys), then every byte it holds
 * against the manifest: the sha256 of its range of the bundle and of each chunk of a blob split across
 * its edges. Nothing else of the set is needed.
 */
public final class PartCheck {
  private PartCheck() {}

  /**
   * The outcome: the part (null when unreadable), what held, and what failed (empty when it verified).
   * {@code fileDigest}: the SHA-256 of the part file as it is on disk, computed in the pass over its data (for
   * the checksum file beside the set, which then needs no pass of its own); null when the file was not read to
   * its end or is compressed (its data is read decompressed).
   */
  public record Report(Path file, PartFile part, List<String> passed, List<String> failures, Digest fileDigest) {
    public Report(Path file, PartFile part, List<String> passed, List<String> failures) {
      this(file, part, passed, failures, null);
    }

    public boolean ok() {
      return failures.isEmpty();
    }

    public PartManifest manifest() {
      return part == null ? null : part.manifest();
    }
  }

  /**
   * @param keys pinned public keys; empty: the signature is not checked, which only {@code allowUnsigned} accepts
   */
  public static Report check(Path file, List<PublicKey> keys, boolean allowUnsigned) {
    return check(file, keys, allowUnsigned, true);
  }

  /**
   * As {@link #check(Path, List, boolean)}; {@code chunks} false: the digests of the chunks of split blobs are
   * checked only when the data's digest fails, to name them (an import: the data's digest covers those very
   * bytes, and each blob is checked against its own digest as it is read), which saves a pass over them.
   */
  public static Report check(Path file, List<PublicKey> keys, boolean allowUnsigned, boolean chunks) {
    List<String> passed = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    PartFile part;
    try {
      part = PartFile.open(file);
    } catch (AirlockException | IOException e) {
      failures.add("not a readable part: " + dev.airlock.oci.Json.firstLine(e.getMessage()));
      return new Report(file, null, passed, failures);
    }
    PartManifest m = part.manifest();
    signature(part, keys, allowUnsigned, passed, failures);
    Digest fileDigest = null;
    try {
      int before = failures.size();
      fileDigest = data(part, passed, failures, chunks);
      if (!chunks && failures.size() > before && !part.manifest().chunks().isEmpty()) {
        // the data failed: a second pass over it says which chunks, to name their blobs
        List<String> again = new ArrayList<>();
        data(part, new ArrayList<>(), again, true);
        again.stream().filter(f -> f.startsWith("chunk of blob ")).forEach(failures::add);
      }
    } catch (IOException e) {
      failures.add("reading its data failed: " + e.getMessage());
    }
    return new Report(file, part, passed, failures, fileDigest);
  }

  private static void signature(PartFile part, List<PublicKey> keys, boolean allowUnsigned, List<String> passed,
      List<String> failures) {
    boolean signed = !part.signed().envelope().signatures().isEmpty();
    if (keys.isEmpty()) {
      if (allowUnsigned) {
        passed.add(signed ? "manifest signed, not checked: no --key (allowed by --allow-unsigned)"
            : "manifest unsigned (allowed by --allow-unsigned)");
      } else {
        failures.add(signed ? "the part manifest's signature cannot be checked without --key (or --allow-unsigned)"
            : "the part manifest is unsigned (--allow-unsigned to accept)");
      }
      return;
    }
    for (PublicKey k : keys) {
      // the signature that verifies must carry the key's id as its keyid (as the writer puts it): the keyid is in
      // the part's bytes too, and a part's every byte is covered or fixed
      String id = PublicKeys.keyId(k);
      boolean named = part.signed().envelope().signatures().stream().allMatch(sig -> id.equals(sig.keyid()));
      if (named && part.signed().envelope().verifiedBy(k)) {
        passed.add("manifest signed by key " + PublicKeys.keyId(k).substring(0, 12));
        return;
      }
    }
    failures.add(signed ? "the part manifest's signature does not verify with the given key(s)"
        : "the part manifest is unsigned");
  }

  /**
   * One pass over the data: the range's sha256 and each chunk's, and for a part read in place the whole file's
   * (its framing before and after the data with it); returns that, or null.
   */
  private static Digest data(PartFile part, List<String> passed, List<String> failures, boolean hashChunks)
      throws IOException {
    PartManifest m = part.manifest();
    MessageDigest whole = part.compressed() ? null : Digest.Algorithm.SHA256.newMessageDigest();
    long fileSize = -1;
    if (whole != null) {
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(part.path(),
          java.nio.file.StandardOpenOption.READ)) {
        fileSize = ch.size();
        if (!framing(ch, 0, part.dataOffset(), whole)) {
          whole = null;
        }
      }
    }
    List<PartManifest.Chunk> chunks = hashChunks ? m.chunks() : List.of();
    MessageDigest all = Digest.Algorithm.SHA256.newMessageDigest();
    MessageDigest[] each = new MessageDigest[chunks.size()];
    for (int i = 0; i < each.length; i++) {
      each[i] = Digest.Algorithm.SHA256.newMessageDigest();
    }
    long base = m.data().offset();
    long pos = 0;
    try (java.io.InputStream in = part.openData()) {
      byte[] buf = new byte[1 << 20];
      while (pos < part.dataSize()) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, part.dataSize() - pos));
        if (n <= 0) {
          break;
        }
        all.update(buf, 0, n);
        if (whole != null) {
          whole.update(buf, 0, n);
        }
        long from = base + pos;
        long to = from + n;
        for (int i = 0; i < chunks.size(); i++) {
          PartManifest.Chunk c = chunks.get(i);
          long s = Math.max(from, c.at());
          long e = Math.min(to, c.at() + c.size());
          if (e > s) {
            each[i].update(buf, (int) (s - from), (int) (e - s));
          }
        }
        pos += n;
      }
    } catch (AirlockException e) {
      failures.add(dev.airlock.oci.Json.firstLine(e.getMessage()));
      return null;
    }
    Digest fileDigest = null;
    if (whole != null) {
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(part.path(),
          java.nio.file.StandardOpenOption.READ)) {
        long end = part.dataOffset() + part.dataSize();
        if (pos == part.dataSize() && ch.size() == fileSize && framing(ch, end, fileSize, whole)) {
          fileDigest = Digest.of(Digest.Algorithm.SHA256, whole.digest());
        }
      }
    }
    Digest got = Digest.of(Digest.Algorithm.SHA256, all.digest());
    if (!got.equals(m.data().digest())) {
      failures.add("its data (bytes " + m.data().offset() + "-" + (m.data().end() - 1) + " of the bundle) has sha256 "
          + got.hex() + ", the manifest says " + m.data().digest().hex());
    } else {
      passed.add(m.data().size() + " bytes (bundle bytes " + m.data().offset() + "-" + (m.data().end() - 1)
          + ") match sha256 " + m.data().digest().shortForm());
    }
    int bad = 0;
    for (int i = 0; i < chunks.size(); i++) {
      PartManifest.Chunk c = chunks.get(i);
      Digest d = Digest.of(Digest.Algorithm.SHA256, each[i].digest());
      if (!d.equals(c.digest())) {
        bad++;
        failures.add("chunk of blob " + c.blob().shortForm() + " (blob bytes " + c.blobOffset() + "-"
            + (c.blobOffset() + c.size() - 1) + ") has sha256 " + d.hex() + ", the manifest says " + c.digest().hex());
      }
    }
    if (!chunks.isEmpty() && bad == 0) {
      StringBuilder b = new StringBuilder(chunks.size() + " chunk(s) of blobs split across parts match:");
      for (PartManifest.Chunk c : chunks) {
        b.append(' ').append(c.blob().shortForm()).append(" bytes ").append(c.blobOffset()).append('-')
            .append(c.blobOffset() + c.size() - 1).append(" of ").append(c.blobSize()).append(';');
      }
      passed.add(b.substring(0, b.length() - 1));
    }
    return fileDigest;
  }

  /** Adds bytes {@code from} to {@code to} of {@code ch} (a part's framing: a few KiB) to {@code md}; false if short. */
  private static boolean framing(java.nio.channels.FileChannel ch, long from, long to, MessageDigest md)
      throws IOException {
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(64 * 1024);
    long at = from;
    while (at < to) {
      buf.clear().limit((int) Math.min(buf.capacity(), to - at));
      int n = ch.read(buf, at);
      if (n <= 0) {
        return false;
      }
      md.update(buf.array(), 0, n);
      at += n;
    }
    return true;
  }
}
