package dev.airlock.oci;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Hashes bytes as they flow and, at end of stream, checks both size and digest. A stream that ends
 * early, runs long or hashes differently throws {@link DigestMismatchException} from {@code read}, so
 * a consumer writing to a temp file never renames unverified content into place.
 *
 * <p>{@link #checkedBeforeLastChunk} makes a stream for a consumer that passes bytes on as it reads them (a
 * server answering a request): it reads no more than the announced size and checks the digest in the read
 * that completes it, before returning that last chunk, so a consumer never has all of a wrong blob.
 */
public final class VerifyingInputStream extends FilterInputStream {
  private final Digest expected;
  private final long expectedSize;
  private final String what;
  private final MessageDigest md;
  private long count;
  private boolean verified;
  private boolean holdLast;
  private java.util.function.IntConsumer observer;
  private java.util.function.Consumer<DigestMismatchException> onMismatch;

  /**
   * @param expectedSize the size announced, or -1 when unknown (then only the digest is checked)
   * @param what a label for errors, e.g. the reference and digest
   */
  public VerifyingInputStream(InputStream in, Digest expected, long expectedSize, String what) {
    super(in);
    this.expected = expected;
    this.expectedSize = expectedSize;
    this.what = what;
    this.md = expected.newMessageDigest();
  }

  /**
   * {@code in} itself when it is already an unread {@link VerifyingInputStream} checking the same digest
   * and size (so a blob is hashed once per path, not once per layer of the path), else a new one around it.
   */
  public static VerifyingInputStream of(InputStream in, Digest expected, long expectedSize, String what) {
    if (in instanceof VerifyingInputStream v && v.count == 0 && !v.verified && v.expected.equals(expected)
        && (v.expectedSize == expectedSize || expectedSize < 0 && v.expectedSize >= 0)) {
      return v;
    }
    return new VerifyingInputStream(in, expected, expectedSize, what);
  }

  /**
   * A stream over exactly {@code size} bytes of {@code in} whose read completing them returns them only when
   * size and digest matched, else throws {@link DigestMismatchException}: the last byte of a wrong blob is
   * never handed on. Bytes of {@code in} past {@code size} are not read.
   */
  public static VerifyingInputStream checkedBeforeLastChunk(InputStream in, Digest expected, long size, String what) {
    if (size < 0) {
      throw new IllegalArgumentException("the size must be known to check before the last chunk");
    }
    VerifyingInputStream v = new VerifyingInputStream(in, expected, size, what);
    v.holdLast = true;
    return v;
  }

  /** Calls {@code failed} with every size or digest mismatch before it is thrown (e.g. to log it). */
  public VerifyingInputStream onMismatch(java.util.function.Consumer<DigestMismatchException> failed) {
    this.onMismatch = failed;
    return this;
  }

  /** Calls {@code bytes} with the size of every chunk read (progress), instead of a wrapping stream. */
  public VerifyingInputStream observe(java.util.function.IntConsumer bytes) {
    this.observer = bytes;
    return this;
  }

  public long count() {
    return count;
  }

  @Override
  public int read() throws IOException {
    if (holdLast && count == expectedSize) {
      finish();
      return -1;
    }
    int b = in.read();
    if (b < 0) {
      finish();
    } else {
      md.update((byte) b);
      count++;
      checkNotTooLong();
      if (holdLast && count == expectedSize) {
        finish();
      }
      if (observer != null) {
        observer.accept(1);
      }
    }
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    if (holdLast) {
      if (count == expectedSize) {
        finish();
        return -1;
      }
      len = (int) Math.min(len, expectedSize - count);
    }
    int n = in.read(buf, off, len);
    if (n < 0) {
      finish();
    } else if (n > 0) {
      md.update(buf, off, n);
      count += n;
      checkNotTooLong();
      if (holdLast && count == expectedSize) {
        finish();
      }
      if (observer != null) {
        observer.accept(n);
      }
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // skipping would leave bytes unhashed: read them instead
    byte[] buf = new byte[8192];
    long done = 0;
    while (done < n) {
      int r = read(buf, 0, (int) Math.min(buf.length, n - done));
      if (r < 0) {
        break;
      }
      done += r;
    }
    return done;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  private void checkNotTooLong() throws DigestMismatchException {
    if (expectedSize >= 0 && count > expectedSize) {
      throw mismatch(new DigestMismatchException(what + " size", expectedSize + " bytes", "more"));
    }
  }

  private void finish() throws DigestMismatchException {
    if (verified) {
      return;
    }
    if (expectedSize >= 0 && count != expectedSize) {
      throw mismatch(new DigestMismatchException(what + " size", expectedSize + " bytes", count + " bytes"));
    }
    Digest actual = Digest.of(expected.algorithm(), md.digest());
    if (!actual.equals(expected)) {
      throw mismatch(new DigestMismatchException(what + " digest", expected.toString(), actual.toString()));
    }
    verified = true;
  }

  private DigestMismatchException mismatch(DigestMismatchException e) {
    if (onMismatch != null) {
      onMismatch.accept(e);
    }
    return e;
  }

  /** True once end of stream was reached and size and digest matched. */
  public boolean verified() {
    return verified;
  }
}
