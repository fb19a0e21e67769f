package dev.airlock.bundle.parts;

import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.VerificationException;
import dev.airlock.bundle.CanonicalTarReader;
import dev.airlock.oci.Json;
import dev.airlock.store.archive.ChannelRangeInputStream;
import java.io.IOException;
import java.io.InputStream;
import dev.airlock.bundle.BundleTarWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * One part file opened: its manifest (not yet trusted: check {@link PartCheck}) and where its data entry
 * lies. A part is refused unless it is a tar of exactly the manifest entry, first, and the data entry,
 * with the data's size the manifest's. A compressed part (format version 2) is that tar in the two zstd
 * frames of {@link ZstdPartFrames}: {@code bodyStart} is where its compressed data frame starts, and
 * {@code dataOffset} is 0, the data's offset in what {@link #openReadable} returns.
 */
public record PartFile(Path path, PartManifest.Signed signed, long dataOffset, long dataSize, boolean compressed,
    long bodyStart) {
  /** The largest manifest entry read (a set of 99,999 parts fits). */
  static final int MANIFEST_CAP = 16 * 1024 * 1024;

  public PartManifest manifest() {
    return signed.manifest();
  }

  /**
   * Opens a part, holding its tar framing to airlock's canonical form exactly as a bundle tarball's
   * ({@link CanonicalTarReader}: header checksums, canonical headers, zero padding, the end-of-archive marker
   * ending the file) and its manifest entry to the bytes airlock writes for the envelope it holds (compact
   * JSON, then spaces), so that every byte of a part is either covered by its manifest (the data) or fixed.
   *
   * @throws dev.airlock.VerificationException when the framing or the manifest entry is not canonical
   * @throws InvalidInputException when the file is not a part at all, or its manifest cannot be read
   */
  public static PartFile open(Path path) throws IOException {
    String what = path.toString();
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      ByteBuffer first = ByteBuffer.allocate(5);
      ch.read(first, 0);
      if (ZstdPartFrames.looksLikeHead(first.array())) {
        return openCompressed(path, ch, what);
      }
      CanonicalTarReader tar = CanonicalTarReader.over(ch, what, null).inWrittenOrder();
      CanonicalTarReader.Entry m = tar.next();
      if (m == null || !m.name().equals(PartFormat.MANIFEST_ENTRY) || m.directory()) {
        throw notAPart(what);
      }
      if (m.size() > MANIFEST_CAP) {
        throw new InvalidInputException(what + ": the part manifest of " + m.size() + " bytes is larger than the "
            + MANIFEST_CAP + " byte limit");
      }
      byte[] bytes;
      try (InputStream in = new ChannelRangeInputStream(ch, m.dataOffset(), m.size())) {
        bytes = Json.readCapped(in, MANIFEST_CAP, PartFormat.MANIFEST_ENTRY + " in " + what);
      }
      CanonicalTarReader.Entry d = tar.next();
      if (d == null || !d.name().equals(PartFormat.DATA_ENTRY) || d.directory()) {
        throw notAPart(what);
      }
      if (tar.next() != null) { // the end-of-archive marker, and nothing after it
        throw notAPart(what);
      }
      PartManifest.Signed signed = PartManifest.read(bytes, what);
      byte[] canonical = PartManifest.entry(signed.envelope(), bytes.length);
      int at = Arrays.mismatch(bytes, canonical);
      if (at >= 0) {
        throw new VerificationException(what + ": entry '" + PartFormat.MANIFEST_ENTRY + "' is not in airlock's"
            + " canonical form: byte " + at + " of it differs from the envelope's compact JSON padded with spaces");
      }
      if (d.size() != signed.manifest().data().size()) {
        throw new InvalidInputException(what + ": the data entry holds " + d.size() + " bytes, the manifest says "
            + signed.manifest().data().size());
      }
      if (signed.manifest().formatVersion() != PartFormat.FORMAT_VERSION) {
        throw new InvalidInputException(what + ": an uncompressed part must be of part format version "
            + PartFormat.FORMAT_VERSION + ", this one says " + signed.manifest().formatVersion());
      }
      return new PartFile(path, signed, d.dataOffset(), d.size(), false, 0);
    } catch (NoSuchFileException e) {
      throw new NotFoundException("no such file: " + path);
    }
  }

  /**
   * A compressed part: the head frame holds the manifest entry's tar header, the entry and the data entry's
   * header, each exactly as airlock writes them; the data is in the body frame, read by {@link #openData}.
   */
  private static PartFile openCompressed(Path path, FileChannel ch, String what) throws IOException {
    byte[] head = ZstdPartFrames.readHead(ch, what, MANIFEST_CAP + 4 * PartFormat.RECORD);
    if (head.length < 2 * PartFormat.RECORD) {
      throw notAPart(what);
    }
    long size = octal(head, 124, 12, what);
    long padded = (size + PartFormat.RECORD - 1) / PartFormat.RECORD * PartFormat.RECORD;
    if (size > MANIFEST_CAP || PartFormat.RECORD + padded > head.length) {
      throw notAPart(what);
    }
    byte[] mHeader = BundleTarWriter.header(PartFormat.MANIFEST_ENTRY, size, false);
    int at = Arrays.mismatch(Arrays.copyOf(head, PartFormat.RECORD), mHeader);
    if (at >= 0) {
      throw new VerificationException(what + ": the tar header of '" + PartFormat.MANIFEST_ENTRY + "' is not in"
          + " airlock's canonical form (byte " + at + " of it differs)");
    }
    byte[] bytes = Arrays.copyOfRange(head, PartFormat.RECORD, PartFormat.RECORD + (int) size);
    for (int i = PartFormat.RECORD + (int) size; i < PartFormat.RECORD + padded; i++) {
      if (head[i] != 0) {
        throw new VerificationException(what + ": the padding after '" + PartFormat.MANIFEST_ENTRY + "' is not zeros");
      }
    }
    PartManifest.Signed signed = PartManifest.read(bytes, what);
    byte[] canonical = PartManifest.entry(signed.envelope(), bytes.length);
    int diff = Arrays.mismatch(bytes, canonical);
    if (diff >= 0) {
      throw new VerificationException(what + ": entry '" + PartFormat.MANIFEST_ENTRY + "' is not in airlock's"
          + " canonical form: byte " + diff + " of it differs from the envelope's compact JSON padded with spaces");
    }
    int version = signed.manifest().formatVersion();
    if (version != PartFormat.FORMAT_VERSION_ZSTD && version != PartFormat.FORMAT_VERSION_FRAMES) {
      throw new InvalidInputException(what + ": a compressed part must be of part format version "
          + PartFormat.FORMAT_VERSION_ZSTD + " or " + PartFormat.FORMAT_VERSION_FRAMES + ", this one says " + version);
    }
    long dataSize = signed.manifest().data().size();
    byte[] dHeader = BundleTarWriter.header(PartFormat.DATA_ENTRY, dataSize, false);
    byte[] rest = Arrays.copyOfRange(head, PartFormat.RECORD + (int) padded, head.length);
    if (!Arrays.equals(rest, dHeader)) {
      throw new VerificationException(what + ": the tar header of '" + PartFormat.DATA_ENTRY + "' in the part head is"
          + " not airlock's for the " + dataSize + " bytes its manifest declares");
    }
    return new PartFile(path, signed, 0, dataSize, true, ZstdPartFrames.headSize(head.length));
  }

  private static long octal(byte[] b, int off, int len, String what) {
    long v = 0;
    int end = off + len;
    int i = off;
    while (i < end && b[i] == ' ') {
      i++;
    }
    for (; i < end && b[i] >= '0' && b[i] <= '7'; i++) {
      v = v * 8 + (b[i] - '0');
    }
    if (i < end && b[i] != 0 && b[i] != ' ') {
      throw notAPart(what);
    }
    return v;
  }

  /**
   * The part's data, exactly {@code dataSize} bytes: read in place, or decompressed from the body frame as it
   * is read (stopping past what the manifest declares, the frame's end checked after the last byte).
   */
  public InputStream openData() throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
    try {
      InputStream in = framed() ? SeekablePart.wholeData(this, ch)
          : compressed ? ZstdPartFrames.body(ch, bodyStart, dataSize, path.toString())
          : new ChannelRangeInputStream(ch, dataOffset, dataSize);
      return new java.io.FilterInputStream(in) {
        @Override
        public void close() throws IOException {
          try {
            super.close();
          } finally {
            ch.close();
          }
        }
      };
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Whether this is a compressed part of independent frames and a seek table (part format version 3). */
  public boolean framed() {
    return compressed && manifest().formatVersion() >= PartFormat.FORMAT_VERSION_FRAMES;
  }

  /**
   * Whether bytes from any offset of the data can be read without reading the data before them: an uncompressed
   * part (read in place) or a version 3 compressed part ({@link SeekablePart}); a version 2 part cannot.
   */
  public boolean seekable() {
    return !compressed || framed();
  }

  /** The head frame's decompressed size (a compressed part): its entry in a seek table. */
  long headContentSize() {
    return ZstdPartFrames.headContent(bodyStart);
  }

  /**
   * Bytes {@code [offset, offset + length)} of the part's data. An uncompressed part is read in place and a version 3
   * compressed part from the frame holding {@code offset} ({@link SeekablePart}); a version 2 compressed part is
   * decompressed from its start and the bytes before {@code offset} passed over.
   */
  public InputStream openData(long offset, long length) throws IOException {
    if (offset < 0 || length < 0 || offset + length > dataSize) {
      throw new IllegalArgumentException("bytes " + offset + "+" + length + " of a part of " + dataSize);
    }
    if (framed()) {
      SeekablePart sp = SeekablePart.open(this);
      try {
        return sp.openOwning(offset, length);
      } catch (IOException | RuntimeException e) {
        sp.close();
        throw e;
      }
    }
    InputStream in;
    if (!compressed) {
      FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
      in = new java.io.FilterInputStream(new ChannelRangeInputStream(ch, dataOffset + offset, length)) {
        @Override
        public void close() throws IOException {
          ch.close();
        }
      };
      return in;
    }
    in = openData();
    try {
      in.skipNBytes(offset);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
    InputStream whole = in;
    return new java.io.FilterInputStream(whole) {
      long left = length;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (left <= 0) {
          return len == 0 ? 0 : -1;
        }
        int n = whole.read(b, off, (int) Math.min(len, left));
        if (n > 0) {
          left -= n;
        }
        return n;
      }
    };
  }

  /**
   * A channel holding the data at {@link #dataOffset}, read in place: the part file itself, or for a compressed
   * part its data decompressed as it is read ({@link DecompressedPartChannel}, its decompressors kept by
   * {@code pool}); nothing is written to disk.
   */
  public FileChannel openReadable(DecompressedPartChannel.Pool pool) throws IOException {
    if (!compressed) {
      return FileChannel.open(path, StandardOpenOption.READ);
    }
    if (framed()) { // independent frames: a stream starts at the frame holding the byte
      SeekablePart sp = SeekablePart.open(this);
      DecompressedPartChannel.Opener frames = new DecompressedPartChannel.Opener() {
        @Override
        public long startFor(long pos) {
          return pos - pos % sp.frameSize();
        }

        @Override
        public InputStream open(long pos) throws IOException {
          return sp.openData(pos);
        }
      };
      return new DecompressedPartChannel(frames, dataSize, pool, sp);
    }
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
    String what = path.toString();
    DecompressedPartChannel.Opener opener = new DecompressedPartChannel.Opener() {
      @Override
      public long startFor(long pos) {
        return 0; // one frame: decompressing starts at the data's first byte
      }

      @Override
      public InputStream open(long pos) throws IOException {
        InputStream in = ZstdPartFrames.body(ch, bodyStart, dataSize, what);
        try {
          in.skipNBytes(pos);
        } catch (IOException | RuntimeException e) {
          in.close();
          throw e;
        }
        return in;
      }
    };
    return new DecompressedPartChannel(opener, dataSize, pool, ch);
  }

  /**
   * A channel holding the data at {@link #dataOffset} for reads in any order: the part file itself, or for a
   * compressed part (a single frame: reaching a byte means decompressing all before it) its data decompressed
   * into a temporary file of {@code java.io.tmpdir} (unlinked at once: it lives as long as the channel), after
   * checking that much free space is there.
   */
  public FileChannel openCopied() throws IOException {
    if (!compressed) {
      return FileChannel.open(path, StandardOpenOption.READ);
    }
    Path dir = Path.of(System.getProperty("java.io.tmpdir"));
    dev.airlock.store.DiskSpace.require(dir, dataSize, "the decompressed data of " + path.getFileName());
    Path tmp = Files.createTempFile(dir, "airlock-part-", ".data");
    try {
      try (InputStream in = openData(); java.io.OutputStream out = Files.newOutputStream(tmp)) {
        in.transferTo(out);
      }
      FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.DELETE_ON_CLOSE);
      Files.deleteIfExists(tmp);
      return ch;
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  private static InvalidInputException notAPart(String what) {
    return new InvalidInputException(what + " is not an airlock part: it must hold exactly "
        + PartFormat.MANIFEST_ENTRY + " then " + PartFormat.DATA_ENTRY);
  }

  /**
   * Whether {@code file} is a regular file whose first tar entry is a part manifest (by its header's name),
   * uncompressed or in a compressed part's head frame.
   */
  public static boolean looksLikePart(Path file) {
    if (!Files.isRegularFile(file)) {
      return false;
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(112);
      if (ZstdPartFrames.looksLikeHead(head)) {
        head = Arrays.copyOfRange(head, 12, head.length); // magic, descriptor, content size, block header
      }
      String name = PartFormat.MANIFEST_ENTRY;
      if (head.length < name.length() + 1) {
        return false;
      }
      return new String(head, 0, name.length(), StandardCharsets.US_ASCII).equals(name) && head[name.length()] == 0;
    } catch (IOException e) {
      return false;
    }
  }
}
