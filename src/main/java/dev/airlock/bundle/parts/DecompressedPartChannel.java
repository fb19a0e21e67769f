package dev.airlock.bundle.parts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A compressed part's data seen as a read-only file, decompressed as it is read: nothing is written to disk.
 * Reads go through cursors, each a decompressing stream standing at a position of the data. A read at
 * {@code p} takes the free cursor of this part furthest along at or before {@code p} and decompresses forward
 * to it (discarding what lies between), unless a fresh stream would start nearer: for a single-frame body
 * (part format version 2) a fresh stream starts at the data's first byte, for a body of independent frames it
 * starts at the frame holding {@code p} ({@link Opener}). Readers that move forward (a tar index, blobs read in
 * the order they were written, several threads each on its own cursor) decompress each byte about once.
 *
 * <p>Idle cursors are kept by a {@link Pool} shared by every part of a set, at most {@link Pool#maxIdle} of
 * them, the least recently used closed first, so the native memory of the decompressors stays bounded however
 * many parts a set has. A cursor that reaches the end of the data has checked the frame's end (padding,
 * end-of-archive marker, checksum, nothing after it) and is closed. The bomb limit is the stream's: it stops
 * as soon as its output passes what the part's manifest declares.
 */
public final class DecompressedPartChannel extends FileChannel {
  /** Opens decompressing streams over one part's data. */
  public interface Opener {
    /** Where a stream opened for a read at {@code pos} starts decompressing (0 for a single frame). */
    long startFor(long pos);

    /** A stream of the data from exactly {@code pos} (decompressing from {@link #startFor} and passing over the rest). */
    InputStream open(long pos) throws IOException;
  }

  /**
   * The idle cursors of a set's parts, least recently used first; counts what was decompressed (every byte a
   * cursor produced, passed over or read), for measurements.
   */
  public static final class Pool {
    private final int maxIdle;
    private final LinkedHashSet<Cursor> idle = new LinkedHashSet<>();
    private final AtomicLong decompressed = new AtomicLong();
    private final AtomicLong opened = new AtomicLong();

    private record BlockKey(DecompressedPartChannel owner, long index) {}

    private final int maxBlocks;
    private final java.util.LinkedHashMap<BlockKey, byte[]> blocks = new java.util.LinkedHashMap<>(16, 0.75f, true);

    /** {@code maxIdle} idle cursors, and a cache of {@code maxBlocks} blocks of {@link #BLOCK} bytes. */
    public Pool(int maxIdle, int maxBlocks) {
      this.maxIdle = Math.max(1, maxIdle);
      this.maxBlocks = Math.max(0, maxBlocks);
    }

    public Pool(int maxIdle) {
      this(maxIdle, 0);
    }

    private synchronized byte[] block(DecompressedPartChannel owner, long index) {
      return maxBlocks == 0 ? null : blocks.get(new BlockKey(owner, index));
    }

    private synchronized void putBlock(DecompressedPartChannel owner, long index, byte[] b) {
      if (maxBlocks == 0) {
        return;
      }
      blocks.put(new BlockKey(owner, index), b);
      Iterator<byte[]> it = blocks.values().iterator();
      while (blocks.size() > maxBlocks && it.hasNext()) {
        it.next();
        it.remove();
      }
    }

    /** Whether an idle cursor of {@code owner} stands exactly at {@code pos} (a reader going on where it stopped). */
    private synchronized boolean cursorAt(DecompressedPartChannel owner, long pos) {
      if (maxBlocks == 0) {
        return true; // no cache: every read goes through a cursor
      }
      for (Cursor c : idle) {
        if (c.owner == owner && c.pos == pos) {
          return true;
        }
      }
      return false;
    }

    /** Bytes decompressed so far by every cursor of the pool (those passed over included). */
    public long decompressed() {
      return decompressed.get();
    }

    /** Decompressing streams opened so far. */
    public long streamsOpened() {
      return opened.get();
    }

    private synchronized Cursor take(DecompressedPartChannel owner, long pos) {
      Cursor best = null;
      for (Cursor c : idle) {
        if (c.owner == owner && c.pos <= pos && (best == null || c.pos > best.pos)) {
          best = c;
        }
      }
      if (best != null) {
        idle.remove(best);
      }
      return best;
    }

    private void give(Cursor c) {
      List<Cursor> evicted = new ArrayList<>();
      synchronized (this) {
        idle.add(c);
        Iterator<Cursor> it = idle.iterator();
        while (idle.size() > maxIdle && it.hasNext()) {
          evicted.add(it.next());
          it.remove();
        }
      }
      evicted.forEach(Cursor::close);
    }

    private void closeAll(DecompressedPartChannel owner) {
      List<Cursor> mine = new ArrayList<>();
      synchronized (this) {
        blocks.keySet().removeIf(k -> k.owner() == owner);
        for (Iterator<Cursor> it = idle.iterator(); it.hasNext(); ) {
          Cursor c = it.next();
          if (c.owner == owner) {
            mine.add(c);
            it.remove();
          }
        }
      }
      mine.forEach(Cursor::close);
    }
  }

  private static final class Cursor {
    final DecompressedPartChannel owner;
    final InputStream in;
    final byte[] buf = new byte[STEP];
    long pos;

