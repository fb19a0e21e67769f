package dev.airlock.bundle.parts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.verify.dsse.Dsse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The part manifest (format version {@link PartFormat#FORMAT_VERSION}): which bundle a part belongs to
 * (name, root index digest, the digest and size of the whole bundle tarball), which part it is, the range
 * of the bundle it holds with that range's sha256, the blobs split across its edges (each chunk with its
 * own sha256), and the range and sha256 of every part of the set. Carried as the payload of a DSSE
 * envelope signed with the bundle's key (no signature for an unsigned bundle). Raw bytes are kept: the
 * signature is checked over the payload as read, never over a re-serialization.
 */
public record PartManifest(int formatVersion, String bundleName, Digest bundleRoot, String created,
    Digest bundleDigest, long bundleSize, int part, int parts, long volumeSize, Range data, List<Chunk> chunks,
    List<Range> partList, Frames frames) {

  /** A manifest without frames (part format versions 1 and 2). */
  public PartManifest(int formatVersion, String bundleName, Digest bundleRoot, String created, Digest bundleDigest,
      long bundleSize, int part, int parts, long volumeSize, Range data, List<Chunk> chunks, List<Range> partList) {
    this(formatVersion, bundleName, bundleRoot, created, bundleDigest, bundleSize, part, parts, volumeSize, data,
        chunks, partList, null);
  }

  /**
   * The frames of a version 3 part's data: {@code count} independent zstd frames of {@code size} bytes of the data
   * each (the last one the rest), and the sha256 of the part's seek table (its trailing skippable frame).
   */
  public record Frames(long size, long count, Digest seekTable) {}

  /** Bytes {@code [offset, offset + size)} of the bundle tarball, held by part {@code part}. */
  public record Range(int part, long offset, long size, Digest digest) {
    public long end() {
      return offset + size;
    }
  }

  /**
   * Bytes {@code [blobOffset, blobOffset + size)} of blob {@code blob} (of {@code blobSize} bytes), at byte
   * {@code at} of the bundle tarball, in this part; {@code digest}: the chunk's own sha256.
   */
  public record Chunk(Digest blob, long blobSize, long blobOffset, long at, long size, Digest digest) {}

  public PartManifest {
    chunks = List.copyOf(chunks);
    partList = List.copyOf(partList);
  }

  /** The payload bytes (JSON, fields in a fixed order). */
  public byte[] payload() {
    return payload(formatVersion >= PartFormat.FORMAT_VERSION_ZSTD);
  }

  private byte[] payload(boolean zstd) {
    return payload(zstd, frames);
  }

  private byte[] payload(boolean zstd, Frames frames) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("partFormatVersion", formatVersion);
    if (zstd) {
      n.put("compression", "zstd");
    }
    ObjectNode b = n.putObject("bundle");
    b.put("name", bundleName);
    b.put("root", bundleRoot.toString());
    b.put("created", created);
    b.put("digest", bundleDigest.toString());
    b.put("size", bundleSize);
    n.put("part", part);
    n.put("parts", parts);
    n.put("volumeSize", volumeSize);
    n.set("data", range(data));
    ArrayNode cs = n.putArray("chunks");
    for (Chunk c : chunks) {
      ObjectNode o = cs.addObject();
      o.put("blob", c.blob().toString());
      o.put("blobSize", c.blobSize());
      o.put("blobOffset", c.blobOffset());
      o.put("at", c.at());
      o.put("size", c.size());
      o.put("digest", c.digest().toString());
    }
    ArrayNode ps = n.putArray("partList");
    partList.forEach(r -> ps.add(range(r)));
    if (frames != null) {
      ObjectNode f = n.putObject("frames");
      f.put("size", frames.size());
      f.put("count", frames.count());
      f.put("seekTable", frames.seekTable().toString());
    }
    return Json.write(n);
  }

  private static ObjectNode range(Range r) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("part", r.part());
    o.put("offset", r.offset());
    o.put("size", r.size());
    o.put("digest", r.digest().toString());
    return o;
  }

  /** The manifest entry's content: the envelope JSON, padded with spaces to exactly {@code size} bytes. */
  public static byte[] entry(Dsse envelope, int size) {
    byte[] json = Json.write(envelope.toJson());
    if (json.length > size) {
      throw new IllegalStateException("part manifest of " + json.length + " bytes exceeds its reserved " + size);
    }
    byte[] out = Arrays.copyOf(json, size);
    Arrays.fill(out, json.length, size, (byte) ' ');
    return out;
  }

  /**
   * An upper bound of the manifest entry of a set of {@code parts} parts (every number at its widest, two
   * chunks, one signature of up to 1 KiB), rounded up to whole tar records.
   */
  public static int reservedSize(String bundleName, String created, int parts) {
    return reservedSize(bundleName, created, parts, false);
  }

  /** As {@link #reservedSize(String, String, int)}, for a compressed part's manifest when {@code zstd}. */
  public static int reservedSize(String bundleName, String created, int parts, boolean zstd) {
    return reservedSize(bundleName, created, parts, zstd, false);
  }

  /** As {@link #reservedSize(String, String, int, boolean)}, with the {@code frames} of a version 3 part. */
  public static int reservedSize(String bundleName, String created, int parts, boolean zstd, boolean frames) {
    Digest widest = Digest.parse("sha256:" + "f".repeat(64));
    Range r = new Range(Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, widest);
    Chunk c = new Chunk(widest, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, widest);
    List<Range> all = new ArrayList<>();
    for (int i = 0; i < parts; i++) {
      all.add(r);
    }
    PartManifest m = new PartManifest(Integer.MAX_VALUE, bundleName, widest, created, widest, Long.MAX_VALUE,
        Integer.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE, r, List.of(c, c), all);
    Dsse env = new Dsse(PartFormat.PAYLOAD_TYPE,
        m.payload(zstd, frames ? new Frames(Long.MAX_VALUE, Long.MAX_VALUE, widest) : null),
        List.of(new Dsse.Signature("f".repeat(64), new byte[1024])));
    int json = Json.write(env.toJson()).length;
    return (json + PartFormat.RECORD - 1) / PartFormat.RECORD * PartFormat.RECORD;
  }

  /** Reads a manifest entry (the envelope, trailing spaces allowed); {@code what} names the part in errors. */
  public static Signed read(byte[] entry, String what) {
    int end = entry.length;
    while (end > 0 && (entry[end - 1] == ' ' || entry[end - 1] == '\n')) {
      end--;
    }
    JsonNode envJson = Json.tree(Arrays.copyOf(entry, end), what + ": part manifest");
    Dsse env = Dsse.fromJson(envJson, what + ": part manifest");
    if (!PartFormat.PAYLOAD_TYPE.equals(env.payloadType())) {
      throw new InvalidInputException(what + ": part manifest payload type '" + env.payloadType() + "' is not "
          + PartFormat.PAYLOAD_TYPE);
    }
    return new Signed(parse(env.payload(), what), env);
  }

  /** A manifest and the envelope it came in (for the signature check). */
  public record Signed(PartManifest manifest, Dsse envelope) {}

  static PartManifest parse(byte[] payload, String what) {
    String w = what + ": part manifest";
    JsonNode n = Json.tree(payload, w);
    int version = integer(n, "partFormatVersion", w);
    if (version > PartFormat.LATEST) {
      throw new InvalidInputException(what + ": part format version " + version + " is newer than this airlock reads ("
          + PartFormat.LATEST + "); use a newer airlock");
    }
    JsonNode compression = n.get("compression");
    if (version >= PartFormat.FORMAT_VERSION_ZSTD ? compression == null || !"zstd".equals(compression.asText(null))
        : compression != null) {
      throw new InvalidInputException(w + ": part format version " + version + (version >= PartFormat.FORMAT_VERSION_ZSTD
          ? " needs \"compression\": \"zstd\"" : " has no \"compression\" field"));
    }
    if (version < 1) {
      throw new InvalidInputException(w + ": partFormatVersion " + version + " is not a version");
    }
    JsonNode b = n.path("bundle");
    String name = text(b, "name", w);
    Digest root = digest(b, "root", w);
    String created = text(b, "created", w);
    Digest bundleDigest = digest(b, "digest", w);
    long bundleSize = number(b, "size", w);
    int part = integer(n, "part", w);
    int parts = integer(n, "parts", w);
    long volume = number(n, "volumeSize", w);
    Range data = range(n.path("data"), w + " data");
    List<Chunk> chunks = new ArrayList<>();
    for (JsonNode c : array(n, "chunks", w)) {
      chunks.add(new Chunk(digest(c, "blob", w), number(c, "blobSize", w), number(c, "blobOffset", w),
          number(c, "at", w), number(c, "size", w), digest(c, "digest", w)));
    }
    List<Range> list = new ArrayList<>();
    for (JsonNode r : array(n, "partList", w)) {
      list.add(range(r, w + " partList"));
    }
    if (parts < 1 || part < 1 || part > parts || list.size() != parts) {
      throw new InvalidInputException(w + ": part " + part + " of " + parts + " with " + list.size()
          + " parts listed is not consistent");
    }
    long at = 0;
    for (int i = 0; i < parts; i++) {
      Range r = list.get(i);
      if (r.part() != i + 1 || r.offset() != at) {
        throw new InvalidInputException(w + ": partList entry " + (i + 1) + " is not part " + (i + 1) + " at byte " + at);
      }
      at = r.end();
    }
    if (at != bundleSize || !list.get(part - 1).equals(data)) {
      throw new InvalidInputException(w + ": the ranges do not add up to the bundle's " + bundleSize + " bytes");
    }
    for (Chunk c : chunks) {
      if (c.at() < data.offset() || c.at() + c.size() > data.end() || c.blobOffset() + c.size() > c.blobSize()) {
        throw new InvalidInputException(w + ": chunk of blob " + c.blob() + " lies outside the part's range");
      }
    }
    JsonNode fn = n.get("frames");
    Frames frames = null;
    if (version >= PartFormat.FORMAT_VERSION_FRAMES) {
      if (fn == null || !fn.isObject()) {
        throw new InvalidInputException(w + ": part format version " + version + " needs \"frames\"");
      }
      frames = new Frames(number(fn, "size", w + " frames"), number(fn, "count", w + " frames"),
          digest(fn, "seekTable", w + " frames"));
      long size = data.size();
      long want = frames.size() == 0 ? -1 : (size + frames.size() - 1) / frames.size();
      if (frames.size() < 1 || frames.size() > PartFormat.MAX_FRAME || frames.count() != want) {
        throw new InvalidInputException(w + ": " + frames.count() + " frames of " + frames.size() + " bytes cannot"
            + " hold the part's " + size + " bytes (frames of 1 to " + PartFormat.MAX_FRAME + " bytes)");
      }
    } else if (fn != null) {
      throw new InvalidInputException(w + ": part format version " + version + " has no \"frames\" field");
    }
    return new PartManifest(version, name, root, created, bundleDigest, bundleSize, part, parts, volume, data, chunks,
        list, frames);
  }

  private static Range range(JsonNode r, String w) {
    return new Range(integer(r, "part", w), number(r, "offset", w), number(r, "size", w), digest(r, "digest", w));
  }

  private static Iterable<JsonNode> array(JsonNode n, String field, String w) {
    JsonNode a = n.path(field);
    if (!a.isArray()) {
      throw new InvalidInputException(w + ": '" + field + "' is not a list");
    }
    return a;
  }

  private static String text(JsonNode n, String field, String w) {
    JsonNode v = n.path(field);
    if (!v.isTextual()) {
      throw new InvalidInputException(w + ": '" + field + "' is missing or not a string");
    }
    return v.asText();
  }

  private static long number(JsonNode n, String field, String w) {
    JsonNode v = n.path(field);
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
      throw new InvalidInputException(w + ": '" + field + "' is missing or not a non-negative integer");
    }
    return v.asLong();
  }

  private static int integer(JsonNode n, String field, String w) {
    long v = number(n, field, w);
    if (v > Integer.MAX_VALUE) {
      throw new InvalidInputException(w + ": '" + field + "' is too large");
    }
    return (int) v;
  }

  private static Digest digest(JsonNode n, String field, String w) {
    String s = text(n, field, w);
    if (!Digest.isValid(s)) {
      throw new InvalidInputException(w + ": '" + field + "' is not a digest");
    }
    return Digest.parse(s);
  }

  /** The manifest as text for messages: "part 3 of 7 of bundle 'site'". */
  public String describe() {
    return "part " + part + " of " + parts + " of bundle '" + bundleName + "' (root " + bundleRoot.shortForm() + ")";
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
