package dev.airlock.bundle.parts;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import dev.airlock.InvalidInputException;
import dev.airlock.bundle.BundleTarWriter;
import dev.airlock.bundle.TarAssembly;
import dev.airlock.oci.Digest;
import dev.airlock.progress.ProgressListener;
import dev.airlock.store.AtomicFiles;
import dev.airlock.verify.dsse.Dsse;
import java.io.IOException;
import java.io.OutputStream;
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
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Writes a bundle as a set of zstd-compressed parts (part format version 3, docs/bundle-format.md
 * "Compressed parts") in one streaming pass over the blobs of the working directory: the bundle tarball is
 * cut into ranges while it is compressed, each range a part of its own ({@link ZstdPartFrames}: a head frame
 * with the signed manifest, the range in independent frames of {@link #step} bytes, a tail frame and a seek
 * table). The compressed size is what is bounded: a part is closed before the next step when that step at its
 * worst ({@code ZSTD_compressBound}), the tail and the seek table could pass the volume size. The cut points
 * depend only on the bytes, the volume size and the zstd level, so the same content gives the same parts. The
 * head of every part is reserved at a size fixed before the stream starts (for an upper bound of the part count)
 * and written last, when every part's range and digest are known.
 */
public final class CompressedPartWriter {
  private CompressedPartWriter() {}

  /** The zstd level of the parts (as of a .tar.zst bundle). */
  static final int LEVEL = 3;

  /**
   * @param blobFile where each blob's bytes are (the working directory)
   * @param verified blobs this process checked while they flowed (copied without hashing them again)
   * @param stateDir where the journal of finished parts is kept (null: none, a killed run starts over)
   * @param open how each blob's bytes are read into the stream, checked as they flow (null: from {@code blobFile}):
   *     the bundler fetches large blobs from their source straight into the compressor, so no uncompressed copy
   *     of them is kept on disk
   */
  public record Request(Path output, long volumeSize, Map<Digest, Long> files, Function<Digest, Path> blobFile,
      Predicate<Digest> verified, byte[] indexJson, String bundleName, Digest root, String created,
      PartWriter.Signer signer, SortedSet<Integer> onlyParts, Path stateDir, BundleTarWriter.BlobOpener open) {
    public Request {
      onlyParts = onlyParts == null ? new TreeSet<>() : new TreeSet<>(onlyParts);
    }

    /** Every blob from the working directory. */
    public Request(Path output, long volumeSize, Map<Digest, Long> files, Function<Digest, Path> blobFile,
        Predicate<Digest> verified, byte[] indexJson, String bundleName, Digest root, String created,
        PartWriter.Signer signer, SortedSet<Integer> onlyParts, Path stateDir) {
      this(output, volumeSize, files, blobFile, verified, indexJson, bundleName, root, created, signer, onlyParts,
          stateDir, null);
    }

    /** How each blob is read into the stream: {@code open}, or the working directory's file. */
    BundleTarWriter.BlobOpener opener() {
      return open != null ? open : BundleTarWriter.fromFiles(blobFile, verified);
    }
  }

  /** The compression step for a volume size: 1/32 of it, within 1 KiB and 128 KiB (one zstd block). */
  static int step(long volumeSize) {
    long s = Math.max(1024, Math.min(128 * 1024, volumeSize / 32));
    return (int) (s / 1024 * 1024);
  }

  /**
   * Room kept for the end of a part: the tail frame (the padding and the end-of-archive marker, at most 2 KiB
   * compressed with its header and checksum) and the seek table's fixed part (its header, the entries of the head
   * and of the tail frame, its footer); each data frame adds {@link #ENTRY} bytes of seek table.
   */
  static final long TAIL = Zstd.compressBound(2048) + 32 + ZstdPartFrames.seekTableSize(2);
  /** The seek table bytes of one data frame. */
  static final long ENTRY = 8;
  /**
   * A record of the side file of a part being written: the frame's seek table entry, then the CRC-32C of its
   * compressed bytes (so that a resumed run keeps only frames that are byte for byte what was written).
   */
  static final long SIDE = 12;

  /** What the manifest entry's reservation must spare for the data header's PAX record (a size of 8 GiB or more). */
  static int headerSlack() throws IOException {
    return BundleTarWriter.header(PartFormat.DATA_ENTRY, 1L << 60, false).length - PartFormat.RECORD;
  }

  /** The head's fixed shape for a set of at most {@code parts} parts. */
  record Head(int reserved, long size) {}

  static Head head(String bundleName, String created, int parts) throws IOException {
    int reserved = PartManifest.reservedSize(bundleName, created, parts, true, true) + headerSlack();
    long content = PartFormat.RECORD + reserved + PartFormat.RECORD;
    return new Head(reserved, ZstdPartFrames.headSize(content));
  }

  /** One part as the stream cut it: its range, the blobs split across its edges and its partial file. */
  private record Cut(int number, long offset, long size, Digest digest, List<PartManifest.Chunk> chunks, Path file,
      long frames, Digest seekTable) {}

  public static PartWriter.Result write(Request req, ProgressListener progress) throws IOException {
    Path out = req.output().toAbsolutePath().normalize();
    Path dir = out.getParent();
    String stem = PartFormat.stem(out);
    long volume = req.volumeSize();
    TarAssembly.Layout layout = TarAssembly.plan(req.files(), req.indexJson());
    int step = step(volume);
    int guess = 1;
    for (int round = 0; ; round++) {
      Head head = head(req.bundleName(), req.created(), guess);
      long room = volume - head.size() - TAIL;
      if (room < Zstd.compressBound(step) + step) {
        throw new InvalidInputException("--volume-size " + volume + " bytes leaves no room for compressed data beside"
            + " a part head of " + head.size() + " bytes; use a larger volume");
      }
      // at worst (data that does not compress) a part holds what fits once the last step's bound is kept free
      long perStep = Zstd.compressBound(step) + ENTRY;
      long least = Math.max(step, (room - perStep) / perStep * step);
      int atMost = (int) Math.min(Integer.MAX_VALUE, Math.max(1, (layout.size() + least - 1) / least));
      if (atMost > 99_999) {
        throw new InvalidInputException("--volume-size " + volume + " bytes could cut this " + layout.size()
            + " byte bundle into " + atMost + " parts; use a larger volume");
      }
      if (atMost > guess && round < 8) {
        guess = atMost;
        continue;
      }
      List<Cut> cuts;
      Digest bundleDigest;
      String plan = "compressed parts: volume " + volume + " size " + layout.size() + " root " + req.root() + " head "
          + head.size() + " step " + step + " level " + LEVEL + " zstd " + zstdVersion() + " part format "
          + PartFormat.FORMAT_VERSION_FRAMES;
      int[] going = {0};
      Map<Integer, Kept> kept = resume(req.stateDir(), plan, dir, stem, head.size(), going);
      if (!kept.isEmpty()) {
        progress.info(kept.size() + " compressed part" + (kept.size() > 1 ? "s" : "") + " finished by an interrupted"
            + " run kept (checked where they lie); writing the rest");
      }
      Cutter cutter = new Cutter(dir, stem, volume, head.size(), step, layout, kept,
          req.stateDir() == null ? null : req.stateDir().resolve(JOURNAL), going[0], progress);
      try (cutter) {
        BundleTarWriter.writeTo(cutter, req.files(), req.opener(), req.indexJson(), progress);
        cutter.finish();
        cuts = cutter.cuts;
        bundleDigest = Digest.of(Digest.Algorithm.SHA256, cutter.bundle.digest());
      }
      if (cutter.pos != layout.size()) {
        throw new IllegalStateException("the bundle stream was " + cutter.pos + " bytes, its layout " + layout.size());
      }
      if (cuts.size() > guess) { // compressed beyond zstd's bound: reserve for more parts and write again
        for (Cut c : cuts) {
          Files.deleteIfExists(c.file());
        }
        guess = cuts.size() + cuts.size() / 8 + 1;
        continue;
      }
      PartWriter.Result result = finish(req, out, dir, stem, head, cuts, bundleDigest, layout.size());
      if (req.stateDir() != null) {
        Files.deleteIfExists(req.stateDir().resolve(JOURNAL));
      }
      return result;
    }
  }

  static final String JOURNAL = "parts-zstd.journal";

  /** A part a killed run finished: its range, the sha256 and length of its compressed data frame. */
  record Kept(int number, long offset, long size, Digest digest, long bodyLength, Digest bodyDigest, long frames,
      Digest seekTable) {}

  private static String zstdVersion() {
    try {
      return com.github.luben.zstd.util.ZstdVersion.VERSION;
    } catch (RuntimeException | LinkageError e) {
      return "?";
    }
  }

  /**
   * The parts a killed run of the same plan finished, each checked where it lies (its file's size and the
   * sha256 of its data frame); every other partial part file is removed, and the journal restarted for this plan.
   * The unfinished part of a killed run of the same plan (the first part not kept, when its side file is there)
   * is left for the cutter to continue: its number goes to {@code going[0]} (0: none).
   */
  private static Map<Integer, Kept> resume(Path stateDir, String plan, Path dir, String stem, long headSize,
      int[] going) throws IOException {
    Map<Integer, Kept> kept = new java.util.HashMap<>();
    boolean samePlan = false;
    if (stateDir != null) {
      Files.createDirectories(stateDir);
      Path journal = stateDir.resolve(JOURNAL);
      List<String> lines = Files.exists(journal) ? Files.readAllLines(journal, StandardCharsets.UTF_8) : List.of();
      samePlan = !lines.isEmpty() && lines.get(0).equals(plan);
      if (samePlan) {
        for (String line : lines.subList(1, lines.size())) {
          String[] f = line.split(" ");
          if (f.length != 9 || !f[0].equals("part")) {
            break; // a line cut short by the kill
          }
          try {
            Kept k = new Kept(Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Digest.parse(f[4]),
                Long.parseLong(f[5]), Digest.parse(f[6]), Long.parseLong(f[7]), Digest.parse(f[8]));
            Path file = partial(dir, stem, k.number());
            if (Files.isRegularFile(file) && Files.size(file) == headSize + k.bodyLength()
                && bodyDigest(file, headSize).equals(k.bodyDigest())) {
              kept.put(k.number(), k);
            }
          } catch (RuntimeException e) {
            break;
          }
        }
      }
      StringBuilder b = new StringBuilder(plan).append('\n');
      kept.values().stream().sorted(java.util.Comparator.comparingInt(Kept::number)).forEach(k -> b.append(line(k)));
      AtomicFiles.write(journal, b.toString().getBytes(StandardCharsets.UTF_8));
    }
    String prefix = "." + stem + ".part-";
    int next = 1; // the unfinished part a killed run of this plan was writing: continued after its last good frame
    while (kept.containsKey(next)) {
      next++;
    }
    going[0] = samePlan && Files.isRegularFile(entries(dir, stem, next)) && Files.isRegularFile(partial(dir, stem, next))
        ? next : 0;
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        String name = p.getFileName().toString();
        if (going[0] != 0 && (p.equals(partial(dir, stem, next)) || p.equals(entries(dir, stem, next)))) {
          continue;
        }
        if (name.startsWith(prefix) && name.endsWith(".tar.zst.frames")) {
          Files.deleteIfExists(p); // the seek table entries of a part a killed run did not finish
        } else if (name.startsWith(prefix) && name.endsWith(".tar.zst.partial")) {
          boolean keep = kept.values().stream().anyMatch(k -> partial(dir, stem, k.number()).equals(p));
          if (!keep) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
    return kept;
  }

  static String line(Kept k) {
    return "part " + k.number() + " " + k.offset() + " " + k.size() + " " + k.digest() + " " + k.bodyLength() + " "
        + k.bodyDigest() + " " + k.frames() + " " + k.seekTable() + "\n";
  }

  private static Digest bodyDigest(Path file, long from) throws IOException {
    MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(1 << 16);
      long pos = from;
      int n;
      while ((n = ch.read(buf.clear(), pos)) > 0) {
        md.update(buf.array(), 0, n);
        pos += n;
      }
    }
    return Digest.of(Digest.Algorithm.SHA256, md.digest());
  }

  private static PartWriter.Result finish(Request req, Path out, Path dir, String stem, Head head, List<Cut> cuts,
      Digest bundleDigest, long bundleSize) throws IOException {
    int n = cuts.size();
    for (int k : req.onlyParts()) {
      if (k < 1 || k > n) {
        for (Cut c : cuts) {
          Files.deleteIfExists(c.file());
        }
        throw new InvalidInputException("--only-parts " + k + ": this bundle in compressed volumes of "
            + req.volumeSize() + " bytes has " + n + " part" + (n > 1 ? "s" : ""));
      }
    }
    List<PartManifest.Range> ranges = new ArrayList<>();
    for (Cut c : cuts) {
      ranges.add(new PartManifest.Range(c.number(), c.offset(), c.size(), c.digest()));
    }
    List<Path> partials = new ArrayList<>();
    for (Cut c : cuts) {
      PartManifest m = new PartManifest(PartFormat.FORMAT_VERSION_FRAMES, req.bundleName(), req.root(), req.created(),
          bundleDigest, bundleSize, c.number(), n, req.volumeSize(), ranges.get(c.number() - 1), c.chunks(), ranges,
          new PartManifest.Frames(step(req.volumeSize()), c.frames(), c.seekTable()));
      byte[] payload = m.payload();
      List<Dsse.Signature> sigs = req.signer() == null ? List.of()
          : List.of(req.signer().sign(Dsse.pae(PartFormat.PAYLOAD_TYPE, payload)));
      byte[] dataHeader = BundleTarWriter.header(PartFormat.DATA_ENTRY, c.size(), false);
      int entrySize = head.reserved() - (dataHeader.length - PartFormat.RECORD);
      byte[] entry = PartManifest.entry(new Dsse(PartFormat.PAYLOAD_TYPE, payload, sigs), entrySize);
      java.io.ByteArrayOutputStream content = new java.io.ByteArrayOutputStream();
      content.write(BundleTarWriter.header(PartFormat.MANIFEST_ENTRY, entrySize, false));
      content.write(entry);
      content.write(dataHeader);
      byte[] frame = ZstdPartFrames.head(content.toByteArray());
      if (frame.length != head.size()) {
        throw new IllegalStateException("part head of " + frame.length + " bytes, " + head.size() + " reserved");
      }
      try (FileChannel ch = FileChannel.open(c.file(), StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(frame);
        long pos = 0;
        while (b.hasRemaining()) {
          pos += ch.write(b, pos);
        }
        ch.force(true);
      }
      partials.add(c.file());
    }
    List<Digest> digests = PartWriter.sha256All(partials); // the .sha256 lines: each compressed part file
    List<Path> finals = new ArrayList<>();
    for (Cut c : cuts) {
      finals.add(dir.resolve(PartFormat.partName(stem, c.number(), n, true)));
    }
    List<Path> written = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      PartWriter.readableByAll(partials.get(i));
      if (req.onlyParts().isEmpty() || req.onlyParts().contains(i + 1)) {
        AtomicFiles.moveIntoPlace(partials.get(i), finals.get(i));
        written.add(finals.get(i));
      } else {
        Files.deleteIfExists(partials.get(i)); // --only-parts: the parts not asked for stay as they are
      }
    }
    if (req.onlyParts().isEmpty()) {
      PartWriter.removeStaleParts(dir, stem, finals);
    }
    StringBuilder sums = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sums.append(digests.get(i).hex()).append("  ").append(finals.get(i).getFileName()).append('\n');
    }
    Path sumsFile = dir.resolve(out.getFileName() + ".sha256");
    AtomicFiles.write(sumsFile, sums.toString().getBytes(StandardCharsets.UTF_8));
    PartWriter.readableByAll(sumsFile);
    return new PartWriter.Result(finals, digests, bundleDigest, bundleSize,
        new TarAssembly.Result(bundleDigest, bundleSize, 0, 0, 0, 0), written);
  }

  /** The hidden file a part is written to before the count is known: {@code .site.part-003.tar.zst.partial}. */
  private static Path partial(Path dir, String stem, int number) {
    return dir.resolve("." + stem + ".part-" + String.format("%03d", number) + ".tar.zst.partial");
  }

  /**
   * The side file of a part being written: a record of {@link #SIDE} bytes a frame (its seek table entry, appended
   * to the part at the end, and the CRC-32C of the frame), each written after its frame.
   */
  private static Path entries(Path dir, String stem, int number) {
    return dir.resolve("." + stem + ".part-" + String.format("%03d", number) + ".tar.zst.frames");
  }

  /**
   * The bundle stream in, parts out: buffers {@code step} bytes, decides whether they may still go into the
   * current part, hashes them (the bundle, the part's range, the piece of a blob across a cut) and compresses
   * them as one independent zstd frame (content size and checksum in it), so that the compressed size written is
   * exact after every step. A part ends with the tail frame and the seek table of its frames.
   */
  private static final class Cutter extends OutputStream {
    final Path dir;
    final String stem;
    final long volume;
    final long headSize;
    final long headContent;
    final int step;
    final List<TarAssembly.Slot> slots;
    final MessageDigest bundle = Digest.Algorithm.SHA256.newMessageDigest();
    final List<Cut> cuts = new ArrayList<>();
    final byte[] pending;
    int fill;
    long pos;
    final ZstdCompressCtx ctx = new ZstdCompressCtx();
    final byte[] out;
    // the part being written
    FileChannel ch;
    Path file;
    FileChannel entries;
    Path entriesFile;
    long frames; // frames written to the part after its head (data frames, then the tail frame)
    long partStart;
    long written;
    MessageDigest range;
    List<PartManifest.Chunk> chunks;
    int slot; // the first slot not yet past
    MessageDigest piece;
    long pieceStart;
    final Map<Integer, Kept> kept;
    final Path journal;
    Kept keeping; // the part being passed over: finished by a killed run, kept where it lies
    MessageDigest body;
    final ProgressListener progress;
    final int going; // the part a killed run of this plan left unfinished (0: none)
    long resumable; // whole frames of the unfinished part a killed run left, still to be checked and passed over
    long found; // how many there were
    long continued; // how many were passed over (kept where they lie)
    byte[] check;
    final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    final byte[] record = new byte[(int) SIDE];
    com.github.luben.zstd.ZstdDecompressCtx dctx;

    Cutter(Path dir, String stem, long volume, long headSize, int step, TarAssembly.Layout layout,
        Map<Integer, Kept> kept, Path journal, int going, ProgressListener progress) {
      this.progress = progress;
      this.going = going;
      this.kept = kept;
      this.journal = journal;
      this.dir = dir;
      this.stem = stem;
      this.volume = volume;
      this.headSize = headSize;
      this.headContent = ZstdPartFrames.headContent(headSize);
      this.step = step;
      this.slots = layout.blobs().stream().filter(s -> s.size() > 0)
          .sorted(java.util.Comparator.comparingLong(TarAssembly.Slot::dataStart)).toList();
      this.pending = new byte[step];
      this.out = new byte[(int) Math.max(Zstd.compressBound(step), Zstd.compressBound(2048)) + 64];
      ctx.setLevel(LEVEL);
      ctx.setChecksum(true);
      ctx.setContentSize(true);
      ctx.setWorkers(0);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        int n = Math.min(len, step - fill);
        System.arraycopy(b, off, pending, fill, n);
        fill += n;
        off += n;
        len -= n;
        if (fill == step) {
          step(fill);
          fill = 0;
        }
      }
    }

    void finish() throws IOException {
      if (fill > 0) {
        step(fill);
        fill = 0;
      }
      if (ch != null || keeping != null) {
        closePart();
      }
    }

    private void step(int k) throws IOException {
      if (keeping != null ? pos >= keeping.offset() + keeping.size()
          : ch != null && headSize + written + Zstd.compressBound(k) + ENTRY * (frames + 1) + TAIL > volume) {
        closePart();
      }
      if (ch == null && keeping == null) {
        openPart();
      }
      bundle.update(pending, 0, k);
      range.update(pending, 0, k);
      pieces(pending, k);
      if (keeping == null && !(resumable > 0 && passOver(pending, k))) {
        frame(pending, k);
      }
      pos += k;
    }

    /** Hashes the pieces of blobs in these bytes; a blob that ends in this part after starting in another is a chunk. */
    private void pieces(byte[] b, int k) {
      long from = pos;
      long to = pos + k;
      while (slot < slots.size()) {
        TarAssembly.Slot s = slots.get(slot);
        long end = s.dataStart() + s.size();
        if (s.dataStart() >= to) {
          return;
        }
        long a = Math.max(from, s.dataStart());
        long e = Math.min(to, end);
        if (piece == null) {
          piece = Digest.Algorithm.SHA256.newMessageDigest();
          pieceStart = a;
        }
        piece.update(b, (int) (a - from), (int) (e - a));
        if (e < end) {
          return; // the blob goes on past these bytes
        }
        if (s.dataStart() < partStart) { // began in an earlier part: its last piece
          chunks.add(chunk(s, end));
        }
        piece = null;
        slot++;
      }
    }

    private PartManifest.Chunk chunk(TarAssembly.Slot s, long end) {
      return new PartManifest.Chunk(s.digest(), s.size(), pieceStart - s.dataStart(), pieceStart, end - pieceStart,
          Digest.of(Digest.Algorithm.SHA256, piece.digest()));
    }

    private void openPart() throws IOException {
      int number = cuts.size() + 1;
      file = partial(dir, stem, number);
      partStart = pos;
      range = Digest.Algorithm.SHA256.newMessageDigest();
      chunks = new ArrayList<>();
      Kept k = kept.get(number);
      if (k != null && k.offset() == pos) {
        keeping = k; // its bytes are hashed as they pass, its file stays as it is
        written = k.bodyLength();
        return;
      }
      body = Digest.Algorithm.SHA256.newMessageDigest();
      entriesFile = entries(dir, stem, number);
      boolean resuming = number == going && journal != null && Files.isRegularFile(file)
          && Files.isRegularFile(entriesFile);
      ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
      entries = FileChannel.open(entriesFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.READ);
      frames = 0;
      written = 0;
      resumable = 0;
      continued = 0;
      if (resuming) { // the killed run's frames whose side file record is whole and whose bytes are all in the file
        long n = entries.size() / SIDE;
        long sum = 0;
        for (long i = 0; i < n; i++) {
          if (!readRecord(i)) {
            break;
          }
          long c = ZstdPartFrames.le(record, 0, 4);
          if (c == 0 || c > out.length || headSize + sum + c > ch.size()) {
            break;
          }
          sum += c;
          resumable++;
        }
      }
      found = resumable;
      if (resumable == 0) {
        ch.truncate(0);
        entries.truncate(0);
        if (resuming) {
          progress.info("compressed part " + number + " an interrupted run left holds no whole frame: written again");
        }
      }
    }

    private boolean readRecord(long i) throws IOException {
      ByteBuffer e = ByteBuffer.wrap(record);
      while (e.hasRemaining()) {
        if (entries.read(e, SIDE * i + e.position()) <= 0) {
          return false;
        }
      }
      return true;
    }

    /**
     * The next frame of the unfinished part a killed run left: passed over (hashed as the body, not written) when
     * it decompresses to exactly these bytes; otherwise the part is cut back to here and written on from them.
     */
    private boolean passOver(byte[] b, int k) throws IOException {
      if (readRecord(frames)) {
        long c = ZstdPartFrames.le(record, 0, 4);
        long d = ZstdPartFrames.le(record, 4, 4);
        if (d == k && c > 0 && c <= out.length) {
          ByteBuffer f = ByteBuffer.wrap(out, 0, (int) c);
          while (f.hasRemaining() && ch.read(f, headSize + written + f.position()) > 0) {
            // read the frame
          }
          crc.reset();
          crc.update(out, 0, (int) c);
          boolean same = !f.hasRemaining() && (int) crc.getValue() == (int) ZstdPartFrames.le(record, 8, 4);
          if (same && decompressesTo(c, b, k)) {
            body.update(out, 0, (int) c);
            written += c;
            frames++;
            continued++;
            if (--resumable == 0) {
              stopResuming(false);
            }
            return true;
          }
        }
      }
      stopResuming(true);
      return false;
    }

    /** Whether the frame in {@code out[0, c)} decompresses (its checksum checked) to exactly {@code b[0, k)}. */
    private boolean decompressesTo(long c, byte[] b, int k) {
      if (check == null) {
        check = new byte[step];
        dctx = new com.github.luben.zstd.ZstdDecompressCtx();
      }
      try {
        int got = dctx.decompressByteArray(check, 0, k, out, 0, (int) c);
        return got == k && java.util.Arrays.equals(check, 0, k, b, 0, k);
      } catch (RuntimeException damaged) {
        dctx.reset();
        return false;
      }
    }

    /**
     * Cuts the unfinished part back to the frames passed over; the rest is written from here ({@code mismatch}: the
     * next frame the killed run left is not the one this run writes there; else they were all passed over, or the
     * part ends here and the killed run's tail frame is written again).
     */
    private void stopResuming(boolean mismatch) throws IOException {
      resumable = 0;
      ch.truncate(headSize + written);
      entries.truncate(SIDE * frames);
      if (found > 0) {
        progress.info("compressed part " + (cuts.size() + 1) + " continued after " + continued + " of the " + found
            + " frame" + (found > 1 ? "s" : "") + " an interrupted run wrote (" + written + " bytes kept, each frame"
            + " checked where it lies)" + (mismatch ? "; frame " + (continued + 1) + " did not match: written again"
            + " from there" : ""));
        found = 0;
      }
    }

    /** Compresses {@code b[0, k)} as one frame at the end of the part, its seek table entry into the side file. */
    private void frame(byte[] b, int k) throws IOException {
      int n = ctx.compressByteArray(out, 0, out.length, b, 0, k);
      body.update(out, 0, n);
      put(ch, out, n, headSize + written);
      written += n;
      crc.reset();
      crc.update(out, 0, n);
      System.arraycopy(ZstdPartFrames.seekEntry(n, k), 0, record, 0, 8);
      ZstdPartFrames.putLe(record, 8, crc.getValue(), 4);
      put(entries, record, (int) SIDE, SIDE * frames); // after the frame: a whole record names a whole frame
      frames++;
    }

    private static void put(FileChannel c, byte[] b, int n, long at) throws IOException {
      ByteBuffer buf = ByteBuffer.wrap(b, 0, n);
      while (buf.hasRemaining()) {
        at += c.write(buf, at);
      }
    }

    /** Appends bytes to the part (after its head), hashing them as the body and as the seek table. */
    private void table(byte[] b, int n, MessageDigest seek) throws IOException {
      body.update(b, 0, n);
      seek.update(b, 0, n);
      put(ch, b, n, headSize + written);
      written += n;
    }

    private void closePart() throws IOException {
      if (piece != null) { // a blob cut here: its piece in this part
        TarAssembly.Slot s = slots.get(slot);
        chunks.add(chunk(s, pos));
        piece = null;
      }
      long size = pos - partStart;
      Digest digest = Digest.of(Digest.Algorithm.SHA256, range.digest());
      long dataFrames;
      Digest seekTable;
      if (keeping != null) {
        if (size != keeping.size() || !digest.equals(keeping.digest())) {
          throw new IOException("part " + keeping.number() + " kept from an interrupted run does not hold the bytes"
              + " of this bundle; remove " + file + " and " + journal + " and run again");
        }
        dataFrames = keeping.frames();
        seekTable = keeping.seekTable();
        keeping = null;
      } else {
        if (resumable > 0) { // the killed run's tail frame (it was killed while closing the part)
          stopResuming(false);
        }
        dataFrames = frames;
        frame(new byte[(int) ZstdPartFrames.tail(size)], (int) ZstdPartFrames.tail(size));
        long n = frames + 1; // the head, the data frames, the tail frame
        MessageDigest seek = Digest.Algorithm.SHA256.newMessageDigest();
        table(ZstdPartFrames.seekTableHeader(n), 8, seek);
        table(ZstdPartFrames.seekEntry(headSize, headContent), 8, seek);
        ByteBuffer buf = ByteBuffer.allocate((int) (SIDE * 4096)); // every frame's entry (the tail's too) to the table
        byte[] table = new byte[(int) (ENTRY * 4096)];
        long at = 0;
        long end = SIDE * frames;
        while (at < end) {
          buf.clear().limit((int) Math.min(buf.capacity(), end - at));
          while (buf.hasRemaining()) {
            if (entries.read(buf, at + buf.position()) <= 0) {
              throw new IOException(entriesFile + " is cut short at " + (at + buf.position()) + " of " + end + " bytes");
            }
          }
          int r = buf.position() / (int) SIDE;
          for (int i = 0; i < r; i++) {
            System.arraycopy(buf.array(), i * (int) SIDE, table, i * (int) ENTRY, (int) ENTRY);
          }
          table(table, r * (int) ENTRY, seek);
          at += buf.position();
        }
        table(ZstdPartFrames.seekTableFooter(n), ZstdPartFrames.FOOTER, seek);
        seekTable = Digest.of(Digest.Algorithm.SHA256, seek.digest());
        ch.force(true);
        ch.close();
        ch = null;
        entries.close();
        entries = null;
        Files.deleteIfExists(entriesFile);
        if (journal != null) { // finished: a rerun after a kill keeps it
          Kept k = new Kept(cuts.size() + 1, partStart, size, digest, written,
              Digest.of(Digest.Algorithm.SHA256, body.digest()), dataFrames, seekTable);
          Files.write(journal, line(k).getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        }
      }
      cuts.add(new Cut(cuts.size() + 1, partStart, size, digest, List.copyOf(chunks), file, dataFrames, seekTable));
      if (headSize + written > volume) {
        throw new IllegalStateException("part " + cuts.size() + " is " + (headSize + written) + " bytes, more than "
            + volume);
      }
    }

    @Override
    public void close() throws IOException {
      try {
        if (ch != null) {
          ch.close();
        }
        if (entries != null) {
          entries.close();
        }
      } finally {
        ctx.close();
        if (dctx != null) {
          dctx.close();
        }
      }
    }
  }
}