    Cursor(DecompressedPartChannel owner, InputStream in, long pos) {
      this.owner = owner;
      this.in = in;
      this.pos = pos;
    }

    void close() {
      try {
        in.close();
      } catch (IOException ignored) {
        // a decompressor being let go: nothing to keep
      }
    }
  }

  private static final int STEP = 1 << 16;
  /** The unit of the pool's cache of data read by jumps (manifests, tar headers, a blob's first bytes). */
  static final int BLOCK = 1 << 16;

  private final Opener opener;
  private final long size;
  private final Pool pool;
  private final AutoCloseable file;
  private long position;

  /**
   * @param file closed with this channel (the part file the opener reads), or null
   */
  public DecompressedPartChannel(Opener opener, long size, Pool pool, AutoCloseable file) {
    this.opener = opener;
    this.size = size;
    this.pool = pool;
    this.file = file;
  }

  private Cursor cursorFor(long pos) throws IOException {
    Cursor c = pool.take(this, pos);
    if (c != null && c.pos >= opener.startFor(pos)) {
      return c;
    }
    if (c != null) {
      c.close(); // a fresh stream starts nearer than this one stands
    }
    long start = opener.startFor(pos);
    InputStream in = opener.open(start);
    pool.opened.incrementAndGet();
    return new Cursor(this, in, start);
  }

  @Override
  public int read(ByteBuffer dst, long pos) throws IOException {
    if (pos < 0) {
      throw new IllegalArgumentException("negative position");
    }
    if (!isOpen()) {
      throw new java.nio.channels.ClosedChannelException();
    }
    if (pos >= size) {
      return -1;
    }
    if (!dst.hasRemaining()) {
      return 0;
    }
    long index = pos / BLOCK;
    byte[] block = pool.block(this, index);
    if (block == null && !pool.cursorAt(this, pos)) { // a jump (a manifest, a tar header): through the cache
      long from = index * BLOCK;
      byte[] b = new byte[(int) Math.min(BLOCK, size - from)];
      int n = through(from, b, b.length);
      if (n < b.length) {
        throw new java.io.EOFException("the decompressed data ends at byte " + (from + n) + " of " + size);
      }
      pool.putBlock(this, index, b);
      block = b;
    }
    if (block != null) {
      int off = (int) (pos - index * BLOCK);
      int n = Math.min(dst.remaining(), block.length - off);
      dst.put(block, off, n);
      return n;
    }
    byte[] b = new byte[(int) Math.min(Math.min(dst.remaining(), STEP), size - pos)]; // reading on where a cursor stands
    int n = through(pos, b, b.length);
    dst.put(b, 0, n);
    return n == 0 ? -1 : n;
  }

  /** Reads {@code len} bytes from {@code pos} (fewer only at the end of the data) through a cursor. */
  private int through(long pos, byte[] out, int len) throws IOException {
    Cursor c = cursorFor(pos);
    boolean keep = false;
    try {
      byte[] buf = c.buf;
      while (c.pos < pos) { // pass over what lies between
        int n = c.in.read(buf, 0, (int) Math.min(buf.length, pos - c.pos));
        if (n < 0) {
          throw new java.io.EOFException(
              "the decompressed data ends at byte " + c.pos + ", before byte " + pos + " of " + size);
        }
        c.pos += n;
        pool.decompressed.addAndGet(n);
      }
      int want = (int) Math.min(len, size - pos);
      int total = 0;
      while (total < want) {
        int n = c.in.read(out, total, want - total);
        if (n < 0) {
          break;
        }
        total += n;
      }
      c.pos += total;
      pool.decompressed.addAndGet(total);
      keep = c.pos < size;
      return total;
    } finally {
      if (keep && isOpen()) {
        pool.give(c);
      } else {
        c.close(); // at the end (the frame's end is checked), failed, or closed meanwhile
      }
    }
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
  public long transferTo(long pos, long count, WritableByteChannel target) throws IOException {
    long end = Math.min(size, pos + count);
    long done = 0;
    ByteBuffer buf = ByteBuffer.allocate(STEP);
    while (pos + done < end) {
      buf.clear().limit((int) Math.min(STEP, end - pos - done));
      int n = read(buf, pos + done);
      if (n <= 0) {
        break;
      }
      buf.flip();
      while (buf.hasRemaining()) {
        target.write(buf);
      }
      done += n;
    }
    return done;
  }

  @Override
  public int write(ByteBuffer src, long pos) {
    throw new NonWritableChannelException();
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) {
    throw new NonWritableChannelException();
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long pos, long count) {
    throw new NonWritableChannelException();
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
    throw new NonWritableChannelException();
  }

  @Override
  public void force(boolean metaData) {
    // read-only: nothing to write out
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long pos, long size) {
    throw new UnsupportedOperationException("a compressed part cannot be mapped");
  }

  @Override
  public FileLock lock(long pos, long size, boolean shared) {
    throw new UnsupportedOperationException("a compressed part cannot be locked");
  }

  @Override
  public FileLock tryLock(long pos, long size, boolean shared) {
    throw new UnsupportedOperationException("a compressed part cannot be locked");
  }

  @Override
  protected void implCloseChannel() throws IOException {
    pool.closeAll(this);
    if (file != null) {
      try {
        file.close();
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e);
      }
    }
  }
}
