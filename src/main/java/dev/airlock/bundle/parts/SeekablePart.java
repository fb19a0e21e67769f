package dev.airlock.bundle.parts;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * A compressed part of part format version 3 opened for reading from any offset of its data (docs/bundle-format.md
 * "Compressed parts"): its body is a sequence of independent zstd frames of {@code frames.size} bytes of data each,
 * listed by the seek table at the end of the file (zstd seekable format), whose sha256 the part manifest carries.
 * {@link #open} reads the table once and checks it against the manifest (every entry, their sum, its digest);
 * {@link #openData} then decompresses only from the frame holding the offset. Memory is bounded whatever the part's
 * size: a few KiB of the table are kept (every 64th frame's offset), each stream holds two 128 KiB buffers, and no
 * frame may decompress past the size its header and the table declare.
 *
 * <p>The manifest is not checked here: check the part with {@link PartCheck} (or trust its signature) first. The
 * channel is shared by the streams (positional reads), so several may read at the same time; closing this closes
 * it. Streams of a part whose compressed bytes are damaged fail with {@link dev.airlock.VerificationException};
 * the blob digests a reader checks while the bytes flow catch anything else.
 */
public final class SeekablePart implements Closeable {
  private final PartFile part;
  private final FileChannel ch;
  private final ZstdPartFrames.SeekTable table;

  private SeekablePart(PartFile part, FileChannel ch, ZstdPartFrames.SeekTable table) {
    this.part = part;
    this.ch = ch;
    this.table = table;
  }

  /** Opens a version 3 part ({@link PartFile#framed()}), reading and checking its seek table. */
  public static SeekablePart open(PartFile part) throws IOException {
    if (!part.framed()) {
      throw new IllegalArgumentException(part.path() + " is not a compressed part of part format version 3");
    }
    FileChannel ch = FileChannel.open(part.path(), StandardOpenOption.READ);
    try {
      return new SeekablePart(part, ch, table(part, ch));
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static ZstdPartFrames.SeekTable table(PartFile part, FileChannel ch) throws IOException {
    return ZstdPartFrames.SeekTable.read(ch, part.bodyStart(), part.headContentSize(), part.manifest(),
        part.path().toString());
  }

  public PartFile part() {
    return part;
  }

  /** The size of the part's data (its manifest's {@code data.size}). */
  public long dataSize() {
    return table.dataSize;
  }

  /** Bytes of data per frame (the last frame holds the rest): the granularity of a seek. */
  public long frameSize() {
    return table.frameSize;
  }

  /**
   * Bytes {@code [offset, offset + length)} of the part's data (offsets within the part's data, which starts at byte
   * {@code data.offset} of the bundle tarball), decompressed from the frame holding {@code offset}: at most one
   * frame's bytes before {@code offset} are decompressed and passed over.
   */
  public InputStream openData(long offset, long length) throws IOException {
    return new ZstdPartFrames.FramedData(table, offset, length, false);
  }

  /** As {@link #openData}, from {@code offset} to the end of the data. */
  public InputStream openData(long offset) throws IOException {
    return openData(offset, table.dataSize - offset);
  }

  /** A stream that closes this part with it (for a one-off read). */
  InputStream openOwning(long offset, long length) throws IOException {
    InputStream in = openData(offset, length);
    return new java.io.FilterInputStream(in) {
      @Override
      public void close() throws IOException {
        try {
          super.close();
        } finally {
          SeekablePart.this.close();
        }
      }
    };
  }

  /**
   * The whole data of a version 3 part read as {@code verify} reads it: the table checked, every frame in turn, then
   * the tail frame after the data must be the zero padding and end-of-archive marker.
   */
  static InputStream wholeData(PartFile part, FileChannel ch) throws IOException {
    return new ZstdPartFrames.FramedData(table(part, ch), 0, part.dataSize(), true);
  }

  @Override
  public void close() throws IOException {
    ch.close();
  }
}
