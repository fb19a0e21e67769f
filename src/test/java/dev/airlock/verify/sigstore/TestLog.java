package dev.airlock.verify.sigstore;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Json;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A transparency log built in the test: an RFC 6962 Merkle tree over the entry bodies appended to it, its
 * root hash and audit paths computed from the definition (MTH and PATH of RFC 6962 section 2.1, by
 * recursion, independent of the verifier's iterative algorithm), and checkpoints in the signed note format
 * signed with the log's key (ECDSA P-256 over SHA-256, or Ed25519).
 */
final class TestLog {
  final String origin;
  final KeyPair key;
  final List<byte[]> leaves = new ArrayList<>();

  TestLog(String origin, KeyPair key) {
    this.origin = origin;
    this.key = key;
  }

  /** Appends {@code body}; returns its index. */
  long append(byte[] body) {
    leaves.add(body);
    return leaves.size() - 1;
  }

  /** Appends {@code n} filler entries. */
  void fill(int n) {
    for (int i = 0; i < n; i++) {
      append(("filler " + leaves.size()).getBytes(StandardCharsets.UTF_8));
    }
  }

  byte[] root() {
    return mth(0, leaves.size());
  }

  /** RFC 6962 MTH over leaves [from, to). */
  byte[] mth(int from, int to) {
    int n = to - from;
    if (n == 1) {
      return MerkleProof.leafHash(leaves.get(from));
    }
    int k = Integer.highestOneBit(n - 1);
    return MerkleProof.nodeHash(mth(from, from + k), mth(from + k, to));
  }

  /** RFC 6962 PATH(m, D[from:to]). */
  List<byte[]> path(int m, int from, int to) {
    int n = to - from;
    List<byte[]> out = new ArrayList<>();
    if (n == 1) {
      return out;
    }
    int k = Integer.highestOneBit(n - 1);
    if (m < k) {
      out.addAll(path(m, from, from + k));
      out.add(mth(from + k, to));
    } else {
      out.addAll(path(m - k, from + k, to));
      out.add(mth(from, from + k));
    }
    return out;
  }

  List<byte[]> path(long index) {
    return path((int) index, 0, leaves.size());
  }

  /** The note body for the current tree, signed by {@code signer}. */
  String checkpoint(KeyPair signer) throws Exception {
    return checkpoint(leaves.size(), root(), signer);
  }

  String checkpoint(long size, byte[] root, KeyPair signer) throws Exception {
    String body = origin + "\n" + size + "\n" + Base64.getEncoder().encodeToString(root) + "\n";
    boolean ed = signer.getPublic().getAlgorithm().startsWith("Ed");
    Signature s = Signature.getInstance(ed ? "Ed25519" : "SHA256withECDSA");
    s.initSign(signer.getPrivate());
    s.update(body.getBytes(StandardCharsets.UTF_8));
    byte[] sig = s.sign();
    byte[] hint = Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(signer.getPublic().getEncoded()), 4);
    byte[] line = new byte[4 + sig.length];
    System.arraycopy(hint, 0, line, 0, 4);
    System.arraycopy(sig, 0, line, 4, sig.length);
    return body + "\n\u2014 " + origin.split(" ")[0] + " " + Base64.getEncoder().encodeToString(line) + "\n";
  }

  /** The bundle's {@code inclusionProof} for the entry at {@code index}, in the current tree. */
  ObjectNode inclusionProof(long index) throws Exception {
    Base64.Encoder b64 = Base64.getEncoder();
    ObjectNode p = Json.MAPPER.createObjectNode();
    p.put("logIndex", Long.toString(index));
    p.put("rootHash", b64.encodeToString(root()));
    p.put("treeSize", Long.toString(leaves.size()));
    var hashes = p.putArray("hashes");
    path(index).forEach(h -> hashes.add(b64.encodeToString(h)));
    p.putObject("checkpoint").put("envelope", checkpoint(key));
    return p;
  }
}
