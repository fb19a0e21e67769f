package dev.airlock.verify.sigstore;

import dev.airlock.VerificationException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * RFC 6962 / RFC 9162 Merkle tree hashing over SHA-256, and the verification of an inclusion proof (audit
 * path) of one leaf in a tree of a given size against its root hash (RFC 9162 section 2.1.3.2). A leaf hash
 * is {@code SHA-256(0x00 || leaf)}, an interior node {@code SHA-256(0x01 || left || right)}.
 */
public final class MerkleProof {
  /** Audit paths of trees up to 2^64 leaves have at most 64 hashes. */
  static final int MAX_PATH = 64;

  private MerkleProof() {}

  public static byte[] leafHash(byte[] leaf) {
    MessageDigest md = sha256();
    md.update((byte) 0);
    md.update(leaf);
    return md.digest();
  }

  public static byte[] nodeHash(byte[] left, byte[] right) {
    MessageDigest md = sha256();
    md.update((byte) 1);
    md.update(left);
    md.update(right);
    return md.digest();
  }

  /**
   * Recomputes the root from {@code leafHash} at {@code index} and the audit path {@code path} of a tree of
   * {@code size} leaves, and compares it with {@code root}.
   *
   * @throws VerificationException naming what is wrong: an index outside the tree, a path of the wrong
   *     length or with a hash that is not 32 bytes, or a root that differs
   */
  public static void verifyInclusion(long index, long size, byte[] leafHash, List<byte[]> path, byte[] root) {
    if (size <= 0 || index < 0 || index >= size) {
      throw new VerificationException("the inclusion proof's leaf index " + index + " is outside a tree of size " + size);
    }
    if (path.size() > MAX_PATH || root.length != 32) {
      throw new VerificationException("the inclusion proof is malformed (" + path.size() + " hashes, a root of "
          + root.length + " bytes)");
    }
    long fn = index;
    long sn = size - 1;
    byte[] r = leafHash;
    for (byte[] p : path) {
      if (p.length != 32) {
        throw new VerificationException("the inclusion proof holds a hash of " + p.length + " bytes, not 32");
      }
      if (sn == 0) {
        throw new VerificationException("the inclusion proof has more hashes than a tree of size " + size + " needs");
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = nodeHash(p, r);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      } else {
        r = nodeHash(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    if (sn != 0) {
      throw new VerificationException("the inclusion proof has fewer hashes than a tree of size " + size + " needs");
    }
    if (!MessageDigest.isEqual(r, root)) {
      throw new VerificationException("the inclusion proof does not lead to the tree's root hash (leaf " + index
          + " of " + size + ")");
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
