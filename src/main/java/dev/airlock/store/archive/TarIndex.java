package dev.airlock.store.archive;

import dev.airlock.InvalidInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One pass over the headers of an uncompressed tar file (ustar, pax and GNU long names; data is skipped,
 * never read) that yields each entry's name, data offset and size. Refused with a one-line error: names
 * with {@code ..} or an absolute path, device and other special entries, duplicate names, and an archive
 * that is truncated or lacks its end-of-archive marker. Links are recorded, not followed; callers decide.
 */
public final class TarIndex {
  static final int BLOCK = 512;
  private static final int MAX_META = 1 << 20;
  private static final int MAX_ENTRIES = 1_000_000;

  private final Map<String, TarEntry> byName;

  private TarIndex(Map<String, TarEntry> byName) {
    this.byName = byName;
  }

  /** Entries in archive order. */
  public List<TarEntry> entries() {
    return List.copyOf(byName.values());
  }

  public TarEntry get(String name) {
    return byName.get(name);
  }

  public Map<String, TarEntry> byName() {
    return Collections.unmodifiableMap(byName);
  }

  /** Scans {@code channel}; {@code what} names the archive in errors. */
  public static TarIndex scan(FileChannel channel, String what) throws IOException {
    long fileSize = channel.size();
    Map<String, TarEntry> out = new LinkedHashMap<>();
    long pos = 0;
    String longName = null;
    String longLink = null;
    Map<String, String> pax = Map.of();
    ByteBuffer header = ByteBuffer.allocate(BLOCK);
    while (true) {
      if (pos + BLOCK > fileSize) {
        throw new InvalidInputException(what + " is truncated: " + (pos == fileSize
            ? "no end-of-archive marker after " + out.size() + " entries" : "a header ends past the end of the file"));
      }
      header.clear();
      readFully(channel, header, pos);
      byte[] h = header.array();
      if (isZero(h)) {
        return new TarIndex(out);
      }
      checkChecksum(h, what, pos);
      char type = (char) h[156];
      long size = pax.containsKey("size") ? parsePaxSize(pax.get("size"), what) : number(h, 124, 12, what);
      long dataOffset = pos + BLOCK;
      if (size < 0 || dataOffset + size > fileSize) {
        throw new InvalidInputException(what + " is truncated: entry '" + printable(rawName(h)) + "' needs "
            + size + " bytes at offset " + dataOffset + " but the file has " + fileSize);
      }
      long next = dataOffset + (size + BLOCK - 1) / BLOCK * BLOCK;
      if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
        if (size > MAX_META) {
          throw new InvalidInputException(what + ": a " + type + " header of " + size + " bytes is too large");
        }
        byte[] data = new byte[(int) size];
        readFully(channel, ByteBuffer.wrap(data), dataOffset);
        if (type == 'x') {
          pax = parsePax(data, what);
        } else if (type == 'L') {
          longName = cString(data, 0, data.length);
        } else if (type == 'K') {
          longLink = cString(data, 0, data.length);
        }
        pos = next;
        continue;
      }
      String name = pax.getOrDefault("path", longName != null ? longName : rawName(h));
      String link = pax.getOrDefault("linkpath", longLink != null ? longLink : cString(h, 157, 100));
      pax = Map.of();
      longName = null;
      longLink = null;
      TarEntry.Type t = switch (type) {
        case '0', '\0', '7' -> TarEntry.Type.FILE;
        case '5' -> TarEntry.Type.DIRECTORY;
        case '1' -> TarEntry.Type.HARDLINK;
        case '2' -> TarEntry.Type.SYMLINK;
        default -> throw new InvalidInputException(what + ": entry '" + printable(name) + "' has unsupported type '"
            + printable(String.valueOf(type)) + "' (only files, directories and links are allowed)");
      };
      if (t == TarEntry.Type.FILE && name.endsWith("/") && size == 0) {
        t = TarEntry.Type.DIRECTORY;
      }
      String normal = normalise(name, what);
      if (!normal.isEmpty() || t != TarEntry.Type.DIRECTORY) {
        if (normal.isEmpty()) {
          throw new InvalidInputException(what + ": entry '" + printable(name) + "' has no name");
        }
        TarEntry e = new TarEntry(normal, t, dataOffset, t == TarEntry.Type.FILE ? size : 0,
            t == TarEntry.Type.FILE || t == TarEntry.Type.DIRECTORY ? null : link);
        TarEntry prev = out.putIfAbsent(normal, e);
        if (prev != null && !(prev.type() == TarEntry.Type.DIRECTORY && t == TarEntry.Type.DIRECTORY)) {
          throw new InvalidInputException(what + ": entry '" + printable(normal) + "' appears more than once");
        }
        if (out.size() > MAX_ENTRIES) {
          throw new InvalidInputException(what + " has more than " + MAX_ENTRIES + " entries");
        }
      }
      pos = next;
    }
  }

  /** {@code ./a//b/} becomes {@code a/b}; absolute names and {@code ..} are refused. */
  static String normalise(String name, String what) {
    if (name.startsWith("/") || name.matches("^[A-Za-z]:[/\\\\].*")) {
      throw new InvalidInputException(what + ": entry '" + printable(name) + "' has an absolute path");
    }
    if (name.indexOf('\\') >= 0) {
      throw new InvalidInputException(what + ": entry '" + printable(name) + "' contains a backslash");
    }
    List<String> parts = new ArrayList<>();
    for (String p : name.split("/")) {
      if (p.equals("..")) {
        throw new InvalidInputException(what + ": entry '" + printable(name) + "' escapes the archive (path traversal)");
      }
      if (!p.isEmpty() && !p.equals(".")) {
        parts.add(p);
      }
    }
    return String.join("/", parts);
  }

  private static String rawName(byte[] h) {
    String name = cString(h, 0, 100);
    boolean ustar = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r' && h[262] == 0;
    if (ustar) {
      String prefix = cString(h, 345, 155);
      if (!prefix.isEmpty()) {
        return prefix + "/" + name;
      }
    }
    return name;
  }

  private static void checkChecksum(byte[] h, String what, long pos) {
    long stored = number(h, 148, 8, what);
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      byte b = (i >= 148 && i < 156) ? (byte) ' ' : h[i];
      unsigned += b & 0xff;
      signed += b;
    }
    if (stored != unsigned && stored != signed) {
      throw new InvalidInputException(what + ": corrupt tar header at offset " + pos + " (bad checksum; not a tar file?)");
    }
  }

  static long number(byte[] h, int off, int len, String what) {
    if ((h[off] & 0x80) != 0) {
      // GNU base-256: big-endian, positive only
      long v = h[off] & 0x7f;
      for (int i = 1; i < len; i++) {
        if ((v >>> 55) != 0) {
          throw new InvalidInputException(what + ": a tar header number is too large");
        }
        v = (v << 8) | (h[off + i] & 0xff);
      }
      return v;
    }
    long v = 0;
    boolean any = false;
    for (int i = off; i < off + len; i++) {
      byte b = h[i];
      if (b == 0 || (b == ' ' && any)) {
        break;
      }
      if (b == ' ') {
        continue;
      }
      if (b < '0' || b > '7') {
        throw new InvalidInputException(what + ": corrupt tar header (bad octal number; not a tar file?)");
      }
      v = v * 8 + (b - '0');
      any = true;
    }
    return v;
  }

  private static long parsePaxSize(String s, String what) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw new InvalidInputException(what + ": pax header has an invalid size '" + printable(s) + "'");
    }
  }

  private static Map<String, String> parsePax(byte[] data, String what) {
    Map<String, String> m = new LinkedHashMap<>();
    int i = 0;
    while (i < data.length) {
      int sp = i;
      while (sp < data.length && data[sp] != ' ') {
        sp++;
      }
      int len;
      try {
        len = Integer.parseInt(new String(data, i, sp - i, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new InvalidInputException(what + ": corrupt pax header");
      }
      if (len <= 0 || i + len > data.length || sp >= i + len) {
        throw new InvalidInputException(what + ": corrupt pax header");
      }
      String rec = new String(data, sp + 1, i + len - sp - 2, StandardCharsets.UTF_8);
      int eq = rec.indexOf('=');
      if (eq > 0) {
        m.put(rec.substring(0, eq), rec.substring(eq + 1));
      }
      i += len;
    }
    return m;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static boolean isZero(byte[] h) {
    for (byte b : h) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    long p = pos;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, p);
      if (n < 0) {
        throw new InvalidInputException("unexpected end of file at offset " + p);
      }
      p += n;
    }
  }

  static String printable(String s) {
    String t = s.length() > 200 ? s.substring(0, 200) + "..." : s;
    StringBuilder b = new StringBuilder();
    for (char c : t.toCharArray()) {
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return b.toString();
  }
}
