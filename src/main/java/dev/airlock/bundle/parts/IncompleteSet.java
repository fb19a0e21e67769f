package dev.airlock.bundle.parts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the parts present of an incomplete set still tell: which images need the parts that are missing. The tar
 * headers are walked within each run of present parts (a run after a gap starts where the part manifest's chunk of
 * a blob split across the edge says the next header is), the bundle's index.json is read when present, and every
 * image's graph is walked: a blob lying, wholly or in part, in a missing part needs that part; a blob not found lies,
 * by name order (entries are sorted by digest), in the gap whose neighbours bracket it. Only ever an explanation
 * for an error: nothing is imported from an incomplete set.
 */
public final class IncompleteSet {
  private IncompleteSet() {}

  private static final int RECORD = PartFormat.RECORD;
  private static final int MANIFEST_CAP = 4 * 1024 * 1024;
  private static final String BLOBS = "blobs/sha256/";

  /** An entry found: its tar name, where its data lies in the bundle, its size. */
  private record Found(String name, long dataStart, long size) {}

  /** A run of missing parts and the names of the known entries on each side of it (null: none known). */
  private record Gap(int first, int last, String before, String after) {}

  /** Each image (its ref name) that needs a missing part, with the part numbers; empty when none can be named. */
  public record Needs(Map<String, SortedSet<Integer>> images, String unknown) {
    /** "images that need them: a:1 (part 3), b:2 (parts 3, 5)"; or why they cannot be named. */
    public String describe() {
      if (images.isEmpty()) {
        return unknown == null ? "" : unknown;
      }
      List<String> out = new ArrayList<>();
      images.forEach((image, parts) -> out.add(image + " (part" + (parts.size() > 1 ? "s " : " ")
          + String.join(", ", parts.stream().map(String::valueOf).toList()) + ")"));
      return "needed by " + String.join(", ", out) + (unknown == null ? "" : "; " + unknown);
    }
  }

  /**
   * @param present the readable parts of the set, by number (null where missing); {@code ref} the set's manifest
   */
  public static Needs of(PartFile[] present, PartManifest ref) throws IOException {
    FileChannel[] channels = new FileChannel[present.length];
    DecompressedPartChannel.Pool pool = new DecompressedPartChannel.Pool(PartSet.IDLE_DECOMPRESSORS, PartSet.CACHED_BLOCKS);
    try {
      for (int i = 0; i < present.length; i++) {
        if (present[i] != null) {
          channels[i] = present[i].openReadable(pool);
        }
      }
      return new Walk(present, ref, channels).needs();
    } finally {
      for (FileChannel c : channels) {
        if (c != null) {
          c.close();
        }
      }
    }
  }

  private static final class Walk {
    final PartFile[] present;
    final PartManifest ref;
    final FileChannel[] channels;
    final List<PartManifest.Range> ranges;
    final TreeMap<String, Found> found = new TreeMap<>();
    final List<Gap> gaps = new ArrayList<>();
    String chunkAtStart;

    Walk(PartFile[] present, PartManifest ref, FileChannel[] channels) {
      this.present = present;
      this.ref = ref;
      this.channels = channels;
      this.ranges = ref.partList();
    }

