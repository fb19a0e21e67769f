package dev.airlock.bundle.parts;

import dev.airlock.bundle.BundleTarWriter;
import dev.airlock.bundle.TarAssembly;
import dev.airlock.oci.Digest;
import dev.airlock.progress.ProgressListener;
import dev.airlock.store.AtomicFiles;
import dev.airlock.verify.dsse.Dsse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Writes a bundle as a set of parts in one pass (docs/bundle-format.md, "Parts"): the part files are
 * created at their final sizes under hidden names beside the output, the bundle tarball is assembled
 * straight into their data regions ({@link PartedChannel}), each part's range and each split blob's
 * chunks are hashed as the assembly reads the stream back, then every part gets its signed manifest as
 * first entry and is renamed into place. Peak disk is the final size; nothing is copied twice. After a
 * kill the hidden part files and the journal stay, and the next run with the same content and volume
 * size keeps every blob already written (checked where it is) and fetches only the rest.
 *
 * <p>{@code onlyParts}: the set is assembled as always (the manifests name every part's digest, so every
 * range is hashed) but only those parts are put in place; the others already there are left untouched.
 */
public final class PartWriter {
  private PartWriter() {}

  /** Signs the pre-authentication encoding of a part manifest's DSSE envelope. */
  @FunctionalInterface
  public interface Signer {
    Dsse.Signature sign(byte[] pae);
  }

  /**
   * @param files every blob of the bundle, digest to size
   * @param root the bundle's root index digest (its identity in every part manifest)
   * @param stateDir where the journal and the plan of an unfinished run are kept
   * @param signer null for an unsigned bundle
   */
  public record Request(Path output, long volumeSize, Map<Digest, Long> files,
      Function<Digest, TarAssembly.Content> content, byte[] indexJson, int parallelism, String bundleName,
      Digest root, String created, Signer signer, Path stateDir, java.util.SortedSet<Integer> onlyParts) {
    public Request {
      onlyParts = onlyParts == null ? new java.util.TreeSet<>() : new java.util.TreeSet<>(onlyParts);
    }
  }

  /** The part files in order with their sha256, the bundle tarball they make up, and what the assembly moved. */
  public record Result(List<Path> parts, List<Digest> partDigests, Digest bundleDigest, long bundleSize,
      TarAssembly.Result assembly, List<Path> written) {}

  static final String JOURNAL = "parts.journal";
  static final String PLAN = "parts.plan";

