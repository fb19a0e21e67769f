package dev.airlock.bundle.parts;

import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.oci.Json;
import dev.airlock.store.archive.ChannelRangeInputStream;
import dev.airlock.store.archive.TarEntry;
import dev.airlock.store.archive.TarIndex;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * One part file opened: its manifest (not yet trusted: check {@link PartCheck}) and where its data entry
 * lies. A part is refused unless it is a tar of exactly the manifest entry, first, and the data entry,
 * with the data's size the manifest's.
 */
public record PartFile(Path path, PartManifest.Signed signed, long dataOffset, long dataSize) {
  /** The largest manifest entry read (a set of 99,999 parts fits). */
  static final int MANIFEST_CAP = 16 * 1024 * 1024;

  public PartManifest manifest() {
    return signed.manifest();
  }

  public static PartFile open(Path path) throws IOException {
    String what = path.toString();
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      TarIndex index = TarIndex.scan(ch, what);
      List<TarEntry> entries = index.entries();
      if (entries.size() != 2 || !entries.get(0).name().equals(PartFormat.MANIFEST_ENTRY)
          || !entries.get(1).name().equals(PartFormat.DATA_ENTRY) || !entries.get(0).isFile()
          || !entries.get(1).isFile() || entries.get(0).dataOffset() != PartFormat.RECORD) {
        throw new InvalidInputException(what + " is not an airlock part: it must hold exactly "
            + PartFormat.MANIFEST_ENTRY + " then " + PartFormat.DATA_ENTRY);
      }
      TarEntry m = entries.get(0);
      TarEntry d = entries.get(1);
      if (m.size() > MANIFEST_CAP) {
        throw new InvalidInputException(what + ": the part manifest of " + m.size() + " bytes is larger than the "
            + MANIFEST_CAP + " byte limit");
      }
      byte[] bytes;
      try (InputStream in = new ChannelRangeInputStream(ch, m.dataOffset(), m.size())) {
        bytes = Json.readCapped(in, MANIFEST_CAP, PartFormat.MANIFEST_ENTRY + " in " + what);
      }
      PartManifest.Signed signed = PartManifest.read(bytes, what);
      if (d.size() != signed.manifest().data().size()) {
        throw new InvalidInputException(what + ": the data entry holds " + d.size() + " bytes, the manifest says "
            + signed.manifest().data().size());
      }
      long end = d.dataOffset() + (d.size() + PartFormat.RECORD - 1) / PartFormat.RECORD * PartFormat.RECORD
          + 2L * PartFormat.RECORD;
      if (ch.size() != end) {
        throw new InvalidInputException(what + ": " + (ch.size() - end) + " bytes after the end of the part");
      }
      return new PartFile(path, signed, d.dataOffset(), d.size());
    } catch (NoSuchFileException e) {
      throw new NotFoundException("no such file: " + path);
    }
  }

  /** Whether {@code file} is a regular file whose first tar entry is a part manifest (by its header's name). */
  public static boolean looksLikePart(Path file) {
    if (!Files.isRegularFile(file)) {
      return false;
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(100);
      String name = PartFormat.MANIFEST_ENTRY;
      if (head.length < name.length() + 1) {
        return false;
      }
      return new String(head, 0, name.length(), StandardCharsets.US_ASCII).equals(name) && head[name.length()] == 0;
    } catch (IOException e) {
      return false;
    }
  }
}