    Needs needs() throws IOException {
      scan();
      Found index = found.get("index.json");
      if (index == null || !allPresent(index.dataStart(), index.size()) || index.size() > MANIFEST_CAP) {
        return new Needs(Map.of(), "the images cannot be named: the bundle's index.json lies in a missing part");
      }
      JsonNode json = Json.tree(read(index.dataStart(), (int) index.size()), "index.json");
      Map<String, SortedSet<Integer>> images = new LinkedHashMap<>();
      boolean unreadable = false;
      Set<Digest> named = new HashSet<>(); // the images: the root lists them too, but they are named on their own
      for (JsonNode m : json.path("manifests")) {
        String name = m.path("annotations").path(Descriptor.REF_NAME).asText(null);
        if (name != null && !BundleFormat.ROOT_REF_NAME.equals(name) && Digest.isValid(m.path("digest").asText(""))) {
          named.add(Digest.parse(m.path("digest").asText()));
        }
      }
      for (JsonNode m : json.path("manifests")) {
        String name = m.path("annotations").path(Descriptor.REF_NAME).asText(null);
        if (name == null || !Digest.isValid(m.path("digest").asText(""))) {
          continue; // a signature of the bundle
        }
        SortedSet<Integer> parts = new TreeSet<>();
        Digest d = Digest.parse(m.path("digest").asText());
        Set<Digest> skip = BundleFormat.ROOT_REF_NAME.equals(name) ? named : Set.of();
        unreadable |= graph(d, m.path("mediaType").asText(null), parts, skip);
        if (!parts.isEmpty()) {
          images.put(BundleFormat.ROOT_REF_NAME.equals(name) ? "the bundle's own metadata"
              : name, parts);
        }
      }
      long absent = java.util.Arrays.stream(present).filter(java.util.Objects::isNull).count();
      // with one part missing, an image whose manifest is in it needs that part and no other
      return new Needs(images, unreadable && absent > 1
          ? "an image whose manifest lies in a missing part may need more of them than named" : null);
    }

    /** Walks one graph; adds the missing parts it needs; true when a manifest could not be read. */
    boolean graph(Digest root, String mediaType, SortedSet<Integer> parts, Set<Digest> skip) throws IOException {
      Deque<Object[]> todo = new ArrayDeque<>();
      Set<Digest> seen = new HashSet<>();
      todo.add(new Object[] {root, mediaType});
      boolean unreadable = false;
      while (!todo.isEmpty()) {
        Object[] next = todo.poll();
        Digest d = (Digest) next[0];
        if (skip.contains(d) || !seen.add(d) || seen.size() > 100_000) {
          continue;
        }
        String name = BLOBS + d.hex();
        Found f = found.get(name);
        if (f == null) {
          parts.addAll(gapOf(name)); // empty: not in the bundle (a delta's blob expected at the target)
          if (isManifest((String) next[1])) {
            unreadable |= !gapOf(name).isEmpty();
          }
          continue;
        }
        SortedSet<Integer> missing = missingIn(f.dataStart(), f.size());
        parts.addAll(missing);
        if (missing.isEmpty() && isManifest((String) next[1]) && f.size() <= MANIFEST_CAP) {
          try {
            RawManifest m = RawManifest.of(read(f.dataStart(), (int) f.size()), (String) next[1], d, name);
            for (Descriptor c : m.children()) {
              todo.add(new Object[] {c.digest(), c.mediaType()});
            }
          } catch (RuntimeException | dev.airlock.oci.DigestMismatchException e) {
            unreadable = true;
          }
        } else if (!missing.isEmpty() && isManifest((String) next[1])) {
          unreadable = true;
        }
      }
      return unreadable;
    }

    static boolean isManifest(String mediaType) {
      return mediaType != null && MediaTypes.isManifest(mediaType);
    }

    /** The missing parts a name not found lies in: the gap whose known neighbours bracket it. */
    SortedSet<Integer> gapOf(String name) {
      SortedSet<Integer> out = new TreeSet<>();
      for (Gap g : gaps) {
        if ((g.before() == null || g.before().compareTo(name) < 0) && (g.after() == null || g.after().compareTo(name) > 0)) {
          for (int p = g.first(); p <= g.last(); p++) {
            out.add(p);
          }
        }
      }
      return out;
    }

