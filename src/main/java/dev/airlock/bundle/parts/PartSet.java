package dev.airlock.bundle.parts;

import dev.airlock.AirlockException;
import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.oci.Digest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A set of parts: found from a directory, or from any one part with the others beside it (same stem).
 * {@link #check} verifies every part alone and names the part numbers missing, corrupted or from another
 * bundle; {@link #open} reads the set as the one bundle tarball it makes up ({@link PartedChannel}), for
 * verify, import, serve, audit and inspect, without reassembling anything on disk.
 */
public final class PartSet {
  private PartSet() {}

  /**
   * Whether {@code path} is a glob of part files ({@code 'site.part-*.tar.zst'}, quoted so that the shell leaves
   * it): no such file exists and its last name holds a glob character ({@code * ? [ {}).
   */
  public static boolean isGlob(Path path) {
    Path name = path.getFileName();
    if (name == null || Files.exists(path)) {
      return false;
    }
    String n = name.toString();
    return n.indexOf('*') >= 0 || n.indexOf('?') >= 0 || n.indexOf('[') >= 0 || n.indexOf('{') >= 0;
  }

  /** Whether {@code path} names a set of parts: a part file, a directory holding part files, or a glob of them. */
  public static boolean isPartSet(Path path) {
    if (isGlob(path)) {
      try {
        return !candidates(path).isEmpty();
      } catch (IOException | RuntimeException e) {
        return false;
      }
    }
    if (Files.isDirectory(path)) {
      try {
        return !candidates(path).isEmpty();
      } catch (IOException e) {
        return false;
      }
    }
    return PartFile.looksLikePart(path);
  }

  /** The files that may be parts of the set {@code path} names, sorted by name. */
  public static List<Path> candidates(Path path) throws IOException {
    Path p = path.toAbsolutePath().normalize();
    List<Path> out = new ArrayList<>();
    if (isGlob(p)) {
      Path parent = p.getParent();
      java.nio.file.PathMatcher glob = p.getFileSystem().getPathMatcher("glob:" + p.getFileName());
      if (parent != null && Files.isDirectory(parent)) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(parent)) {
          for (Path f : s) {
            if (Files.isRegularFile(f) && glob.matches(f.getFileName()) && PartFile.looksLikePart(f)) {
              out.add(f);
            }
          }
        }
      }
    } else if (Files.isDirectory(p)) {
      try (DirectoryStream<Path> s = Files.newDirectoryStream(p)) {
        for (Path f : s) {
          if (Files.isRegularFile(f) && (PartFormat.parseName(f.getFileName().toString()) != null
              || f.getFileName().toString().endsWith(".tar") && PartFile.looksLikePart(f))) {
            out.add(f);
          }
        }
      }
    } else {
      PartFormat.Name name = PartFormat.parseName(p.getFileName().toString());
      out.add(p);
      if (name != null && p.getParent() != null) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(p.getParent())) {
          for (Path f : s) {
            PartFormat.Name other = PartFormat.parseName(f.getFileName().toString());
            if (!f.equals(p) && other != null && other.stem().equals(name.stem()) && Files.isRegularFile(f)) {
              out.add(f);
            }
          }
        }
      }
    }
    out.sort(null);
    return out;
  }

  /** What a check of the whole set found. */
  public record SetReport(String bundleName, Digest root, int parts, List<PartCheck.Report> reports,
      SortedSet<Integer> missing, SortedMap<Integer, String> corrupted, List<String> foreign, String needs) {
    public boolean ok() {
      return missing.isEmpty() && corrupted.isEmpty() && foreign.isEmpty() && parts > 0;
    }

    /**
     * The SHA-256 of each part file as on disk, from the pass over its data ({@link PartCheck.Report#fileDigest}),
     * for the checksum file beside the set; parts without one (compressed, unreadable) are absent.
     */
    public java.util.Map<Path, Digest> fileDigests() {
      java.util.Map<Path, Digest> out = new java.util.HashMap<>();
      for (PartCheck.Report r : reports) {
        if (r.fileDigest() != null) {
          out.put(r.file().toAbsolutePath().normalize(), r.fileDigest());
        }
      }
      return out;
    }

    /** One line naming what to re-burn: "missing parts 3; corrupted parts 2 (...); from another bundle: ...". */
    public String problems() {
      List<String> out = new ArrayList<>();
      if (!missing.isEmpty()) {
        out.add("missing part" + (missing.size() > 1 ? "s " : " ") + join(missing));
      }
      if (!corrupted.isEmpty()) {
        List<String> c = new ArrayList<>();
        corrupted.forEach((k, v) -> c.add(k + " (" + v + ")"));
        out.add("corrupted part" + (corrupted.size() > 1 ? "s " : " ") + String.join(", ", c));
      }
      if (!foreign.isEmpty()) {
        out.add("from another bundle: " + String.join(", ", foreign));
      }
      if (needs != null && !needs.isEmpty()) {
        out.add(needs);
      }
      return String.join("; ", out);
    }

    private static String join(SortedSet<Integer> s) {
      return String.join(", ", s.stream().map(String::valueOf).toList());
    }
  }

  /** A set's identity: the bundle it makes up and how it was cut. */
  private static String identity(PartManifest m) {
    return m.bundleRoot() + " " + m.bundleDigest() + " " + m.parts() + " " + m.volumeSize();
  }

  /** Verifies every part of the set alone, and names what is missing, corrupted or foreign. */
  public static SetReport check(Path path, List<PublicKey> keys, boolean allowUnsigned) throws IOException {
    return check(path, keys, allowUnsigned, true);
  }

  /**
   * As {@link #check(Path, List, boolean)}, the parts checked on every processor; {@code chunks} false: the
   * digests of split blobs' chunks only when a part's data fails ({@link PartCheck#check(Path, List, boolean,
   * boolean)}).
   */
  public static SetReport check(Path path, List<PublicKey> keys, boolean allowUnsigned, boolean chunks)
      throws IOException {
    List<Path> files = candidates(path);
    if (files.isEmpty()) {
      throw new NotFoundException("no part files (NAME.part-NNN-of-NNN.tar or .tar.zst) in " + path);
    }
    List<PartCheck.Report> reports = checkAll(files, keys, allowUnsigned, chunks);
    PartManifest ref = reference(reports.stream().map(PartCheck.Report::manifest).toList(),
        Files.isDirectory(path) ? null : path.toAbsolutePath().normalize(), files);
    SortedSet<Integer> good = new TreeSet<>();
    SortedMap<Integer, String> corrupted = new TreeMap<>();
    List<String> foreign = new ArrayList<>();
    for (PartCheck.Report r : reports) {
      PartManifest m = r.manifest();
      String file = r.file().getFileName().toString();
      if (m == null) {
        PartFormat.Name n = PartFormat.parseName(file);
        if (ref != null && n != null && n.part() >= 1 && n.part() <= ref.parts()) {
          corrupted.merge(n.part(), file + ": " + r.failures().get(0), (a, b) -> a);
        } else {
          foreign.add(file + " (" + r.failures().get(0) + ")");
        }
      } else if (ref == null || !identity(m).equals(identity(ref))) {
        foreign.add(file + " (" + m.describe() + ")");
      } else if (r.ok()) {
        good.add(m.part());
      } else {
        corrupted.merge(m.part(), file + ": " + String.join("; ", r.failures()), (a, b) -> a);
      }
    }
    good.forEach(corrupted::remove); // a good copy of a part beside a bad one: the set is whole
    SortedSet<Integer> missing = new TreeSet<>();
    if (ref != null) {
      for (int i = 1; i <= ref.parts(); i++) {
        if (!good.contains(i) && !corrupted.containsKey(i)) {
          missing.add(i);
        }
      }
    }
    String needs = null;
    if (ref != null && !good.isEmpty() && (!missing.isEmpty() || !corrupted.isEmpty())) {
      PartFile[] usable = new PartFile[ref.parts()];
      for (PartCheck.Report r : reports) {
        if (r.ok() && identity(r.manifest()).equals(identity(ref)) && usable[r.manifest().part() - 1] == null) {
          usable[r.manifest().part() - 1] = r.part();
        }
      }
      needs = needs(usable, ref);
    }
    return new SetReport(ref == null ? null : ref.bundleName(), ref == null ? null : ref.bundleRoot(),
        ref == null ? 0 : ref.parts(), reports, missing, corrupted, foreign, needs);
  }

  /** Each file checked alone, on up to as many threads as processors, reports in the files' order. */
  private static List<PartCheck.Report> checkAll(List<Path> files, List<PublicKey> keys, boolean allowUnsigned,
      boolean chunks) throws IOException {
    int threads = Math.min(files.size(), Runtime.getRuntime().availableProcessors());
    if (threads <= 1) {
      List<PartCheck.Report> out = new ArrayList<>();
      for (Path f : files) {
        out.add(PartCheck.check(f, keys, allowUnsigned, chunks));
      }
      return out;
    }
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads,
        dev.airlock.Futures.daemon("airlock-part-check"));
    try {
      List<java.util.concurrent.CompletableFuture<PartCheck.Report>> jobs = new ArrayList<>();
      for (Path f : files) {
        jobs.add(java.util.concurrent.CompletableFuture.supplyAsync(
            () -> PartCheck.check(f, keys, allowUnsigned, chunks), pool));
      }
      List<PartCheck.Report> out = new ArrayList<>();
      for (java.util.concurrent.CompletableFuture<PartCheck.Report> j : jobs) {
        out.add(dev.airlock.Futures.join(j));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Which images need the parts absent from {@code present} (null entries); "" when that cannot be told. */
  private static String needs(PartFile[] present, PartManifest ref) {
    try {
      return IncompleteSet.of(present, ref).describe();
    } catch (IOException | RuntimeException e) {
      return ""; // only an explanation: the parts missing are named all the same
    }
  }

  /**
   * The set's bundle: the identity most readable manifests share; on a tie, that of the part named (when one
   * was), else of the first file.
   */
  private static PartManifest reference(List<PartManifest> manifests, Path named, List<Path> files) {
    Map<String, Integer> count = new HashMap<>();
    Map<String, PartManifest> first = new LinkedHashMap<>();
    PartManifest namedOne = null;
    for (int i = 0; i < manifests.size(); i++) {
      PartManifest m = manifests.get(i);
      if (m == null) {
        continue;
      }
      count.merge(identity(m), 1, Integer::sum);
      first.putIfAbsent(identity(m), m);
      if (files.get(i).equals(named)) {
        namedOne = m;
      }
    }
    if (first.isEmpty()) {
      return null;
    }
    int best = count.values().stream().max(Integer::compare).orElse(0);
    if (namedOne != null && count.get(identity(namedOne)) == best) {
      return namedOne;
    }
    for (PartManifest m : first.values()) {
      if (count.get(identity(m)) == best) {
        return m;
      }
    }
    return null;
  }

  /**
   * Opens the set as the bundle tarball it makes up. Manifests are read and must agree (the bytes are
   * checked by whoever reads them: every blob against its digest); a missing part, or parts of two
   * bundles, is a one-line error naming them.
   */
  public static PartedChannel open(Path path) throws IOException {
    return open(path, Long.MAX_VALUE);
  }

  /**
   * As {@link #open(Path)}; a set of compressed parts whose manifests declare a bundle of more than
   * {@code maxExpanded} bytes is refused before anything is decompressed. A compressed part's data is
   * decompressed as it is read, no further than its manifest declares, and nothing is written to disk
   * ({@link DecompressedPartChannel}): reads that move forward cost one decompression, a read behind every
   * cursor of a part decompresses that part again from its start.
   */
  public static PartedChannel open(Path path, long maxExpanded) throws IOException {
    return open(path, maxExpanded, false);
  }

  /** Idle decompressors a set keeps (each about 2.3 MiB of native memory at zstd level 3). */
  static final int IDLE_DECOMPRESSORS = 8;
  /** Blocks of 64 KiB of decompressed data a set keeps for reads that jump (manifests, tar headers): 8 MiB of heap. */
  static final int CACHED_BLOCKS = 128;

  /**
   * As {@link #open(Path, long)}; with {@code anyOrder} (serve: clients ask for blobs in any order) the data of
   * each compressed part whose body is a single zstd frame (part format version 2) is decompressed into a temporary file of
   * {@code java.io.tmpdir} instead ({@link PartFile#openCopied}), so that a read anywhere costs no
   * decompression from the part's start; see {@link #needsCopyForAnyOrder}.
   */
  public static PartedChannel open(Path path, long maxExpanded, boolean anyOrder) throws IOException {
    PartFile[] byNumber = select(path);
    if (byNumber[0].compressed() && byNumber[0].manifest().bundleSize() > maxExpanded) {
      throw new InvalidInputException(path + ": the compressed parts declare a bundle of "
          + byNumber[0].manifest().bundleSize() + " bytes, more than the " + maxExpanded + " bytes its verified content"
          + " needs; refused before decompressing anything");
    }
    DecompressedPartChannel.Pool pool = new DecompressedPartChannel.Pool(IDLE_DECOMPRESSORS, CACHED_BLOCKS);
    List<PartedChannel.Segment> segments = new ArrayList<>();
    try {
      for (PartFile pf : byNumber) {
        // a single-frame part (version 2) read in any order is copied; independent frames (version 3) are not
        FileChannel ch = anyOrder && pf.compressed() && !pf.framed() ? pf.openCopied() : pf.openReadable(pool);
        segments.add(new PartedChannel.Segment(ch, pf.dataOffset(), pf.manifest().data().offset(),
            pf.manifest().data().size()));
      }
      return new PartedChannel(segments, false);
    } catch (IOException | RuntimeException e) {
      for (PartedChannel.Segment s : segments) {
        s.file().close();
      }
      throw e;
    }
  }

  /**
   * Whether reading {@code path} in any order ({@link #open(Path, long, boolean)}) decompresses some of its parts
   * into temporary files: a set holding compressed parts of part format version 2 (a single-frame body each);
   * version 3 parts (independent frames) are read in place.
   */
  public static boolean needsCopyForAnyOrder(Path path) {
    if (!isCompressed(path)) {
      return false;
    }
    try {
      for (PartFile pf : select(path)) {
        if (pf.compressed() && !pf.framed()) {
          return true;
        }
      }
      return false;
    } catch (IOException | RuntimeException e) {
      return true; // the open that follows names what is wrong
    }
  }

  /** Whether {@code path} names a set of compressed parts (part format version 2), by its first part file's bytes. */
  public static boolean isCompressed(Path path) {
    try {
      for (Path f : candidates(path)) {
        if (PartFile.looksLikePart(f)) {
          try (java.io.InputStream in = Files.newInputStream(f)) {
            return ZstdPartFrames.looksLikeHead(in.readNBytes(5));
          }
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  /**
   * The bundle tarball the set makes up, as one stream read part after part (a compressed part decompressed
   * as it is read, nothing written to disk).
   */
  public static java.io.InputStream openStream(Path path) throws IOException {
    PartFile[] byNumber = select(path);
    java.util.Iterator<PartFile> it = java.util.Arrays.asList(byNumber).iterator();
    return new java.io.SequenceInputStream(new java.util.Enumeration<java.io.InputStream>() {
      @Override
      public boolean hasMoreElements() {
        return it.hasNext();
      }

      @Override
      public java.io.InputStream nextElement() {
        try {
          return it.next().openData();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    }) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        try {
          return super.read(b, off, len);
        } catch (java.io.UncheckedIOException e) {
          throw e.getCause();
        }
      }
    };
  }

  /** The part files {@link #open} reads, in part order (for the checksum file beside them). */
  public static List<Path> partFiles(Path path) throws IOException {
    List<Path> out = new ArrayList<>();
    for (PartFile pf : select(path)) {
      out.add(pf.path());
    }
    return out;
  }

  /** The set's parts by number: every part of the one bundle, or a one-line error naming the missing ones. */
  private static PartFile[] select(Path path) throws IOException {
    List<Path> files = candidates(path);
    List<PartFile> opened = new ArrayList<>();
    List<PartManifest> manifests = new ArrayList<>();
    String unreadable = null; // why the first file that is no readable part is not, for the one-line error
    for (Path f : files) {
      try {
        PartFile pf = PartFile.open(f);
        opened.add(pf);
        manifests.add(pf.manifest());
      } catch (AirlockException e) {
        opened.add(null);
        manifests.add(null);
        if (unreadable == null) {
          unreadable = dev.airlock.oci.Json.firstLine(e.getMessage());
        }
      }
    }
    PartManifest ref = reference(manifests, Files.isDirectory(path) ? null : path.toAbsolutePath().normalize(), files);
    if (ref == null) {
      throw new InvalidInputException(path + " holds no readable airlock part"
          + (unreadable == null ? "" : ": " + unreadable));
    }
    PartFile[] byNumber = new PartFile[ref.parts()];
    for (PartFile pf : opened) {
      if (pf != null && identity(pf.manifest()).equals(identity(ref)) && byNumber[pf.manifest().part() - 1] == null) {
        byNumber[pf.manifest().part() - 1] = pf;
      }
    }
    SortedSet<Integer> missing = new TreeSet<>();
    for (int i = 0; i < byNumber.length; i++) {
      if (byNumber[i] == null) {
        missing.add(i + 1);
      }
    }
    if (!missing.isEmpty()) {
      String needs = needs(byNumber, ref);
      throw new InvalidInputException(path + ": bundle '" + ref.bundleName() + "' is cut into " + ref.parts()
          + " parts and part" + (missing.size() > 1 ? "s " : " ")
          + String.join(", ", missing.stream().map(String::valueOf).toList()) + (missing.size() > 1 ? " are" : " is")
          + " missing or unreadable" + (needs.isEmpty() ? "" : " (" + needs + ")") + "; airlock verify " + path
          + " names what to re-burn" + (unreadable == null ? "" : ": " + unreadable));
    }
    return byNumber;
  }
}
