package dev.airlock.bundle.parts;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import dev.airlock.InvalidInputException;
import dev.airlock.VerificationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.Arrays;
import dev.airlock.oci.Digest;

/**
 * The zstd frames of a compressed part (docs/bundle-format.md "Compressed parts"): the <b>head</b>, a frame of raw
 * (stored) blocks holding the tar header of the manifest entry, the manifest entry and the tar header of the data
 * entry, so that it can be written last, at a size known in advance, and read without decompressing anything; then
 * the data. In part format version 2 the data, its padding and the end-of-archive marker are one compressed frame
 * with a content checksum ({@link #body}); in version 3 the data is independent frames of a fixed size, the padding
 * and marker a tail frame, and a seek table (zstd seekable format) ends the file ({@link SeekTable},
 * {@link FramedData}). Decompressed one after the other (as {@code zstd -d} does) they are the part's tar.
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

  /** The content size of a head frame of {@code headSize} bytes (the inverse of {@link #headSize}). */
  static long headContent(long headSize) {
    long blocks = Math.max(1, (headSize - 9 + RAW_BLOCK + 2) / (RAW_BLOCK + 3));
    long c = headSize - 9 - 3 * blocks;
    if (headSize(c) != headSize) {
      throw new IllegalStateException("no head frame is " + headSize + " bytes");
    }
    return c;
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

  static void putLe(byte[] b, int at, long v, int bytes) {
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

  // ---- part format version 3: the body as independent frames, then a seek table ----------------------------

  /** Skippable_Magic_Number of the seek table frame (zstd seekable format 0.1.0). */
  static final int SKIPPABLE_MAGIC = 0x184D2A5E;
  /** Seekable_Magic_Number, the last 4 bytes of a version 3 part. */
  static final int SEEKABLE_MAGIC = 0x8F92EAB1;
  /** The seek table footer: Number_Of_Frames, Seek_Table_Descriptor, Seekable_Magic_Number. */
  static final int FOOTER = 9;

  /** The size of a seek table frame of {@code entries} entries without checksums. */
  static long seekTableSize(long entries) {
    return 8 + 8 * entries + FOOTER;
  }

  /** The skippable frame's header (magic, Frame_Size) for {@code entries} entries. */
  static byte[] seekTableHeader(long entries) {
    byte[] b = new byte[8];
    putLe(b, 0, SKIPPABLE_MAGIC & 0xffffffffL, 4);
    putLe(b, 4, 8 * entries + FOOTER, 4);
    return b;
  }

  /** One seek table entry: Compressed_Size, Decompressed_Size. */
  static byte[] seekEntry(long compressed, long decompressed) {
    byte[] b = new byte[8];
    putLe(b, 0, compressed, 4);
    putLe(b, 4, decompressed, 4);
    return b;
  }

  /** The footer: Number_Of_Frames, descriptor 0 (no checksums), Seekable_Magic_Number. */
  static byte[] seekTableFooter(long entries) {
    byte[] b = new byte[FOOTER];
    putLe(b, 0, entries, 4);
    b[4] = 0;
    putLe(b, 5, SEEKABLE_MAGIC & 0xffffffffL, 4);
    return b;
  }

  static long le(byte[] b, int at, int bytes) {
    long v = 0;
    for (int i = 0; i < bytes; i++) {
      v |= (b[at + i] & 0xffL) << (8 * i);
    }
    return v;
  }

  /**
   * The seek table of a version 3 part, checked against its manifest when opened: it ends the file, it lists the
   * head, {@code frames.count} data frames of {@code frames.size} bytes each (the last one the rest of the data),
   * and the tail frame, their compressed sizes add up to where the table starts, and its bytes have the sha256
   * the manifest gives. Only every {@link #STRIDE}th frame's file offset is kept in memory (a few KiB for any
   * part); the others are found by reading at most {@code STRIDE} entries from the file.
   */
  static final class SeekTable {
    static final int STRIDE = 64;
    final FileChannel ch;
    final String what;
    final long start; // where the seek table frame starts in the file
    final long frameSize;
    final long dataFrames;
    final long dataSize;
    final long[] sampled; // file offset of data frame i * STRIDE

    private SeekTable(FileChannel ch, String what, long start, long frameSize, long dataFrames, long dataSize,
        long[] sampled) {
      this.ch = ch;
      this.what = what;
      this.start = start;
      this.frameSize = frameSize;
      this.dataFrames = dataFrames;
      this.dataSize = dataSize;
      this.sampled = sampled;
    }

    static SeekTable read(FileChannel ch, long headSize, long headContent, PartManifest m, String what)
        throws IOException {
      PartManifest.Frames f = m.frames();
      long dataSize = m.data().size();
      long entries = f.count() + 2;
      long tableSize = seekTableSize(entries);
      long fileSize = ch.size();
      if (fileSize < headSize + tableSize) {
        throw new VerificationException(what + ": the part is cut short: " + fileSize + " bytes cannot hold its head"
            + " and a seek table of " + entries + " frames");
      }
      long start = fileSize - tableSize;
      ByteBuffer footer = ByteBuffer.allocate(FOOTER);
      readFully(ch, footer, fileSize - FOOTER, what);
      byte[] ft = footer.array();
      if (!Arrays.equals(ft, seekTableFooter(entries))) {
        throw new VerificationException(what + ": the part does not end with the seek table of the " + entries
            + " frames its manifest declares (zstd seekable format footer, magic 0x8F92EAB1)");
      }
      MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
      ByteBuffer hb = ByteBuffer.allocate(8);
      readFully(ch, hb, start, what);
      if (!Arrays.equals(hb.array(), seekTableHeader(entries))) {
        throw new VerificationException(what + ": the seek table frame's header (magic 0x184D2A5E, its size) is not"
            + " where the part's size puts it");
      }
      md.update(hb.array());
      long[] sampled = new long[(int) ((f.count() + STRIDE - 1) / STRIDE)];
      ByteBuffer buf = ByteBuffer.allocate(8 * 8192);
      long at = start + 8;
      long offset = 0;
      long i = 0;
      while (i < entries) {
        buf.clear().limit((int) Math.min(buf.capacity(), 8 * (entries - i)));
        readFully(ch, buf, at, what);
        at += buf.limit();
        md.update(buf.array(), 0, buf.limit());
        for (int p = 0; p < buf.limit(); p += 8, i++) {
          long c = le(buf.array(), p, 4);
          long d = le(buf.array(), p + 4, 4);
          long wantD;
          if (i == 0) {
            wantD = headContent;
            if (c != headSize) {
              throw new VerificationException(what + ": seek table entry 0 gives the head " + c + " bytes, it has "
                  + headSize);
            }
          } else if (i <= f.count()) {
            wantD = i < f.count() ? f.size() : dataSize - (f.count() - 1) * f.size();
            if ((i - 1) % STRIDE == 0) {
              sampled[(int) ((i - 1) / STRIDE)] = offset;
            }
          } else {
            wantD = tail(dataSize);
          }
          if (d != wantD || c < 9) {
            throw new VerificationException(what + ": seek table entry " + i + " (" + c + " compressed, " + d
                + " decompressed bytes) is not a frame of the " + wantD + " bytes the manifest puts there");
          }
          offset += c;
        }
      }
      if (offset != start) {
        throw new VerificationException(what + ": the frames of the seek table add up to " + offset + " bytes, the"
            + " table starts at byte " + start);
      }
      md.update(ft);
      Digest got = Digest.of(Digest.Algorithm.SHA256, md.digest());
      if (!got.equals(f.seekTable())) {
        throw new VerificationException(what + ": the seek table has sha256 " + got.hex() + ", the manifest says "
            + f.seekTable().hex());
      }
      return new SeekTable(ch, what, start, f.size(), f.count(), dataSize, sampled);
    }

    /** Entry {@code i} of the table (0: the head): its compressed size. */
    long compressedSize(long i) throws IOException {
      ByteBuffer b = ByteBuffer.allocate(8);
      readFully(ch, b, start + 8 + 8 * i, what);
      return le(b.array(), 0, 4);
    }

    /** The file offset of data frame {@code k} (0-based). */
    long dataFrameOffset(long k) throws IOException {
      int s = (int) (k / STRIDE);
      long off = sampled[s];
      long from = (long) s * STRIDE;
      if (k > from) {
        ByteBuffer b = ByteBuffer.allocate((int) (8 * (k - from)));
        readFully(ch, b, start + 8 + 8 * (1 + from), what);
        for (int p = 0; p < b.capacity(); p += 8) {
          off += le(b.array(), p, 4);
        }
      }
      return off;
    }

    /** The decompressed size of data frame {@code k}. */
    long dataFrameLength(long k) {
      return k < dataFrames - 1 ? frameSize : dataSize - (dataFrames - 1) * frameSize;
    }
  }

  /**
   * Decompresses one frame of {@code c} bytes at {@code off} of {@code ch}: its header must declare exactly
   * {@code d} bytes of content and a checksum, and the frame must end exactly after {@code c} bytes; output past
   * {@code d} bytes is refused as it comes (a frame cannot fill more than its declared size).
   */
  static final class FrameReader implements AutoCloseable {
    private final FileChannel ch;
    private final String what;
    private final ZstdDecompressCtx ctx = new ZstdDecompressCtx();
    private final ByteBuffer src = ByteBuffer.allocateDirect(1 << 17);
    private final ByteBuffer dst = ByteBuffer.allocateDirect(1 << 17);
    private long filePos;
    private long frameEnd;
    private long declared;
    private long produced;
    private boolean done;

    FrameReader(FileChannel ch, String what) {
      this.ch = ch;
      this.what = what;
      dst.limit(0);
    }

    /** Starts frame {@code index} (for messages) at {@code off}, {@code c} bytes, {@code d} decompressed. */
    void start(long index, long off, long c, long d) throws IOException {
      ByteBuffer h = ByteBuffer.allocate((int) Math.min(18, c));
      readFully(ch, h, off, what);
      byte[] b = h.array();
      if (b.length < 6 || !Arrays.equals(Arrays.copyOf(b, 4), MAGIC)) {
        throw new VerificationException(what + ": frame " + index + " at byte " + off + " is not a zstd frame");
      }
      int desc = b[4] & 0xff;
      int fcsFlag = desc >>> 6;
      boolean single = (desc & 0x20) != 0;
      if ((desc & CHECKSUM_FLAG) == 0 || (desc & 0x03) != 0 || (desc & 0x08) != 0 || (fcsFlag == 0 && !single)) {
        throw new VerificationException(what + ": frame " + index + " must declare its content size and carry a"
            + " content checksum (no dictionary)");
      }
      int at = 5 + (single ? 0 : 1);
      int fcsBytes = fcsFlag == 0 ? 1 : fcsFlag == 1 ? 2 : fcsFlag == 2 ? 4 : 8;
      if (at + fcsBytes > b.length) {
        throw new VerificationException(what + ": frame " + index + " is cut short");
      }
      long fcs = le(b, at, fcsBytes) + (fcsFlag == 1 ? 256 : 0);
      if (fcs != d) {
        throw new VerificationException(what + ": frame " + index + " declares " + fcs + " bytes of content, the seek"
            + " table " + d);
      }
      ctx.reset();
      filePos = off;
      frameEnd = off + c;
      declared = d;
      produced = 0;
      done = false;
      src.clear().limit(0);
      dst.clear().limit(0);
    }

    /** The next decompressed bytes of the frame (a view valid until the next call); null at its end. */
    ByteBuffer next() throws IOException {
      while (!dst.hasRemaining()) {
        if (done) {
          if (produced != declared) {
            throw new VerificationException(what + ": a frame holds " + produced + " bytes, it declares " + declared);
          }
          return null;
        }
        if (!src.hasRemaining()) {
          if (filePos >= frameEnd) {
            throw new VerificationException(what + ": a frame does not end within its " + (frameEnd - filePos)
                + " bytes of the seek table");
          }
          src.clear().limit((int) Math.min(src.capacity(), frameEnd - filePos));
          int n = ch.read(src, filePos);
          if (n < 0) {
            throw new VerificationException(what + ": the compressed data is cut short");
          }
          filePos += n;
          src.flip();
        }
        dst.clear();
        try {
          done = ctx.decompressDirectByteBufferStream(dst, src);
        } catch (ZstdException e) {
          throw new VerificationException(what + ": the compressed data is damaged (" + e.getMessage() + ")");
        }
        dst.flip();
        produced += dst.remaining();
        if (produced > declared) {
          throw new InvalidInputException(what + ": a frame decompresses to more than the " + declared + " bytes it"
              + " declares; refused before it fills the disk");
        }
        if (done && (src.hasRemaining() || filePos != frameEnd)) {
          throw new VerificationException(what + ": a frame ends before the " + (frameEnd) + " byte its seek table"
              + " entry gives");
        }
      }
      return dst;
    }

    @Override
    public void close() {
      ctx.close();
    }
  }

  /**
   * Bytes {@code [from, from + length)} of a version 3 part's data, decompressed from the data frame holding
   * {@code from} on (no frame before it is read). With {@code whole}, the tail frame after the data must then be
   * the zero padding and end-of-archive marker (the sequential check of {@code verify}).
   */
  static final class FramedData extends InputStream {
    private final SeekTable table;
    private final FrameReader frames;
    private final long end;
    private final boolean whole;
    private long pos; // data offset of the next byte handed out
    private long frame; // the data frame being read
    private long frameStart; // data offset of its first byte
    private long skip;
    private ByteBuffer cur;
    private boolean finished;

    FramedData(SeekTable table, long from, long length, boolean whole) throws IOException {
      if (from < 0 || length < 0 || from + length > table.dataSize) {
        throw new IllegalArgumentException("bytes " + from + "+" + length + " of " + table.dataSize);
      }
      this.table = table;
      this.frames = new FrameReader(table.ch, table.what);
      this.end = from + length;
      this.whole = whole;
      this.pos = from;
      if (table.dataFrames > 0 && length > 0) {
        frame = from / table.frameSize;
        frameStart = frame * table.frameSize;
        skip = from - frameStart;
        startFrame();
      }
    }

    private void startFrame() throws IOException {
      long off = table.dataFrameOffset(frame);
      frames.start(frame + 1, off, table.compressedSize(frame + 1), table.dataFrameLength(frame));
    }

    private boolean fill() throws IOException {
      while (cur == null || !cur.hasRemaining()) {
        cur = frames.next();
        if (cur == null) {
          frameStart += table.dataFrameLength(frame);
          frame++;
          if (frame >= table.dataFrames) {
            return false;
          }
          startFrame();
          continue;
        }
        if (skip > 0) {
          int n = (int) Math.min(skip, cur.remaining());
          cur.position(cur.position() + n);
          skip -= n;
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
      if (pos >= end) {
        finish();
        return -1;
      }
      if (!fill()) {
        throw new VerificationException(table.what + ": the compressed data ends at byte " + pos + " of the data");
      }
      int n = (int) Math.min(Math.min(len, cur.remaining()), end - pos);
      cur.get(b, off, n);
      pos += n;
      if (pos == end) {
        finish();
      }
      return n;
    }

    /** With {@code whole}: the last data frame ends, then the tail frame holds only zeros, exactly the tail. */
    private void finish() throws IOException {
      if (finished || !whole) {
        finished = true;
        return;
      }
      finished = true;
      if (table.dataFrames > 0 && fill()) {
        throw new VerificationException(table.what + ": the data frames hold more than the " + table.dataSize
            + " bytes the manifest declares");
      }
      long tailIndex = table.dataFrames + 1;
      long off = table.start - table.compressedSize(tailIndex);
      frames.start(tailIndex, off, table.compressedSize(tailIndex), tail(table.dataSize));
      ByteBuffer t;
      while ((t = frames.next()) != null) {
        while (t.hasRemaining()) {
          if (t.get() != 0) {
            throw new VerificationException(table.what + ": a byte after the data is not zero (tar padding and the"
                + " end-of-archive marker are zeros)");
          }
        }
      }
    }

    @Override
    public void close() {
      frames.close();
    }
  }
}
