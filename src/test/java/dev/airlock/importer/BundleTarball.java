package dev.airlock.importer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Packs a layout directory into a bundle-shaped tar (docs/bundle-format.md), in the canonical tar form airlock writes. */
public final class BundleTarball {
  private BundleTarball() {}

  public static Path of(Path layout, Path tar) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(layout)) {
      files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted((a, b) -> layout.relativize(a).toString().compareTo(layout.relativize(b).toString())).toList();
    }
    java.util.Map<String, Path> entries = new java.util.TreeMap<>();
    for (Path f : files) {
      entries.put(layout.relativize(f).toString().replace('\\', '/'), f);
    }
    return dev.airlock.testing.CanonicalTar.write(tar, entries);
  }

  /** Flips one byte in the middle of a blob's data inside the tar (found through the tar's offset index). */
  public static void tamper(Path tar, dev.airlock.oci.Digest blob) throws IOException {
    long offset;
    long size;
    try (var store = dev.airlock.store.archive.TarLayoutStore.open(tar)) {
      var e = store.blobEntry(blob).orElseThrow();
      offset = e.dataOffset();
      size = e.size();
    }
    try (var ch = java.nio.channels.FileChannel.open(tar, java.nio.file.StandardOpenOption.READ,
        java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
      long pos = offset + size / 2;
      ch.read(b, pos);
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) (b.get(0) ^ 1)}), pos);
    }
  }
}
