package dev.airlock.serve;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.serve.RegistryHandler.Exchange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Sends a blob, whole or one {@code Range}. Bytes go from the file (or the blob's slice of the bundle
 * tarball, a channel shared by all requests) to the socket, by {@code sendfile} or, for a client on this
 * host, through the connection's one fixed buffer ({@link HttpResponse}): nothing is extracted and memory
 * stays flat. Clients verify digests themselves.
 */
final class BlobResponder {
  private final ServedContent content;

  BlobResponder(ServedContent content) {
    this.content = content;
  }

  /** Sends the blob; false when it is not there (the caller answers 404). */
  boolean send(Exchange ex, Digest digest, boolean head) throws IOException {
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
    ex.response().header("Docker-Content-Digest", digest.toString());
    ex.response().header("Accept-Ranges", "bytes");
    ex.response().header("Content-Type", "application/octet-stream");
    long start = 0;
    long end = length - 1;
    int status = 200;
    String range = ex.request().header("Range");
    long[] r = range == null ? null : ByteRange.parse(range, length);
    if (r != null) {
      if (r == ByteRange.UNSATISFIABLE) {
        ex.response().header("Content-Range", "bytes */" + length);
        RegistryHandler.send(ex, new OciError(416, "RANGE_INVALID", "range '" + RegistryHandler.safe(range)
            + "' is not satisfiable for a blob of " + length + " bytes"));
        return true;
      }
      start = r[0];
      end = r[1];
      status = 206;
      ex.response().header("Content-Range", "bytes " + start + "-" + end + "/" + length);
    }
    long count = end - start + 1;
    if (region.isEmpty()) {
      if (status == 206 && !head) {
        content.beforePartial(digest, length);
      }
      try (InputStream in = content.store().openBlob("", Descriptor.of("application/octet-stream", digest, length))) {
        if (!head) {
          in.skipNBytes(start);
        }
        ex.response().sendStream(status, in, count, head);
      }
    } else if (region.get().shared() != null) {
      ex.response().sendFile(status, region.get().shared(), region.get().offset() + start, count, head);
    } else {
      try (FileChannel ch = FileChannel.open(region.get().file(), StandardOpenOption.READ)) {
        ex.response().sendFile(status, ch, region.get().offset() + start, count, head);
      }
    }
    return true;
  }
}
