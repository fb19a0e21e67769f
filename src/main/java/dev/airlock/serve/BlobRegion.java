package dev.airlock.serve;

import java.nio.file.Path;

/** Where a blob's bytes sit on disk: a whole file (a layout) or a slice of one (a bundle tarball). */
public record BlobRegion(Path file, long offset, long length) {}
