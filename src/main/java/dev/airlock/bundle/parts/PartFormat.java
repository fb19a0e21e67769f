package dev.airlock.bundle.parts;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names and constants of the part format (docs/bundle-format.md, "Parts"). A part is a tar of exactly two
 * entries: {@link #MANIFEST_ENTRY}, the signed part manifest (a DSSE envelope, padded with spaces), and
 * {@link #DATA_ENTRY}, bytes {@code [offset, offset + size)} of the bundle tarball the set makes up.
 */
public final class PartFormat {
  private PartFormat() {}

  /** The part manifest's own format version (independent of the bundle format version): an uncompressed part. */
  public static final int FORMAT_VERSION = 1;
  /** Part format version 2: a zstd-compressed part ({@code .tar.zst}, {@link ZstdPartFrames}). */
  public static final int FORMAT_VERSION_ZSTD = 2;
  /**
   * Part format version 3: a zstd-compressed part whose data is a sequence of independent frames followed by a
   * seek table (zstd seekable format), so that it can be read from any frame ({@link SeekablePart}).
   */
  public static final int FORMAT_VERSION_FRAMES = 3;
  /** The newest part format version this airlock reads. */
  public static final int LATEST = FORMAT_VERSION_FRAMES;
  /** The largest frame of a version 3 part's data (its decompressed size) a reader accepts. */
  static final long MAX_FRAME = 1L << 20;

  public static final String MANIFEST_ENTRY = "airlock-part.json";
  public static final String DATA_ENTRY = "airlock-part.data";
  /** The DSSE payload type of a part manifest. */
  public static final String PAYLOAD_TYPE = "application/vnd.airlock.part.v1+json";

  static final int RECORD = 512;

  private static final Pattern NAME = Pattern.compile("(.+)\\.part-([0-9]{3,})-of-([0-9]{3,})\\.tar(\\.zst)?");

  /** {@code site.tar} (or {@code site.tar.zst}) -> {@code site}: the stem part names start with. */
  public static String stem(Path output) {
    String n = output.getFileName().toString();
    if (n.endsWith(".tar.zst")) {
      return n.substring(0, n.length() - 8);
    }
    return n.endsWith(".tar") ? n.substring(0, n.length() - 4) : n;
  }

  /** {@code site.part-003-of-007.tar} (three digits at least, as many as the count needs). */
  public static String partName(String stem, int part, int parts) {
    return partName(stem, part, parts, false);
  }

  /** As {@link #partName(String, int, int)}; a compressed part's name ends in {@code .tar.zst}. */
  public static String partName(String stem, int part, int parts, boolean zstd) {
    int width = Math.max(3, Integer.toString(parts).length());
    return stem + ".part-" + pad(part, width) + "-of-" + pad(parts, width) + (zstd ? ".tar.zst" : ".tar");
  }

  private static String pad(int n, int width) {
    String s = Integer.toString(n);
    return "0".repeat(Math.max(0, width - s.length())) + s;
  }

  /** A part file name taken apart: stem, number and count; null when the name is not a part's. */
  public record Name(String stem, int part, int parts) {}

  public static Name parseName(String fileName) {
    Matcher m = NAME.matcher(fileName);
    if (!m.matches()) {
      return null;
    }
    try {
      return new Name(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
