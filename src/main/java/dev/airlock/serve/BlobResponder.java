package dev.airlock.serve;

import com.sun.net.httpserver.HttpExchange;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Sends a blob, whole or one {@code Range}. Bytes come straight from the file (or the slice of the
 * bundle tarball) by positional reads into one 256 KiB buffer per request: nothing is extracted and
 * memory stays flat. {@code com.sun.net.httpserver} does not expose the socket channel, so a kernel
 * {@code sendfile} is not available; this is the one copy left. Clients verify digests themselves.
 */
final class BlobResponder {
  private static final int BUFFER = 256 * 1024;

  private final ServedContent content;

  BlobResponder(ServedContent content) {
    this.content = content;
  }

  /** Sends the blob; false when it is not there (the caller answers 404). */
  boolean send(HttpExchange ex, Digest digest, boolean head) throws IOException {
    Optional<BlobRegion> region = content.region(digest);
    long length;
    if (region.isPresent()) {
      length = region.get().length();
    } else {
      OptionalLong size = content.store().blobSize("", digest);
      if (size.isEmpty()) {
        return false;
      }
      length = size.getAsLong();
    }
    ex.getResponseHeaders().set("Docker-Content-Digest", digest.toString());
    ex.getResponseHeaders().set("Accept-Ranges", "bytes");
    ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
    long start = 0;
    long end = length - 1;
    int status = 200;
    String range = ex.getRequestHeaders().getFirst("Range");
    if (range != null) {
      long[] r = ByteRange.parse(range, length);
      if (r == null) {
        ex.getResponseHeaders().set("Content-Range", "bytes */" + length);
        RegistryHandler.send(ex, new OciError(416, "RANGE_INVALID", "range '" + RegistryHandler.safe(range)
            + "' is not satisfiable for a blob of " + length + " bytes"));
        return true;
      }
      start = r[0];
      end = r[1];
      status = 206;
      ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + end + "/" + length);
    }
    long count = end - start + 1;
    ex.getResponseHeaders().set("Content-Length", Long.toString(count));
    if (head) {
      ex.sendResponseHeaders(status, -1);
      return true;
    }
    ex.sendResponseHeaders(status, count == 0 ? -1 : count);
    if (count == 0) {
      return true;
    }
    try (OutputStream out = ex.getResponseBody()) {
      if (region.isPresent()) {
        copyRegion(region.get(), start, count, out);
      } else {
        copyStream(digest, length, start, count, out);
      }
    }
    return true;
  }

  private static void copyRegion(BlobRegion region, long start, long count, OutputStream out) throws IOException {
    if (region.shared() != null) {
      copyChannel(region.shared(), region.offset() + start, count, out);
      return;
    }
    try (FileChannel ch = FileChannel.open(region.file(), StandardOpenOption.READ)) {
      copyChannel(ch, region.offset() + start, count, out);
    }
  }

  /** Positional reads: safe on a channel shared by concurrent requests. */
  private static void copyChannel(FileChannel ch, long position, long count, OutputStream out) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(BUFFER, count));
    long pos = position;
    long left = count;
    while (left > 0) {
      buf.clear();
      buf.limit((int) Math.min(buf.capacity(), left));
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new IOException("blob data ended early at offset " + pos);
      }
      out.write(buf.array(), 0, n);
      pos += n;
      left -= n;
    }
  }

  private void copyStream(Digest digest, long length, long start, long count, OutputStream out) throws IOException {
    try (InputStream in = content.store().openBlob("", Descriptor.of("application/octet-stream", digest, length))) {
      in.skipNBytes(start);
      byte[] buf = new byte[(int) Math.min(BUFFER, count)];
      long left = count;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new IOException("blob " + digest + " ended early");
        }
        out.write(buf, 0, n);
        left -= n;
      }
    }
  }
}
