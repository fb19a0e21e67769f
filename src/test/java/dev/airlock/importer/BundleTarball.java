package dev.airlock.importer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Packs a layout directory into a bundle-shaped tar (docs/bundle-format.md): sorted, mtime 0, uid 0, 0644. */
public final class BundleTarball {
  private BundleTarball() {}

  public static Path of(Path layout, Path tar) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(layout)) {
      files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted((a, b) -> layout.relativize(a).toString().compareTo(layout.relativize(b).toString())).toList();
    }
    try (OutputStream out = Files.newOutputStream(tar); TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      t.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (Path f : files) {
        TarArchiveEntry e = new TarArchiveEntry(layout.relativize(f).toString().replace('\\', '/'));
        e.setSize(Files.size(f));
        e.setMode(0644);
        e.setModTime(0);
        t.putArchiveEntry(e);
        Files.copy(f, t);
        t.closeArchiveEntry();
      }
    }
    return tar;
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
