package dev.airlock.serve;

import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Where a blob's bytes sit on disk: a whole file (a layout, opened per request from {@code file}) or a
 * slice of an already open channel (a bundle tarball, read by position, shared by all requests).
 */
public record BlobRegion(Path file, FileChannel shared, long offset, long length) {
  static BlobRegion ofFile(Path file, long length) {
    return new BlobRegion(file, null, 0, length);
  }

  static BlobRegion ofChannel(FileChannel channel, long offset, long length) {
    return new BlobRegion(null, channel, offset, length);
  }
}
