package dev.airlock.bundle.parts;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import dev.airlock.InvalidInputException;
import dev.airlock.VerificationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * The two zstd frames of a compressed part (part format version 2, docs/bundle-format.md "Compressed
 * parts"): the <b>head</b>, a frame of raw (stored) blocks holding the tar header of the manifest entry, the
 * manifest entry and the tar header of the data entry, so that it can be written last, at a size known in
 * advance, and read without decompressing anything; then the <b>body</b>, one compressed frame with a content
 * checksum holding the data, its padding and the end-of-archive marker. Decompressed one after the other (as
 * {@code zstd -d} does) they are the part's tar.
 */
public final class ZstdPartFrames {
  private ZstdPartFrames() {}

  static final byte[] MAGIC = {(byte) 0x28, (byte) 0xb5, (byte) 0x2f, (byte) 0xfd};
  /** Frame header descriptor of the head: 4-byte content size, single segment, no checksum, no dictionary. */
  private static final int HEAD_DESCRIPTOR = 0xA0;
  private static final int RAW_BLOCK = 128 * 1024;
  /** Content_Checksum_flag of a frame header descriptor. */
  private static final int CHECKSUM_FLAG = 0x04;

  /** The size of the head frame holding {@code contentSize} bytes. */
  public static long headSize(long contentSize) {
    long blocks = Math.max(1, (contentSize + RAW_BLOCK - 1) / RAW_BLOCK);
    return 4 + 1 + 4 + 3 * blocks + contentSize;
  }

  /** The head frame: {@code content} in raw blocks of 128 KiB, the last one flagged. */
  public static byte[] head(byte[] content) {
    byte[] out = new byte[(int) headSize(content.length)];
    System.arraycopy(MAGIC, 0, out, 0, 4);
    out[4] = (byte) HEAD_DESCRIPTOR;
    putLe(out, 5, content.length, 4);
    int at = 9;
    int from = 0;
    do {
      int n = Math.min(RAW_BLOCK, content.length - from);
      boolean last = from + n >= content.length;
      putLe(out, at, ((long) n << 3) | (last ? 1 : 0), 3); // block type 0: raw
      System.arraycopy(content, from, out, at + 3, n);
      at += 3 + n;
      from += n;
    } while (from < content.length);
    return out;
  }

  private static void putLe(byte[] b, int at, long v, int bytes) {
    for (int i = 0; i < bytes; i++) {
      b[at + i] = (byte) (v >>> (8 * i));
    }
  }

  /** Whether the first bytes are a head frame's start (zstd magic, then the head's descriptor). */
  static boolean looksLikeHead(byte[] first) {
    return first.length >= 5 && Arrays.equals(Arrays.copyOf(first, 4), MAGIC) && (first[4] & 0xff) == HEAD_DESCRIPTOR;
  }

  /**
   * Reads the head frame at the start of {@code ch}: its content, checked to be exactly the frame airlock
   * writes for it (so every byte of the head is fixed by its content).
   */
  static byte[] readHead(FileChannel ch, String what, int cap) throws IOException {
    ByteBuffer h = ByteBuffer.allocate(9);
    readFully(ch, h, 0, what);
    byte[] hb = h.array();
    if (!looksLikeHead(hb)) {
      throw new InvalidInputException(what + " is not a compressed airlock part: its first zstd frame must be the"
          + " part's head (raw blocks, 4-byte content size)");
    }
    long size = 0;
    for (int i = 0; i < 4; i++) {
      size |= (hb[5 + i] & 0xffL) << (8 * i);
    }
    if (size > cap) {
      throw new InvalidInputException(what + ": the part head of " + size + " bytes is larger than the " + cap
          + " byte limit");
    }
    long frame = headSize(size);
    if (ch.size() < frame) {
      throw new VerificationException(what + ": the part head frame is cut short (" + ch.size() + " of " + frame
          + " bytes)");
    }
    ByteBuffer all = ByteBuffer.allocate((int) frame);
    readFully(ch, all, 0, what);
    byte[] bytes = all.array();
    byte[] content = new byte[(int) size];
    int at = 9;
    int from = 0;
    do {
      int n = Math.min(RAW_BLOCK, content.length - from);
      System.arraycopy(bytes, at + 3, content, from, n);
      at += 3 + n;
      from += n;
    } while (from < content.length);
    int mismatch = Arrays.mismatch(bytes, head(content));
    if (mismatch >= 0) {
      throw new VerificationException(what + ": byte " + mismatch + " of the part head frame is not airlock's"
          + " canonical framing (raw blocks of 128 KiB, the last one flagged)");
    }
    return content;
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long pos, String what) throws IOException {
    while (b.hasRemaining()) {
      int n = ch.read(b, pos + b.position());
      if (n < 0) {
        throw new VerificationException(what + " is cut short: " + (pos + b.position()) + " bytes");
      }
    }
  }

  /**
   * The data of a compressed part: the body frame at {@code bodyStart} of {@code ch} decompressed, exactly
   * {@code dataSize} bytes. Past them the body must hold only the zero padding and the end-of-archive
   * marker, the frame must carry a content checksum and end the file; decompressing stops as soon as the
   * output goes past what the manifest declares (a decompression bomb fills nothing).
   */
  static InputStream body(FileChannel ch, long bodyStart, long dataSize, String what) throws IOException {
    return new Body(ch, bodyStart, dataSize, what);
  }

  /** The bytes of the body after the data: padding to a whole record, and two zero records. */
  static long tail(long dataSize) {
    return (PartFormat.RECORD - dataSize % PartFormat.RECORD) % PartFormat.RECORD + 2L * PartFormat.RECORD;
  }

  private static final class Body extends InputStream {
    private final FileChannel ch;
    private final long dataSize;
    private final long expected;
    private final String what;
    private final ZstdDecompressCtx ctx = new ZstdDecompressCtx();
    private final ByteBuffer src = ByteBuffer.allocateDirect(1 << 17);
    private final ByteBuffer dst = ByteBuffer.allocateDirect(1 << 17);
    private long filePos;
    private long produced; // bytes taken out of dst so far
    private boolean frameDone;
    private boolean finished;

    Body(FileChannel ch, long bodyStart, long dataSize, String what) throws IOException {
      this.ch = ch;
      this.dataSize = dataSize;
      this.expected = dataSize + tail(dataSize);
      this.what = what;
      this.filePos = bodyStart;
      ByteBuffer head = ByteBuffer.allocate(5);
      while (head.hasRemaining()) {
        if (ch.read(head, bodyStart + head.position()) < 0) {
          close();
          throw new VerificationException(what + ": the compressed data frame is missing or cut short");
        }
      }
      byte[] h = head.array();
      if (!Arrays.equals(Arrays.copyOf(h, 4), MAGIC) || (h[4] & CHECKSUM_FLAG) == 0) {
        close();
        throw new VerificationException(what + ": the data must follow the head as one zstd frame with a content"
            + " checksum");
      }
      src.limit(0);
      dst.limit(0);
    }

    /** Refills dst with the next decompressed bytes; false at the end of the frame. */
    private boolean fill() throws IOException {
      while (!dst.hasRemaining()) {
        if (frameDone) {
          return false;
        }
        if (!src.hasRemaining()) {
          src.clear();
          int n = ch.read(src, filePos);
          if (n < 0) {
            throw new VerificationException(what + ": the compressed data is cut short (the zstd frame does not end)");
          }
          filePos += n;
          src.flip();
        }
        dst.clear();
        try {
          frameDone = ctx.decompressDirectByteBufferStream(dst, src);
        } catch (ZstdException e) {
          throw new VerificationException(what + ": the compressed data is damaged (" + e.getMessage() + ")");
        }
        dst.flip();
        if (produced + dst.remaining() > expected) {
          throw new InvalidInputException(what + ": decompresses to more than the " + expected + " bytes its manifest"
              + " declares; refused before it fills the disk");
        }
      }
      return true;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (produced >= dataSize) {
        finish();
        return -1;
      }
      if (!fill()) {
        throw new VerificationException(what + ": the compressed data holds " + produced + " bytes, its manifest"
            + " says " + dataSize);
      }
      int n = (int) Math.min(Math.min(len, dst.remaining()), dataSize - produced);
      dst.get(b, off, n);
      produced += n;
      if (produced == dataSize) {
        finish(); // the tail is checked as soon as the data is read, whether or not the reader asks for more
      }
      return n;
    }

    /** After the data: zeros to the end of the frame, exactly the tail's length, and nothing after the frame. */
    private void finish() throws IOException {
      if (finished) {
        return;
      }
      while (fill()) {
        while (dst.hasRemaining()) {
          if (dst.get() != 0) {
            throw new VerificationException(what + ": byte " + produced + " after the data is not zero (tar padding"
                + " and the end-of-archive marker are zeros)");
          }
          produced++;
        }
      }
      if (produced != expected) {
        throw new VerificationException(what + ": the compressed data frame ends after " + produced + " bytes, "
            + expected + " expected (data, padding, end-of-archive marker)");
      }
      long end = filePos - src.remaining();
      if (end != ch.size()) {
        throw new VerificationException(what + ": " + (ch.size() - end) + " bytes follow the compressed data frame;"
            + " a part ends with it");
      }
      finished = true;
    }

    @Override
    public void close() {
      ctx.close();
    }
  }
}
