package dev.airlock.store.archive;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Writes tar files for tests, including ones no honest tool would write. */
final class TarFixtures {
  private TarFixtures() {}

  /** A file, directory or link entry to write. */
  record Item(String name, byte[] data, byte type, String link) {
    static Item file(String name, String content) {
      return new Item(name, content.getBytes(StandardCharsets.UTF_8), TarArchiveEntry.LF_NORMAL, null);
    }

    static Item file(String name, byte[] content) {
      return new Item(name, content, TarArchiveEntry.LF_NORMAL, null);
    }

    static Item dir(String name) {
      return new Item(name, new byte[0], TarArchiveEntry.LF_DIR, null);
    }

    static Item symlink(String name, String target) {
      return new Item(name, new byte[0], TarArchiveEntry.LF_SYMLINK, target);
    }
  }

  static void write(Path tar, List<Item> items) throws IOException {
    try (OutputStream out = Files.newOutputStream(tar)) {
      write(out, items);
    }
  }

  static void write(OutputStream out, List<Item> items) throws IOException {
    TarArchiveOutputStream t = new TarArchiveOutputStream(out);
    t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    for (Item i : items) {
      TarArchiveEntry e = new TarArchiveEntry(i.name(), i.type(), true);
      if (i.link() != null) {
        e.setLinkName(i.link());
      }
      e.setSize(i.type() == TarArchiveEntry.LF_NORMAL ? i.data().length : 0);
      e.setModTime(0);
      t.putArchiveEntry(e);
      if (i.type() == TarArchiveEntry.LF_NORMAL) {
        t.write(i.data());
      }
      t.closeArchiveEntry();
    }
    t.finish();
    t.flush();
  }

  /** Tars a directory (e.g. an OCI layout), entries sorted, names prefixed with {@code prefix} ("" or "./"). */
  static void tarDirectory(Path dir, Path tar, String prefix) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(p -> !p.equals(dir)).sorted().toList();
    }
    List<Item> items = new java.util.ArrayList<>();
    for (Path p : files) {
      String name = prefix + dir.relativize(p).toString().replace('\\', '/');
      items.add(Files.isDirectory(p) ? Item.dir(name + "/") : Item.file(name, Files.readAllBytes(p)));
    }
    write(tar, items);
  }
}