    /** The tar headers within each run of present parts; the gaps between the runs with their neighbours. */
    void scan() throws IOException {
      int n = ranges.size();
      int i = 0;
      String lastName = null;
      while (i < n) {
        if (present[i] == null) {
          int j = i;
          while (j + 1 < n && present[j + 1] == null) {
            j++;
          }
          gaps.add(new Gap(i + 1, j + 1, lastName, null));
          i = j + 1;
          continue;
        }
        int j = i;
        while (j + 1 < n && present[j + 1] != null) {
          j++;
        }
        long runEnd = ranges.get(j).end();
        chunkAtStart = null;
        long pos = firstHeader(i);
        String first = chunkAtStart;
        String last = null;
        while (pos >= 0 && pos + RECORD <= runEnd) {
          byte[] h = read(pos, RECORD);
          if (isZero(h) || !checksumOk(h) || h[156] == 'x' || h[156] == 'g' || h[156] == 'L') {
            break; // the end, or what cannot be walked without a missing part (a pax header): stop here
          }
          String name = name(h);
          long size = octal(h, 124, 12);
          if (size < 0) {
            break;
          }
          found.putIfAbsent(name, new Found(name, pos + RECORD, size));
          first = first == null ? name : first;
          last = name;
          pos = pos + RECORD + (size + RECORD - 1) / RECORD * RECORD;
        }
        if (!gaps.isEmpty() && gaps.get(gaps.size() - 1).after() == null && gaps.get(gaps.size() - 1).last() == i) {
          Gap g = gaps.remove(gaps.size() - 1);
          gaps.add(new Gap(g.first(), g.last(), g.before(), first));
        }
        lastName = last != null ? last : first != null ? first : lastName;
        i = j + 1;
      }
    }

    /** Where the first header of part {@code i} (0-based) lies: after a blob split across its start, or at its start. */
    long firstHeader(int i) {
      PartManifest.Range r = ranges.get(i);
      if (i == 0 || present[i - 1] != null) {
        return r.offset();
      }
      for (PartManifest.Chunk c : present[i].manifest().chunks()) {
        if (c.at() == r.offset() && c.blobOffset() > 0) {
          String name = BLOBS + c.blob().hex();
          long start = c.at() - c.blobOffset();
          found.putIfAbsent(name, new Found(name, start, c.blobSize()));
          chunkAtStart = name;
          return start + (c.blobSize() + RECORD - 1) / RECORD * RECORD;
        }
      }
      return r.offset();
    }

    SortedSet<Integer> missingIn(long start, long size) {
      SortedSet<Integer> out = new TreeSet<>();
      long end = start + Math.max(size, 1);
      for (PartManifest.Range r : ranges) {
        if (r.offset() < end && r.end() > start && present[r.part() - 1] == null) {
          out.add(r.part());
        }
      }
      return out;
    }

    boolean allPresent(long start, long size) {
      return missingIn(start, size).isEmpty();
    }

    /** Bundle bytes [pos, pos + len) from the parts present (all of them must be). */
    byte[] read(long pos, int len) throws IOException {
      byte[] out = new byte[len];
      int done = 0;
      while (done < len) {
        long at = pos + done;
        int k = 0;
        while (k < ranges.size() - 1 && ranges.get(k).end() <= at) {
          k++;
        }
        PartManifest.Range r = ranges.get(k);
        if (present[k] == null || at < r.offset() || at >= r.end()) {
          throw new IOException("bundle byte " + at + " lies in missing part " + r.part());
        }
        int want = (int) Math.min(len - done, r.end() - at);
        ByteBuffer b = ByteBuffer.wrap(out, done, want);
        long filePos = present[k].dataOffset() + (at - r.offset());
        while (b.hasRemaining()) {
          if (channels[k].read(b, filePos + (b.position() - done)) < 0) {
            throw new IOException(present[k].path() + " is shorter than its manifest says");
          }
        }
        done += want;
      }
      return out;
    }
  }

  private static boolean isZero(byte[] h) {
    for (byte b : h) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean checksumOk(byte[] h) {
    long sum = 0;
    for (int i = 0; i < RECORD; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
    }
    return octal(h, 148, 8) == sum;
  }

  private static String name(byte[] h) {
    String name = cString(h, 0, 100);
    String prefix = cString(h, 345, 155);
    String full = prefix.isEmpty() ? name : prefix + "/" + name;
    while (full.startsWith("./")) {
      full = full.substring(2);
    }
    return full;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  /** An octal field (NUL or space terminated); -1 when it is not one. */
  private static long octal(byte[] h, int off, int len) {
    long v = 0;
    boolean any = false;
    for (int i = off; i < off + len; i++) {
      byte b = h[i];
      if (b == 0 || b == ' ') {
        if (any) {
          break;
        }
        continue;
      }
      if (b < '0' || b > '7' || v > (Long.MAX_VALUE >> 3)) {
        return -1;
      }
      v = v * 8 + (b - '0');
      any = true;
    }
    return any ? v : -1;
  }
}
