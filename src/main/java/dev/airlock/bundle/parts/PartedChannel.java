package dev.airlock.bundle.parts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;

/**
 * The bundle stream of a set of parts, seen as one file: byte {@code p} of the bundle is byte
 * {@code p - start} of the data region of the part whose range holds it. Positional reads and writes go
 * straight to the part files (a transfer to a socket stays zero-copy within each part), so nothing is
 * reassembled on disk. Closing it closes the part files.
 */
public final class PartedChannel extends FileChannel {
  /** One part's data region: bytes {@code [start, start + length)} of the bundle, at {@code fileOffset} of {@code file}. */
  public record Segment(FileChannel file, long fileOffset, long start, long length) {}

  private final Segment[] segments;
  private final long size;
  private final boolean writable;
  private long position;

  public PartedChannel(List<Segment> segments, boolean writable) {
    this.segments = segments.toArray(Segment[]::new);
    long at = 0;
    for (Segment s : this.segments) {
      if (s.start() != at) {
        throw new IllegalArgumentException("part segments are not contiguous at byte " + at);
      }
      at += s.length();
    }
    this.size = at;
    this.writable = writable;
  }

  private int segmentAt(long pos) {
    int lo = 0;
    int hi = segments.length - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (segments[mid].start() <= pos) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  @Override
  public int read(ByteBuffer dst, long pos) throws IOException {
    if (pos < 0) {
      throw new IllegalArgumentException("negative position");
    }
    if (pos >= size) {
      return -1;
    }
    int total = 0;
    while (dst.hasRemaining() && pos < size) {
      Segment s = segments[segmentAt(pos)];
      long inSeg = pos - s.start();
      int want = (int) Math.min(dst.remaining(), s.length() - inSeg);
      ByteBuffer slice = dst.slice().limit(want);
      int n = s.file().read(slice, s.fileOffset() + inSeg);
      if (n <= 0) {
        break; // a part shorter than its manifest says: the reader sees the end, and the digest check fails
      }
      dst.position(dst.position() + n);
      pos += n;
      total += n;
      if (n < want) {
        break;
      }
    }
    return total == 0 ? -1 : total;
  }

  @Override
  public int write(ByteBuffer src, long pos) throws IOException {
    if (!writable) {
      throw new NonWritableChannelException();
    }
    int total = 0;
    while (src.hasRemaining()) {
      if (pos >= size) {
        throw new IOException("write past the end of the last part (byte " + pos + " of " + size + ")");
      }
      Segment s = segments[segmentAt(pos)];
      long inSeg = pos - s.start();
      int want = (int) Math.min(src.remaining(), s.length() - inSeg);
      ByteBuffer slice = src.slice().limit(want);
      int n = 0;
      while (slice.hasRemaining()) {
        n += s.file().write(slice, s.fileOffset() + inSeg + n);
      }
      src.position(src.position() + n);
      pos += n;
      total += n;
    }
    return total;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    int n = read(dst, position);
    if (n > 0) {
      position += n;
    }
    return n;
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      int n = read(dsts[i]);
      if (n < 0) {
        return total == 0 ? -1 : total;
      }
      total += n;
      if (dsts[i].hasRemaining()) {
        break;
      }
    }
    return total;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    int n = write(src, position);
    position += n;
    return n;
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      total += write(srcs[i]);
    }
    return total;
  }

  @Override
  public long position() {
    return position;
  }

  @Override
  public FileChannel position(long newPosition) {
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position");
    }
    position = newPosition;
    return this;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public FileChannel truncate(long newSize) {
    throw new UnsupportedOperationException("a set of parts cannot be truncated");
  }

  @Override
  public void force(boolean metaData) throws IOException {
    for (Segment s : segments) {
      s.file().force(metaData);
    }
  }

  /** Each part's slice is handed to its own file's transferTo, so a socket target stays zero-copy. */
  @Override
  public long transferTo(long pos, long count, WritableByteChannel target) throws IOException {
    long done = 0;
    long end = Math.min(size, pos + count);
    while (pos < end) {
      Segment s = segments[segmentAt(pos)];
      long inSeg = pos - s.start();
      long want = Math.min(end - pos, s.length() - inSeg);
      long n = s.file().transferTo(s.fileOffset() + inSeg, want, target);
      if (n <= 0) {
        break;
      }
      done += n;
      pos += n;
      if (n < want) {
        break;
      }
    }
    return done;
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long pos, long count) {
    throw new UnsupportedOperationException("write a set of parts by position");
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long pos, long size) {
    throw new UnsupportedOperationException("a set of parts cannot be mapped");
  }

  @Override
  public FileLock lock(long pos, long size, boolean shared) {
    throw new UnsupportedOperationException("a set of parts cannot be locked");
  }

  @Override
  public FileLock tryLock(long pos, long size, boolean shared) {
    throw new UnsupportedOperationException("a set of parts cannot be locked");
  }

  @Override
  protected void implCloseChannel() throws IOException {
    IOException first = null;
    for (Segment s : segments) {
      try {
        s.file().close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
