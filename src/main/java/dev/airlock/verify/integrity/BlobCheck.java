package dev.airlock.verify.integrity;

import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.verify.tuf.TufRepoArchive;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * Hashes one blob of a bundle tarball exactly once while its bytes flow and compares digest and size
 * with its name; spools only small things into the scan's temporary layout: JSON blobs up to the
 * manifest cap (manifests, signature payloads, Sigstore bundles), SQLite files (the catalog) and a
 * carried TUF repository archive. Safe to run for different blobs on several threads at once.
 */
final class BlobCheck {
  /** Where a blob's bytes come from: read up to {@code len} bytes, -1 at the blob's end. */
  @FunctionalInterface
  interface Source {
    int read(byte[] b, int off, int len) throws IOException;
  }

  private static final int HEAD = 1 << 16;
  private static final byte[] SQLITE_MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
  private static final Pattern TUF_FIRST_ENTRY = Pattern.compile("[0-9]+\\.[A-Za-z0-9._-]*json");
  /** A TUF archive is spooled up to its own cap plus tar headers. */
  private static final long TUF_SPOOL_CAP = TufRepoArchive.MAX_TOTAL_BYTES + 4L * 1024 * 1024;

  /** A CRL (a layer of a CRL artifact, for Notation revocation) is spooled up to what the policy reads of one. */
  private static final long CRL_SPOOL_CAP = 16L << 20;
  private static final byte[] PEM_CRL = "-----BEGIN X509 CRL-----".getBytes(StandardCharsets.US_ASCII);

  private BlobCheck() {}

  /** Checks a blob of {@code size} bytes (as the tar header says) read from {@code in}, using {@code buf}. */
  static void check(BundleScan r, Digest expected, long size, Source in, byte[] buf) throws IOException {
    check(r, expected, size, in, buf, Long.MAX_VALUE);
  }

  /**
   * As {@link #check(BundleScan, Digest, long, Source, byte[])}, except that a blob of {@code deferFrom}
   * bytes or more which is not spooled (a layer) is left unhashed; returns false for such a blob, whose
   * caller must hash it before relying on it.
   */
  static boolean check(BundleScan r, Digest expected, long size, Source in, byte[] buf, long deferFrom)
      throws IOException {
    int head = readFully(in, buf, (int) Math.min(Math.min(HEAD, buf.length), size));
    boolean spool = spooled(buf, head, size);
    if (size >= deferFrom && !spool) {
      return false;
    }
    Hashing h = new Hashing(r, expected, size, spool);
    try {
      int n = head;
      while (n > 0) {
        h.update(buf, 0, n);
        n = in.read(buf, 0, buf.length);
      }
      h.finish();
    } finally {
      h.discard();
    }
    return true;
  }

  /** Whether a blob whose first {@code head} bytes are in {@code buf} is kept in the scan's layout. */
  private static boolean spooled(byte[] buf, int head, long size) {
    boolean json = size <= Json.MANIFEST_CAP && head > 0 && (startsWithBrace(buf, head) || isCoseSign1(buf, head));
    boolean sqlite = head >= SQLITE_MAGIC.length && Arrays.equals(buf, 0, SQLITE_MAGIC.length, SQLITE_MAGIC, 0, SQLITE_MAGIC.length);
    boolean tuf = size <= TUF_SPOOL_CAP && isTufArchive(buf, head);
    boolean crl = size <= CRL_SPOOL_CAP && isCrl(buf, head);
    return json || sqlite || tuf || crl;
  }

  /** The digest of one blob as its bytes arrive, and its spooled copy when it is kept. */
  private static final class Hashing {
    private final BundleScan r;
    private final Digest expected;
    private final long size;
    private final MessageDigest md;
    private final Path target;
    private final Path tmp;
    private final OutputStream out;
    private long total;
    private boolean finished;

    Hashing(BundleScan r, Digest expected, long size, boolean spool) throws IOException {
      this.r = r;
      this.expected = expected;
      this.size = size;
      this.md = expected.newMessageDigest();
      this.target = spool ? r.spool().resolve(expected.blobPath()) : null;
      this.tmp = spool ? target.resolveSibling(".tmp-" + expected.hex()) : null;
      this.out = spool ? Files.newOutputStream(tmp) : null;
    }

    void update(byte[] b, int off, int len) throws IOException {
      md.update(b, off, len);
      if (out != null) {
        out.write(b, off, len);
      }
      total += len;
    }

    /** Compares digest and size with the blob's name; moves the spooled copy into place. */
    void finish() throws IOException {
      if (out != null) {
        out.close();
      }
      Digest actual = Digest.of(expected.algorithm(), md.digest());
      if (!actual.equals(expected) || total != size) {
        throw new VerificationException(r.bundle + ": blob " + expected + " is corrupted: its content hashes to " + actual);
      }
      if (tmp != null) {
        Files.move(tmp, target);
      }
      finished = true;
    }

