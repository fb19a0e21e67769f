package dev.airlock.bundle.parts;

import dev.airlock.bundle.TarAssembly;
import dev.airlock.oci.Digest;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Hashes the bundle stream as the assembly reads it back, in order: the sha256 of each part's range and of
 * each chunk of a blob split across parts (each on a thread of its own: {@link #sinks}).
 */
final class PartHashes implements TarAssembly.ByteSink {
  /** A blob's piece in one part, before its digest is known. */
  record Piece(int part, Digest blob, long blobSize, long blobOffset, long at, long size) {}

  private final List<PartPlan.Part> parts;
  private final List<Piece> pieces;
  private final MessageDigest[] partDigests;
  private final Digest[] pieceDigests;
  private int part;
  private int piece;
  private MessageDigest pieceDigest;

  PartHashes(PartPlan plan, List<TarAssembly.Slot> slots) {
    this.parts = plan.parts();
    this.pieces = split(plan, slots);
    this.partDigests = new MessageDigest[parts.size()];
    for (int i = 0; i < parts.size(); i++) {
      partDigests[i] = Digest.Algorithm.SHA256.newMessageDigest();
    }
    this.pieceDigests = new Digest[pieces.size()];
  }

  /** Every piece of a blob that does not lie whole in one part. */
  static List<Piece> split(PartPlan plan, List<TarAssembly.Slot> slots) {
    List<Piece> out = new ArrayList<>();
    List<PartPlan.Part> parts = plan.parts();
    int p = 0;
    for (TarAssembly.Slot s : slots) {
      long end = s.dataStart() + s.size();
      while (p < parts.size() - 1 && parts.get(p).offset() + parts.get(p).size() <= s.dataStart()) {
        p++;
      }
      PartPlan.Part first = parts.get(p);
      if (s.size() == 0 || end <= first.offset() + first.size()) {
        continue; // whole in one part
      }
      for (int q = p; q < parts.size() && parts.get(q).offset() < end; q++) {
        PartPlan.Part part = parts.get(q);
        long from = Math.max(part.offset(), s.dataStart());
        long to = Math.min(part.offset() + part.size(), end);
        out.add(new Piece(part.number(), s.digest(), s.size(), from - s.dataStart(), from, to - from));
      }
    }
    return out;
  }

  @Override
  public void accept(long position, byte[] bytes, int offset, int length) {
    acceptRanges(position, bytes, offset, length);
    hashPieces(position, bytes, offset, length);
  }

  /**
   * The two digests as two sinks, each fed by its own thread ({@link TarAssembly#assembleInPlace(
   * java.nio.channels.FileChannel, java.nio.file.Path, java.util.Map, java.util.function.Function, byte[], int,
   * dev.airlock.progress.ProgressListener, List)}): the parts' ranges, and the chunks of split blobs.
   */
  List<TarAssembly.ByteSink> sinks() {
    if (pieces.isEmpty()) {
      return List.of(this::acceptRanges);
    }
    TarAssembly.ByteSink chunks = new TarAssembly.ByteSink() {
      @Override
      public void accept(long position, byte[] bytes, int offset, int length) {
        hashPieces(position, bytes, offset, length);
      }

      @Override
      public long next(long position) {
        return nextPiece(position);
      }
    };
    return List.of(this::acceptRanges, chunks);
  }

  /** Where the next byte of a piece lies at or after {@code position} (none left: never). */
  private long nextPiece(long position) {
    return piece < pieces.size() ? Math.max(position, pieces.get(piece).at()) : Long.MAX_VALUE;
  }

  private void acceptRanges(long position, byte[] bytes, int offset, int length) {
    long pos = position;
    int off = offset;
    int left = length;
    while (left > 0) {
      PartPlan.Part cur = parts.get(part);
      long partEnd = cur.offset() + cur.size();
      if (pos >= partEnd) {
        part++;
        continue;
      }
      int n = (int) Math.min(left, partEnd - pos);
      partDigests[part].update(bytes, off, n);
      pos += n;
      off += n;
      left -= n;
    }
  }

  private void hashPieces(long pos, byte[] bytes, int off, int len) {
    long end = pos + len;
    while (piece < pieces.size()) {
      Piece pc = pieces.get(piece);
      long pcEnd = pc.at() + pc.size();
      if (pc.at() >= end) {
        return;
      }
      long from = Math.max(pos, pc.at());
      long to = Math.min(end, pcEnd);
      if (to > from) {
        if (pieceDigest == null) {
          pieceDigest = Digest.Algorithm.SHA256.newMessageDigest();
        }
        pieceDigest.update(bytes, off + (int) (from - pos), (int) (to - from));
      }
      if (to < pcEnd) {
        return;
      }
      if (pieceDigest == null) { // an empty piece cannot occur, but keep the count right
        pieceDigest = Digest.Algorithm.SHA256.newMessageDigest();
      }
      pieceDigests[piece] = Digest.of(Digest.Algorithm.SHA256, pieceDigest.digest());
      pieceDigest = null;
      piece++;
    }
  }

  /** Each part's range with its digest (after the whole stream went through). */
  List<PartManifest.Range> ranges() {
    List<PartManifest.Range> out = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      PartPlan.Part p = parts.get(i);
      out.add(new PartManifest.Range(p.number(), p.offset(), p.size(),
          Digest.of(Digest.Algorithm.SHA256, partDigests[i].digest())));
    }
    return out;
  }

  /** The chunks of part {@code number}. */
  List<PartManifest.Chunk> chunks(int number) {
    List<PartManifest.Chunk> out = new ArrayList<>();
    for (int i = 0; i < pieces.size(); i++) {
      Piece pc = pieces.get(i);
      if (pc.part() == number) {
        out.add(new PartManifest.Chunk(pc.blob(), pc.blobSize(), pc.blobOffset(), pc.at(), pc.size(), pieceDigests[i]));
      }
    }
    return out;
  }
}
