package dev.airlock.bundle;

import com.github.luben.zstd.ZstdOutputStream;
import dev.airlock.oci.Digest;
import dev.airlock.oci.VerifyingInputStream;
import dev.airlock.progress.ProgressListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a bundle tarball in one streaming pass: entries sorted by name, mode 0644 (dirs 0755), uid/gid
 * 0, no owner names, mtime 0, PAX headers only where a name needs one. Each blob not verified by this
 * process already (one reused from an earlier run's working layout) is re-hashed while it is copied, so
 * a damaged working directory cannot leak into a bundle; the digest of the whole file is computed on the
 * way out, so the result is never read back.
 */
public final class BundleTarWriter {
  private BundleTarWriter() {}

  public static final String OCI_LAYOUT_CONTENT = "{\"imageLayoutVersion\":\"1.0.0\"}";

  /** The digest and size of the file written (compressed, when compressed). */
  public record Result(Digest digest, long size) {}

  /**
   * @param blobs every blob of the bundle, digest to size
   * @param blobFile where each blob's bytes are
   */
  public static Result write(Path out, Map<Digest, Long> blobs, Function<Digest, Path> blobFile, byte[] indexJson,
      boolean zstd, ProgressListener progress) throws IOException {
    return write(out, blobs, blobFile, d -> false, indexJson, zstd, progress);
  }

  /**
   * @param verified blobs this process wrote after checking their digest while they flowed (they are
   *     copied without hashing them a second time)
   */
  public static Result write(Path out, Map<Digest, Long> blobs, Function<Digest, Path> blobFile,
      Predicate<Digest> verified, byte[] indexJson, boolean zstd, ProgressListener progress) throws IOException {
    HashingFileOutput file = new HashingFileOutput(out);
    try (file) {
      OutputStream body = zstd ? new ZstdOutputStream(file, 3) : file;
      writeEntries(body, file, blobs, blobFile, verified, indexJson, progress);
      if (body != file) {
        body.close(); // finishes the zstd frame into file
      }
    }
    return new Result(file.digest(), file.count());
  }

  /**
   * The uncompressed bundle tarball, the same bytes {@link #write} puts in a file, into {@code body} (for
   * the parts of a compressed set, which cut and compress it as it flows); {@code body} is not closed.
   */
  public static void writeTo(OutputStream body, Map<Digest, Long> blobs, Function<Digest, Path> blobFile,
      Predicate<Digest> verified, byte[] indexJson, ProgressListener progress) throws IOException {
    writeEntries(body, null, blobs, blobFile, verified, indexJson, progress);
  }

  /** Opens a blob's bytes for the stream: a stream that checks the blob's size and digest at its end. */
  public interface BlobOpener {
    InputStream open(Digest blob, long size) throws IOException;
  }

  /** The working directory's blob file, hashed as it is read unless this process checked it already. */
  public static BlobOpener fromFiles(Function<Digest, Path> blobFile, Predicate<Digest> verified) {
    return (d, size) -> {
      InputStream blobIn = Files.newInputStream(blobFile.apply(d));
      return verified.test(d) ? new SizedInputStream(blobIn, size, d)
          : new VerifyingInputStream(blobIn, d, size, "blob " + d + " in the working directory");
    };
  }

  /** As {@link #writeTo(OutputStream, Map, Function, Predicate, byte[], ProgressListener)}, each blob from {@code open}. */
  public static void writeTo(OutputStream body, Map<Digest, Long> blobs, BlobOpener open, byte[] indexJson,
      ProgressListener progress) throws IOException {
    writeEntries(body, null, blobs, open, indexJson, progress);
  }

  private static void writeEntries(OutputStream body, HashingFileOutput file, Map<Digest, Long> blobs,
      Function<Digest, Path> blobFile, Predicate<Digest> verified, byte[] indexJson, ProgressListener progress)
      throws IOException {
    writeEntries(body, file, blobs, fromFiles(blobFile, verified), indexJson, progress);
  }

  private static void writeEntries(OutputStream body, HashingFileOutput file, Map<Digest, Long> blobs,
      BlobOpener open, byte[] indexJson, ProgressListener progress) throws IOException {
    TreeMap<String, Object> all = entries(blobs, indexJson);
    byte[] buf = body != file ? new byte[1 << 18] : null;
    for (Map.Entry<String, Object> e : all.entrySet()) {
      Object v = e.getValue();
      if (v instanceof Boolean) {
        writeBytes(body, header(e.getKey(), 0, true));
      } else if (v instanceof byte[] bytes) {
        writeBytes(body, header(e.getKey(), bytes.length, false));
        writeBytes(body, bytes);
        pad(body, bytes.length);
      } else {
        Digest d = (Digest) v;
        long size = blobs.get(d);
        writeBytes(body, header(e.getKey(), size, false));
        try (InputStream in = open.open(d, size)) {
          long copied = body == file ? file.copyFrom(in, size, progress::bytes) : copy(in, body, buf, size, progress);
          if (copied != size || in.read() >= 0) { // the end of the stream checks size and digest
            throw new dev.airlock.oci.DigestMismatchException("blob " + d + " size in the working directory",
                size + " bytes", (copied == size ? "more than " : "") + copied + " bytes");
          }
        }
        pad(body, size);
        progress.item("blob " + d.shortForm(), false);
      }
    }
    // the end-of-archive marker: two zero records
    writeBytes(body, new byte[2 * RECORD]);
  }

  /**
   * Every entry of a bundle tarball in tar order (sorted by name): a directory maps to {@link Boolean#TRUE},
   * a blob to its {@link Digest}, {@code index.json} and {@code oci-layout} to their bytes.
   */
  static TreeMap<String, Object> entries(Map<Digest, Long> blobs, byte[] indexJson) {
    TreeMap<String, Object> all = new TreeMap<>();
    for (Digest d : blobs.keySet()) {
      all.put("blobs/", Boolean.TRUE);
      all.put("blobs/" + d.algorithm().id() + "/", Boolean.TRUE);
      all.put(d.blobPath(), d);
    }
    all.put("index.json", indexJson);
    all.put("oci-layout", OCI_LAYOUT_CONTENT.getBytes(StandardCharsets.UTF_8));
    return all;
  }

  private static final int RECORD = 512;

  private static long writeBytes(OutputStream out, byte[] b) throws IOException {
    out.write(b);
    return b.length;
  }

  private static long pad(OutputStream out, long size) throws IOException {
    int n = (int) ((RECORD - size % RECORD) % RECORD);
    if (n > 0) {
      out.write(new byte[n]);
    }
    return n;
  }

  private static long copy(InputStream in, OutputStream out, byte[] buf, long size, ProgressListener progress)
      throws IOException {
    long left = size;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        break;
      }
      out.write(buf, 0, n);
      progress.bytes(n);
      left -= n;
    }
    return size - left;
  }

  /**
   * The header record(s) of one entry, exactly as commons-compress writes them (a PAX extended header first
   * when the name or size needs one): its tar stream over a byte array, asked only to start the entry.
   */
  public static byte[] header(String name, long size, boolean dir) throws IOException {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(2 * RECORD);
    @SuppressWarnings("resource") // never finished: only the header is wanted
    TarArchiveOutputStream tar = new TarArchiveOutputStream(b, RECORD, StandardCharsets.UTF_8.name());
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.putArchiveEntry(entry(name, size, dir));
    tar.flush();
    byte[] out = b.toByteArray();
    if (out.length == 0 || out.length % RECORD != 0) {
      throw new IllegalStateException("tar header for " + name + " is " + out.length + " bytes");
    }
    return out;
  }

  private static TarArchiveEntry entry(String name, long size, boolean dir) {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setMode(dir ? 040755 : 0100644);
    e.setSize(dir ? 0 : size);
    e.setModTime(0L);
    e.setIds(0, 0);
    e.setUserName("");
    e.setGroupName("");
    return e;
  }

  /** A file that must have exactly the size announced in the tar header already written. */
  private static final class SizedInputStream extends java.io.FilterInputStream {
    private final long size;
    private final Digest digest;
    private long count;

    SizedInputStream(InputStream in, long size, Digest digest) {
      super(in);
      this.size = size;
      this.digest = digest;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      if (count > size || n < 0 && count != size) {
        throw new dev.airlock.oci.DigestMismatchException("blob " + digest + " size in the working directory",
            size + " bytes", count + " bytes");
      }
      return n;
    }
  }

}