  public static Result write(Request req, ProgressListener progress) throws IOException {
    Path out = req.output().toAbsolutePath().normalize();
    Path dir = out.getParent();
    String stem = PartFormat.stem(out);
    TarAssembly.Layout layout = TarAssembly.plan(req.files(), req.indexJson());
    PartPlan plan = PartPlan.plan(layout.size(), req.volumeSize(), req.bundleName(), req.created());
    int n = plan.parts().size();
    for (int k : req.onlyParts()) {
      if (k < 1 || k > n) {
        throw new dev.airlock.InvalidInputException("--only-parts " + k + ": this bundle in volumes of "
            + req.volumeSize() + " bytes has " + n + " part" + (n > 1 ? "s" : ""));
      }
    }
    List<Path> finals = new ArrayList<>();
    List<Path> partials = new ArrayList<>();
    for (PartPlan.Part p : plan.parts()) {
      String name = PartFormat.partName(stem, p.number(), n);
      finals.add(dir.resolve(name));
      partials.add(dir.resolve("." + name + ".partial"));
    }
    Files.createDirectories(req.stateDir());
    Path journal = req.stateDir().resolve(JOURNAL);
    String planText = "volume " + req.volumeSize() + " size " + layout.size() + " root " + req.root() + " parts " + n
        + "\n" + String.join("\n", partials.stream().map(Path::toString).toList()) + "\n";
    forgetOtherPlan(req.stateDir(), planText, journal);

    List<FileChannel> files = new ArrayList<>();
    TarAssembly.Result assembled;
    PartHashes hashes = new PartHashes(plan, layout.blobs());
    try {
      List<PartedChannel.Segment> segments = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        PartPlan.Part p = plan.parts().get(i);
        FileChannel ch = FileChannel.open(partials.get(i), StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        files.add(ch);
        if (ch.size() > p.fileSize()) {
          ch.truncate(p.fileSize());
        }
        writeFully(ch, ByteBuffer.wrap(p.dataHeader()), p.dataOffset() - p.dataHeader().length);
        writeFully(ch, ByteBuffer.allocate(2 * PartFormat.RECORD), p.fileSize() - 2L * PartFormat.RECORD);
        segments.add(new PartedChannel.Segment(ch, p.dataOffset(), p.offset(), p.size()));
      }
      PartedChannel stream = new PartedChannel(segments, true);
      assembled = TarAssembly.assembleInPlace(stream, journal, req.files(), req.content(), req.indexJson(),
          req.parallelism(), progress, hashes.sinks());

      List<PartManifest.Range> ranges = hashes.ranges();
      for (int i = 0; i < n; i++) {
        PartPlan.Part p = plan.parts().get(i);
        PartManifest m = new PartManifest(PartFormat.FORMAT_VERSION, req.bundleName(), req.root(), req.created(),
            assembled.digest(), assembled.size(), p.number(), n, req.volumeSize(), ranges.get(i),
            hashes.chunks(p.number()), ranges);
        byte[] payload = m.payload();
        List<Dsse.Signature> sigs = req.signer() == null ? List.of()
            : List.of(req.signer().sign(Dsse.pae(PartFormat.PAYLOAD_TYPE, payload)));
        byte[] entry = PartManifest.entry(new Dsse(PartFormat.PAYLOAD_TYPE, payload, sigs), plan.reserved());
        FileChannel ch = files.get(i);
        writeFully(ch, ByteBuffer.wrap(BundleTarWriter.header(PartFormat.MANIFEST_ENTRY, entry.length, false)), 0);
        writeFully(ch, ByteBuffer.wrap(entry), PartFormat.RECORD);
        // not forced to disk, as the one-tarball bundle is not: a kill loses nothing in the page cache, and a
        // re-run checks every blob the journal lists where it lies (forcing cost the set's size in waits)
      }
    } finally {
      for (FileChannel ch : files) {
        ch.close();
      }
    }
    List<Digest> digests = sha256All(partials); // the .sha256 lines: each whole part file, from the page cache
    for (Path p : partials) {
      readableByAll(p);
    }
    List<Path> written = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (req.onlyParts().isEmpty() || req.onlyParts().contains(i + 1)) {
        AtomicFiles.moveIntoPlace(partials.get(i), finals.get(i));
        written.add(finals.get(i));
      } else {
        Files.deleteIfExists(partials.get(i)); // --only-parts: the parts not asked for stay as they are
      }
    }
    if (req.onlyParts().isEmpty()) {
      removeStaleParts(dir, stem, finals);
    }
    StringBuilder sums = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sums.append(digests.get(i).hex()).append("  ").append(finals.get(i).getFileName()).append('\n');
    }
    Path sumsFile = dir.resolve(out.getFileName() + ".sha256");
    AtomicFiles.write(sumsFile, sums.toString().getBytes(StandardCharsets.UTF_8));
    readableByAll(sumsFile);
    Files.deleteIfExists(journal);
    Files.deleteIfExists(req.stateDir().resolve(PLAN));
    return new Result(finals, digests, assembled.digest(), assembled.size(), assembled, written);
  }

  /** A different plan (content, volume size) left by an earlier run: its hidden part files and journal go. */
  private static void forgetOtherPlan(Path stateDir, String planText, Path journal) throws IOException {
    Path planFile = stateDir.resolve(PLAN);
    if (Files.exists(planFile)) {
      String old = Files.readString(planFile, StandardCharsets.UTF_8);
      if (old.equals(planText)) {
        return;
      }
      for (String line : old.split("\n")) {
        if (line.endsWith(".partial")) {
          Files.deleteIfExists(Path.of(line));
        }
      }
    }
    Files.deleteIfExists(journal);
    AtomicFiles.write(planFile, planText.getBytes(StandardCharsets.UTF_8));
  }

  /** Parts of an earlier set with the same stem but another count (zarf#3266: stale parts left behind). */
  static void removeStaleParts(Path dir, String stem, List<Path> keep) throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        PartFormat.Name name = PartFormat.parseName(p.getFileName().toString());
        if (name != null && name.stem().equals(stem) && !keep.contains(p)) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** The sha256 of each file, on every processor. */
  static List<Digest> sha256All(List<Path> files) throws IOException {
    int threads = Math.max(1, Math.min(files.size(), Runtime.getRuntime().availableProcessors()));
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads,
        dev.airlock.Futures.daemon("airlock-part-sha256"));
    try {
      List<java.util.concurrent.CompletableFuture<Digest>> jobs = new ArrayList<>();
      for (Path f : files) {
        jobs.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          try {
            return sha256(f);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }, pool));
      }
      List<Digest> out = new ArrayList<>();
      for (java.util.concurrent.CompletableFuture<Digest> j : jobs) {
        out.add(dev.airlock.Futures.join(j));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  static Digest sha256(Path file) throws IOException {
    return Digest.sha256(file);
  }

  private static void writeFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
    while (b.hasRemaining()) {
      pos += ch.write(b, pos);
    }
  }

  static void readableByAll(Path p) throws IOException {
    try {
      Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system
    }
  }
}
