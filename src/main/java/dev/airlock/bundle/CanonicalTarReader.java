package dev.airlock.bundle;

import dev.airlock.VerificationException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a bundle tarball that must be, byte for byte, in the canonical form {@link BundleTarWriter} and
 * {@link TarAssembly} write (docs/verification.md, "Canonical tar form"): entries in name order, each header
 * (with its PAX extended header when the writer needs one) exactly the header the writer makes for that
 * entry's name, size and type, zeros after each entry's data up to the next 512-byte record, then the two
 * zero records of the end-of-archive marker and nothing after them. Every byte of a bundle is thereby
 * either hashed (blob data, checked by the caller against its name) or fixed by this form (headers,
 * padding, the end), so a bundle that verifies is exactly what was written and signed.
 *
 * <p>Every header's checksum is checked first (a damaged header is named as such), then its bytes are
 * compared with the canonical ones; a difference names the entry and the header field. Only this form is
 * read: it is the verifier's parser of untrusted tar bytes, not a general tar reader (sources such as
 * {@code oci-archive:} tars are read leniently by {@link dev.airlock.store.archive.TarIndex}).
 *
 * <p>Over a stream (a {@code .tar.zst}), the caller reads each entry's data through {@link #read} before
 * asking for the next entry (what it leaves unread is skipped); over a file channel it reads the data by
 * position itself ({@link Entry#dataOffset()}).
 */
public final class CanonicalTarReader {
  /** One entry: its name as written (directories end in '/'), data size and where its data starts. */
  public record Entry(String name, long size, boolean directory, long dataOffset) {}

  /**
   * Sees each entry's name and tar type flag as soon as they are read, before the header is compared with
   * the canonical one, so that a caller's own rules (safe paths, no links, no duplicates) name what is wrong.
   */
  @FunctionalInterface
  public interface NameCheck {
    void check(String name, char type) throws IOException;
  }

  private static final int RECORD = 512;
  /** No canonical PAX header holds more than this (a path of a few hundred bytes and a size). */
  private static final int PAX_CAP = 8192;

  private final String what;
  private final NameCheck nameCheck;
  private final InputStream in;
  private final FileChannel channel;
  private final long channelSize;
  private long pos;
  private Entry current;
  private long dataLeft;
  private String previousName;
  private boolean ended;
  private boolean nameOrder = true;

  private CanonicalTarReader(String what, NameCheck nameCheck, InputStream in, FileChannel channel) throws IOException {
    this.what = what;
    this.nameCheck = nameCheck;
    this.in = in;
    this.channel = channel;
    this.channelSize = channel == null ? -1 : channel.size();
  }

  /** Reads the tarball sequentially from {@code in}; {@code what} names it in errors. */
  public static CanonicalTarReader over(InputStream in, String what, NameCheck nameCheck) throws IOException {
    return new CanonicalTarReader(what, nameCheck, in, null);
  }

  /** Reads the headers of the tarball in {@code channel} by position (the data is left to the caller). */
  public static CanonicalTarReader over(FileChannel channel, String what, NameCheck nameCheck) throws IOException {
    return new CanonicalTarReader(what, nameCheck, null, channel);
  }

  /**
   * Leaves the order of entries to the caller: for a tar of airlock's own whose entries are not in name order
   * (a part file: its manifest, then its data; {@link dev.airlock.bundle.parts.PartFile}). Every other rule holds.
   */
  public CanonicalTarReader inWrittenOrder() {
    nameOrder = false;
    return this;
  }

  /**
   * The next entry, or null once the end-of-archive marker has been read and found to end the file.
   *
   * @throws VerificationException when the bytes are not the canonical form (or are truncated)
   */
  public Entry next() throws IOException {
    if (ended) {
      return null;
    }
    if (current != null) {
      skipData();
      int pad = (int) ((RECORD - current.size() % RECORD) % RECORD);
      if (pad > 0) {
        byte[] p = new byte[pad];
        readFully(p, "the padding after entry '" + printable(current.name()) + "'");
        int nz = firstNonZero(p, 0, pad);
        if (nz >= 0) {
          throw notCanonical(current.name(), "the padding after its data is not zeros (byte " + nz + " of " + pad + ")");
        }
      }
    }
    long start = pos;
    byte[] first = new byte[RECORD];
    readFully(first, "the header after " + after());
    if (firstNonZero(first, 0, RECORD) < 0) {
      byte[] second = new byte[RECORD];
      readFully(second, "the end-of-archive marker");
      int nz = firstNonZero(second, 0, RECORD);
      if (nz >= 0) {
        throw new VerificationException(what + ": the end-of-archive marker after " + after()
            + " is not two zero records (byte " + (RECORD + nz) + " of it is not zero)");
      }
      if (!atEnd()) {
        throw new VerificationException(what + ": data follows the end-of-archive marker at byte " + pos
            + " (an airlock bundle ends with it)");
      }
      ended = true;
      current = null;
      return null;
    }
    checkChecksum(first, start);
    byte[] header = first;
    byte[] pax = null;
    String paxPath = null;
    String paxSize = null;
    if (first[156] == 'x') {
      long paxLength = octal(first, 124, 12, start, "size");
      if (paxLength <= 0 || paxLength > PAX_CAP) {
        throw notCanonical(name(first), "its PAX extended header declares " + paxLength + " bytes");
      }
      pax = new byte[(int) ((paxLength + RECORD - 1) / RECORD * RECORD)];
      readFully(pax, "the PAX extended header after " + after());
      String records = new String(pax, 0, (int) paxLength, StandardCharsets.UTF_8);
      paxPath = paxValue(records, "path");
      paxSize = paxValue(records, "size");
      long at = pos;
      header = new byte[RECORD];
      readFully(header, "the header after a PAX extended header");
      checkChecksum(header, at);
    }
    String name = paxPath != null ? paxPath : name(header);
    char type = (char) (header[156] & 0xff);
    if (nameCheck != null) {
      nameCheck.check(name, type);
    }
    if (type != '0' && type != '5') {
      throw notCanonical(name, "its type is '" + printable(String.valueOf(type)) + "' (a bundle holds only files"
          + " and directories: '0' and '5')");
    }
    long size;
    if (paxSize != null) {
      try {
        size = Long.parseLong(paxSize);
      } catch (NumberFormatException e) {
        throw notCanonical(name, "its PAX size '" + printable(paxSize) + "' is not a number");
      }
    } else {
      size = octal(header, 124, 12, pos - RECORD, "size");
    }
    boolean dir = type == '5';
    if (size < 0 || dir && size != 0) {
      throw notCanonical(name, "its size " + size + " is impossible");
    }
    byte[] canonical;
    try {
      canonical = BundleTarWriter.header(name, size, dir);
    } catch (RuntimeException e) {
      throw notCanonical(name, "no canonical header exists for it (" + e.getMessage() + ")");
    }
    compare(name, first, pax, pax == null ? null : header, canonical);
    if (nameOrder && previousName != null && name.compareTo(previousName) <= 0) {
      throw notCanonical(name, "it comes after '" + printable(previousName) + "' (entries are in name order)");
    }
    previousName = name;
    current = new Entry(name, size, dir, pos);
    dataLeft = size;
    if (channel != null && pos + size > channelSize) {
      throw truncatedData(channelSize - pos);
    }
    return current;
  }

  private VerificationException truncatedData(long present) {
    return new VerificationException(what + ": entry '" + printable(current.name()) + "' is truncated: it declares "
        + current.size() + " bytes, the file ends " + present + " bytes after its header");
  }

  /** Reads the current entry's data (stream mode): like {@link InputStream#read(byte[], int, int)}. */
  public int read(byte[] b, int off, int len) throws IOException {
    if (in == null) {
      throw new IllegalStateException("a channel's data is read by position");
    }
    if (current == null || dataLeft == 0) {
      return -1;
    }
    int n = in.read(b, off, (int) Math.min(len, dataLeft));
    if (n < 0) {
      throw truncatedData(current.size() - dataLeft);
    }
    dataLeft -= n;
    pos += n;
    return n;
  }

  /** The current entry's data as a stream (stream mode), ending with it. */
  public InputStream data() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return CanonicalTarReader.this.read(b, off, len);
      }
    };
  }

  private void skipData() throws IOException {
    if (channel != null) {
      pos += dataLeft;
      dataLeft = 0;
      return;
    }
    byte[] buf = new byte[(int) Math.min(1 << 16, Math.max(1, dataLeft))];
    while (dataLeft > 0) {
      read(buf, 0, (int) Math.min(buf.length, dataLeft));
    }
  }

  private void readFully(byte[] b, String where) throws IOException {
    if (channel != null) {
      ByteBuffer bb = ByteBuffer.wrap(b);
      while (bb.hasRemaining()) {
        int n = channel.read(bb, pos + bb.position());
        if (n < 0) {
          throw truncated(where);
        }
      }
    } else {
      int n = in.readNBytes(b, 0, b.length);
      if (n < b.length) {
        throw truncated(where);
      }
    }
    pos += b.length;
  }

  private boolean atEnd() throws IOException {
    return channel != null ? pos == channelSize : in.read() < 0;
  }

  private VerificationException truncated(String where) {
    return new VerificationException(what + " is truncated: it ends at byte " + pos + ", in " + where,
        new EOFException());
  }

  private String after() {
    return previousName == null ? "the start" : "entry '" + printable(previousName) + "'";
  }

  private void checkChecksum(byte[] h, long at) {
    long stored = octal(h, 148, 8, at, "chksum");
    long sum = 0;
    for (int i = 0; i < RECORD; i++) {
      sum += i >= 148 && i < 156 ? ' ' : h[i] & 0xff;
    }
    if (stored != sum) {
      throw new VerificationException(what + ": the tar header at byte " + at + " (entry '" + printable(name(h))
          + "', after " + after() + ") is damaged: its checksum says " + stored + ", its bytes sum to " + sum);
    }
  }

  /** Compares the header record(s) read with the canonical ones; names the first field that differs. */
  private void compare(String name, byte[] first, byte[] pax, byte[] last, byte[] canonical) {
    int length = RECORD + (pax == null ? 0 : pax.length + RECORD);
    if (length != canonical.length) {
      throw notCanonical(name, "its header is " + length + " bytes, the canonical one " + canonical.length
          + (pax == null ? " (it needs a PAX extended header)" : " (its PAX extended header is not the canonical one)"));
    }
    int at = mismatch(first, canonical, 0);
    if (at >= 0) {
      throw notCanonical(name, (pax == null ? "" : "PAX extended header field ") + field(at) + " is not the canonical"
          + " value (byte " + at + " of the header)");
    }
    if (pax != null) {
      at = mismatch(pax, canonical, RECORD);
      if (at >= 0) {
        throw notCanonical(name, "its PAX extended header records are not the canonical ones (byte " + at + " of them)");
      }
      at = mismatch(last, canonical, RECORD + pax.length);
      if (at >= 0) {
        throw notCanonical(name, "header field " + field(at) + " is not the canonical value (byte " + at
            + " of the header after the PAX extended header)");
      }
    }
  }

  /**
   * The first byte of a header record that differs from the canonical one; the checksum field last, since it
   * differs whenever another field does (-1: none).
   */
  private static int mismatch(byte[] actual, byte[] canonical, int from) {
    int i = Arrays.mismatch(actual, 0, actual.length, canonical, from, from + actual.length);
    if (i < 148 || i >= 156 || actual.length != RECORD) {
      return i;
    }
    int rest = Arrays.mismatch(actual, 156, RECORD, canonical, from + 156, from + RECORD);
    return rest >= 0 ? 156 + rest : i;
  }

  private VerificationException notCanonical(String name, String why) {
    return new VerificationException(what + ": entry '" + printable(name) + "' is not in airlock's canonical tar form: "
        + why);
  }

  /** The ustar header field at {@code offset} of a 512-byte header record. */
  static String field(int offset) {
    int[] starts = {0, 100, 108, 116, 124, 136, 148, 156, 157, 257, 263, 265, 297, 329, 337, 345, 500};
    String[] names = {"name", "mode", "uid", "gid", "size", "mtime", "chksum", "typeflag", "linkname", "magic",
        "version", "uname", "gname", "devmajor", "devminor", "prefix", "header padding"};
    for (int i = starts.length - 1; i >= 0; i--) {
      if (offset >= starts[i]) {
        return names[i];
      }
    }
    return "name";
  }

  private long octal(byte[] h, int offset, int length, long at, String field) {
    long v = 0;
    int i = offset;
    int end = offset + length;
    while (i < end && h[i] == ' ') {
      i++;
    }
    boolean any = false;
    for (; i < end; i++) {
      byte c = h[i];
      if (c == 0 || c == ' ') {
        break;
      }
      if (c < '0' || c > '7' || v > (Long.MAX_VALUE >> 3)) {
        throw new VerificationException(what + ": the tar header at byte " + at + " (after " + after()
            + ") is damaged: field " + field + " is not an octal number");
      }
      v = (v << 3) + (c - '0');
      any = true;
    }
    if (!any) {
      throw new VerificationException(what + ": the tar header at byte " + at + " (after " + after()
          + ") is damaged: field " + field + " is empty");
    }
    return v;
  }

  /** The value of {@code key} in PAX records ({@code "<len> key=value\n"}), or null. */
  private static String paxValue(String records, String key) {
    for (String line : records.split("\n")) {
      int sp = line.indexOf(' ');
      int eq = line.indexOf('=');
      if (sp > 0 && eq > sp && line.substring(sp + 1, eq).equals(key)) {
        return line.substring(eq + 1);
      }
    }
    return null;
  }

  private static String name(byte[] h) {
    int n = 0;
    while (n < 100 && h[n] != 0) {
      n++;
    }
    return new String(h, 0, n, StandardCharsets.UTF_8);
  }

  private static int firstNonZero(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (b[i] != 0) {
        return i - off;
      }
    }
    return -1;
  }

  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : (s.length() > 120 ? s.substring(0, 120) + "..." : s).toCharArray()) {
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return b.toString();
  }
}
