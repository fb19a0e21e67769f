package dev.airlock.store.archive;

import com.github.luben.zstd.ZstdInputStream;
import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.GZIPInputStream;

/**
 * A tar file opened for random access. An uncompressed tar is read in place. A zstd ({@code 28 B5 2F FD})
 * or gzip ({@code 1F 8B}) compressed tar cannot be read by offset, so it is first decompressed, streaming,
 * into a temp file in {@code java.io.tmpdir}; that needs free space for the uncompressed size. The temp
 * file is unlinked as soon as it is opened (it lives on through {@link #channel()} until {@link #close()}),
 * so nothing is left behind, even by a crash.
 */
public final class ArchiveFile implements Closeable {
  public enum Compression { NONE, ZSTD, GZIP }

  private final Path original;
  private final Path readable;
  private final Compression compression;
  private final FileChannel channel;

  private ArchiveFile(Path original, Path readable, Compression compression, FileChannel channel) {
    this.original = original;
    this.readable = readable;
    this.compression = compression;
    this.channel = channel;
  }

  public static ArchiveFile open(Path file) throws IOException {
    return open(file, Long.MAX_VALUE);
  }

  /** Whether the file starts as a zstd or gzip stream (so opening it decompresses it to a temp file). */
  public static boolean isCompressed(Path file) throws IOException {
    if (dev.airlock.bundle.parts.PartSet.isPartSet(file)) {
      return dev.airlock.bundle.parts.PartSet.isCompressed(file); // compressed parts: decompressed as they are read
    }
    if (!Files.isRegularFile(file)) {
      return false;
    }
    byte[] magic = new byte[4];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(magic, 0, 4);
    }
    return compression(magic, n) != Compression.NONE;
  }

  private static Compression compression(byte[] magic, int n) {
    if (n == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
        && (magic[3] & 0xff) == 0xfd) {
      return Compression.ZSTD;
    } else if (n >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return Compression.GZIP;
    }
    return Compression.NONE;
  }

  /**
   * As {@link #open(Path)}; a compressed archive is decompressed to at most {@code maxExpanded} bytes (see
   * {@link ExpansionBound}), else refused and its temporary copy deleted: a decompression bomb fills no disk.
   */
  public static ArchiveFile open(Path file, long maxExpanded) throws IOException {
    return open(file, maxExpanded, false);
  }

  /**
   * As {@link #open(Path, long)}; {@code anyOrder}: the entries will be read in any order (serve), so a set of
   * compressed parts that cannot be read from the middle of a part is decompressed to temporary files
   * ({@link dev.airlock.bundle.parts.PartSet#open(Path, long, boolean)}); without it such a set is decompressed
   * as it is read, nothing written to disk.
   */
  public static ArchiveFile open(Path file, long maxExpanded, boolean anyOrder) throws IOException {
    Path p = file.toAbsolutePath().normalize();
    if (dev.airlock.bundle.parts.PartSet.isPartSet(p)) {
      // a set of parts (bundle --volume-size): the tarball they make up, read in place across them
      return new ArchiveFile(p, p, dev.airlock.bundle.parts.PartSet.isCompressed(p) ? Compression.ZSTD : Compression.NONE,
          dev.airlock.bundle.parts.PartSet.open(p, maxExpanded, anyOrder));
    }
    if (Files.isDirectory(p)) {
      throw new InvalidInputException(p + " is a directory, expected a tar file");
    }
    byte[] magic = new byte[4];
    int n;
    try (InputStream in = Files.newInputStream(p)) {
      n = in.readNBytes(magic, 0, 4);
    } catch (NoSuchFileException e) {
      throw new NotFoundException("no such file: " + p);
    }
    Compression c = compression(magic, n);
    if (c == Compression.NONE) {
      return new ArchiveFile(p, p, c, FileChannel.open(p, StandardOpenOption.READ));
    }
    Path tmp = Files.createTempFile(Path.of(System.getProperty("java.io.tmpdir")), "airlock-archive-", ".tar");
    try {
      try (InputStream raw = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
          InputStream in = c == Compression.ZSTD ? new ZstdInputStream(raw) : new GZIPInputStream(raw, 1 << 16);
          OutputStream out = Files.newOutputStream(tmp)) {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        int r;
        while ((r = in.read(buf)) >= 0) {
          total += r;
          if (total > maxExpanded) {
            throw new InvalidInputException(p + ": decompresses to more than " + maxExpanded + " bytes, more than"
                + " the blobs its verified content declares need; refused before it fills the disk");
          }
          out.write(buf, 0, r);
        }
      } catch (IOException e) {
        throw new InvalidInputException(p + ": cannot decompress " + c.name().toLowerCase() + " archive: "
            + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
      }
      return new ArchiveFile(p, tmp, c, FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.DELETE_ON_CLOSE));
    } catch (RuntimeException | IOException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  /** The file as named by the user. */
  public Path original() {
    return original;
  }

  /**
   * The uncompressed tar that offsets refer to: the original, or for a compressed archive the temp copy's
   * former path (already unlinked: read it through {@link #channel()}).
   */
  public Path readable() {
    return readable;
  }

  public Compression compression() {
    return compression;
  }

  public FileChannel channel() {
    return channel;
  }

  /** A stream over an entry's bytes, read by offset. */
  public InputStream open(TarEntry e) {
    return new ChannelRangeInputStream(channel, e.dataOffset(), e.size());
  }

  @Override
  public void close() throws IOException {
    channel.close();
    if (!readable.equals(original)) {
      Files.deleteIfExists(readable);
    }
  }
}
