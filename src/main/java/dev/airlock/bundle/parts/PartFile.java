package dev.airlock.bundle.parts;

import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.VerificationException;
import dev.airlock.bundle.CanonicalTarReader;
import dev.airlock.oci.Json;
import dev.airlock.store.archive.ChannelRangeInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

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

  /**
   * Opens a part, holding its tar framing to airlock's canonical form exactly as a bundle tarball's
   * ({@link CanonicalTarReader}: header checksums, canonical headers, zero padding, the end-of-archive marker
   * ending the file) and its manifest entry to the bytes airlock writes for the envelope it holds (compact
   * JSON, then spaces), so that every byte of a part is either covered by its manifest (the data) or fixed.
   *
   * @throws dev.airlock.VerificationException when the framing or the manifest entry is not canonical
   * @throws InvalidInputException when the file is not a part at all, or its manifest cannot be read
   */
  public static PartFile open(Path path) throws IOException {
    String what = path.toString();
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      CanonicalTarReader tar = CanonicalTarReader.over(ch, what, null).inWrittenOrder();
      CanonicalTarReader.Entry m = tar.next();
      if (m == null || !m.name().equals(PartFormat.MANIFEST_ENTRY) || m.directory()) {
        throw notAPart(what);
      }
      if (m.size() > MANIFEST_CAP) {
        throw new InvalidInputException(what + ": the part manifest of " + m.size() + " bytes is larger than the "
            + MANIFEST_CAP + " byte limit");
      }
      byte[] bytes;
      try (InputStream in = new ChannelRangeInputStream(ch, m.dataOffset(), m.size())) {
        bytes = Json.readCapped(in, MANIFEST_CAP, PartFormat.MANIFEST_ENTRY + " in " + what);
      }
      CanonicalTarReader.Entry d = tar.next();
      if (d == null || !d.name().equals(PartFormat.DATA_ENTRY) || d.directory()) {
        throw notAPart(what);
      }
      if (tar.next() != null) { // the end-of-archive marker, and nothing after it
        throw notAPart(what);
      }
      PartManifest.Signed signed = PartManifest.read(bytes, what);
      byte[] canonical = PartManifest.entry(signed.envelope(), bytes.length);
      int at = Arrays.mismatch(bytes, canonical);
      if (at >= 0) {
        throw new VerificationException(what + ": entry '" + PartFormat.MANIFEST_ENTRY + "' is not in airlock's"
            + " canonical form: byte " + at + " of it differs from the envelope's compact JSON padded with spaces");
      }
      if (d.size() != signed.manifest().data().size()) {
        throw new InvalidInputException(what + ": the data entry holds " + d.size() + " bytes, the manifest says "
            + signed.manifest().data().size());
      }
      return new PartFile(path, signed, d.dataOffset(), d.size());
    } catch (NoSuchFileException e) {
      throw new NotFoundException("no such file: " + path);
    }
  }

  private static InvalidInputException notAPart(String what) {
    return new InvalidInputException(what + " is not an airlock part: it must hold exactly "
        + PartFormat.MANIFEST_ENTRY + " then " + PartFormat.DATA_ENTRY);
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