    /** After a failure: the partial spooled copy is removed. */
    void discard() throws IOException {
      if (!finished && out != null) {
        out.close();
        Files.deleteIfExists(tmp);
      }
    }
  }

  /**
   * One blob's check fed its bytes in order, as they come by in a read of the whole tarball
   * ({@link FileAndBlobHashing}): the first bytes are held in {@code head} (the caller's, at least
   * {@link #HEAD_BYTES} long, free again after {@link #finish()}) until they say whether the blob is spooled.
   */
  static final class Fed {
    private final BundleScan r;
    private final Digest expected;
    private final long size;
    private final byte[] head;
    private final int headWanted;
    private int headLen;
    private Hashing hashing;

    Fed(BundleScan r, Digest expected, long size, byte[] head) {
      this.r = r;
      this.expected = expected;
      this.size = size;
      this.head = head;
      this.headWanted = (int) Math.min(HEAD, size);
    }

    void update(byte[] b, int off, int len) throws IOException {
      if (hashing == null) {
        int take = Math.min(len, headWanted - headLen);
        System.arraycopy(b, off, head, headLen, take);
        headLen += take;
        off += take;
        len -= take;
        if (headLen < headWanted) {
          return;
        }
        start();
      }
      if (len > 0) {
        hashing.update(b, off, len);
      }
    }

    private void start() throws IOException {
      hashing = new Hashing(r, expected, size, spooled(head, headLen, size));
      hashing.update(head, 0, headLen);
    }

    void finish() throws IOException {
      if (hashing == null) {
        start();
      }
      try {
        hashing.finish();
      } finally {
        hashing.discard();
      }
    }

    /** After a failure elsewhere: nothing of this blob is left in the layout. */
    void discard() throws IOException {
      if (hashing != null) {
        hashing.discard();
      }
    }
  }

  /** The head {@link Fed} holds: enough to tell what a blob is. */
  static final int HEAD_BYTES = HEAD;

  /** The bytes {@code [offset, offset + size)} of {@code channel}, by positional reads (thread-safe). */
  static Source range(FileChannel channel, long offset, long size) {
    return new Source() {
      private long pos = offset;
      private long left = size;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (left <= 0) {
          return -1;
        }
        int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, left)), pos);
        if (n > 0) {
          pos += n;
          left -= n;
        }
        return n;
      }
    };
  }

  private static int readFully(Source in, byte[] b, int len) throws IOException {
    int got = 0;
    while (got < len) {
      int n = in.read(b, got, len - got);
      if (n < 0) {
        break;
      }
      got += n;
    }
    return got;
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

  /**
   * A COSE_Sign1 (a Notation {@code application/cose} envelope, spooled like JSON so the policy can read
   * it): CBOR tag 18 or not, then an array of four (or of indefinite length) whose first item is a byte string.
   */
  private static boolean isCoseSign1(byte[] b, int n) {
    int i = n >= 1 && (b[0] & 0xff) == 0xd2 ? 1 : 0;
    return n >= i + 2 && ((b[i] & 0xff) == 0x84 || (b[i] & 0xff) == 0x9f) && (b[i + 1] & 0xe0) == 0x40;
  }

  /**
   * An X.509 CRL: PEM, or DER (RFC 5280 CertificateList): SEQUENCE { SEQUENCE (tbsCertList) { INTEGER 1 (v2) or
   * SEQUENCE (the v1 signature algorithm) ...
   */
  static boolean isCrl(byte[] b, int n) {
    if (n >= PEM_CRL.length && Arrays.equals(b, 0, PEM_CRL.length, PEM_CRL, 0, PEM_CRL.length)) {
      return true;
    }
    int i = derHeader(b, n, 0);
    if (i < 0) {
      return false;
    }
    int j = derHeader(b, n, i);
    if (j < 0 || j + 3 > n) {
      return false;
    }
    return (b[j] == 0x02 && b[j + 1] == 0x01 && b[j + 2] == 0x01) || b[j] == 0x30;
  }

  /** The offset after a DER SEQUENCE header at {@code at}, or -1. */
  private static int derHeader(byte[] b, int n, int at) {
    if (at + 2 > n || b[at] != 0x30) {
      return -1;
    }
    int len = b[at + 1] & 0xff;
    if (len < 0x80) {
      return at + 2;
    }
    int k = len & 0x7f;
    return k >= 1 && k <= 4 && at + 2 + k <= n ? at + 2 + k : -1;
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
}
