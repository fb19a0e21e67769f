package dev.airlock.verify.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.verify.dsse.Dsse;
import dev.airlock.verify.dsse.Statement;
import dev.airlock.verify.keys.PublicKeys;
import dev.sigstore.KeylessVerifier;
import dev.sigstore.VerificationOptions;
import dev.sigstore.bundle.Bundle;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.util.ArrayList;
import java.util.Base64;
import java.time.Instant;
import java.util.List;

/**
 * Verifies a Sigstore bundle (v0.1 to v0.3) over an artifact, offline: keyless through sigstore-java's
 * {@link KeylessVerifier} against a given trusted root (certificate chain to Fulcio, Rekor inclusion,
 * identity), or keyed with plain JCA against pinned public keys.
 */
public final class SigstoreBundleVerifier {
  private SigstoreBundleVerifier() {}

  /**
   * Keyless: the bundle's certificate must chain to the trusted root's Fulcio CA and match
   * {@code identity}, its log entry must verify with the trusted root's Rekor key, and the signature must
   * cover {@code artifactDigest} (a message signature over it, or a DSSE statement naming it).
   *
   * @return the in-toto statement when the bundle carries DSSE, else null
   */
  public static Statement verifyKeyless(Digest artifactDigest, byte[] bundleJson, TrustRoot root,
      CertificateIdentity identity) {
    return verifyKeyless(artifactDigest, bundleJson, root, identity, Instant.now());
  }

  /** As above; {@code now} bounds the integrated times (an entry from the future is refused). */
  public static Statement verifyKeyless(Digest artifactDigest, byte[] bundleJson, TrustRoot root,
      CertificateIdentity identity, Instant now) {
    JsonNode tree = Json.tree(bundleJson, "Sigstore bundle");
    TlogEntryRules.requireSignedTime(tree);
    TlogEntryRules.requireInclusionProof(tree);
    if (OwnKeylessVerifier.applies(tree)) {
      // v0.1 without a checkpointed proof, or hashedrekord over DSSE: sigstore-java 2.0.0 reads neither
      Statement st = OwnKeylessVerifier.verify(tree, rawDigest(artifactDigest), root, identity);
      TlogEntryRules.check(tree, rawDigest(artifactDigest), root, now);
      return st;
    }
    Bundle bundle = parse(bundleJson);
    try {
      KeylessVerifier v = KeylessVerifier.builder().trustedRootProvider(root::sigstore).build();
      VerificationOptions opts = VerificationOptions.builder().addCertificateMatchers(identity.matcher()).build();
      v.verify(rawDigest(artifactDigest), bundle, opts);
    } catch (Exception e) {
      throw new VerificationException("keyless verification failed: " + Json.firstLine(e.getMessage()), e);
    }
    TlogEntryRules.check(tree, rawDigest(artifactDigest), root, now);
    return bundle.getDsseEnvelope().isPresent()
        ? Statement.parse(bundle.getDsseEnvelope().get().getPayload(), "DSSE payload") : null;
  }

  /**
   * Keyed: a DSSE envelope whose PAE verifies with one of {@code keys} and whose statement names
   * {@code artifactDigest}, or a message signature over {@code artifact} (whose digest must match).
   *
   * @param artifact the artifact bytes for message signatures (null when only DSSE is acceptable)
   * @return the in-toto statement when the bundle carries DSSE, else null
   */
  public static Statement verifyKeyed(Digest artifactDigest, byte[] artifact, byte[] bundleJson, List<PublicKey> keys) {
    JsonNode b = Json.tree(bundleJson, "Sigstore bundle");
    if (b.path("dsseEnvelope").isObject()) {
      Dsse env = Dsse.fromJson(b.path("dsseEnvelope"), "Sigstore bundle");
      if (keys.stream().noneMatch(env::verifiedBy)) {
        throw new VerificationException("the DSSE signature does not verify with any of the " + keys.size() + " key(s)");
      }
      Statement st = Statement.parse(env.payload(), "DSSE payload");
      if (!st.hasSubjectDigest(artifactDigest)) {
        throw new VerificationException("the signed statement does not name " + artifactDigest);
      }
      return st;
    }
    JsonNode ms = b.path("messageSignature");
    if (!ms.isObject()) {
      throw new InvalidInputException("the Sigstore bundle has neither dsseEnvelope nor messageSignature");
    }
    byte[] sig = messageSignature(ms, artifactDigest);
    if (artifact == null || !Digest.sha256(artifact).equals(artifactDigest)) {
      throw new VerificationException("the artifact " + artifactDigest + " is not available to check its message signature");
    }
    for (PublicKey k : keys) {
      if (PublicKeys.verify(k, artifact, sig)) {
        return null;
      }
    }
    throw new VerificationException("the message signature does not verify with any of the " + keys.size() + " key(s)");
  }

  /** Ed25519 (pure EdDSA) needs the whole message; the JDK buffers it, so only files up to this size. */
  static final long ED25519_MESSAGE_CAP = 64L << 20;

  /**
   * Keyed, over a file of any size, streaming: one pass hashes the file and feeds one signature check
   * per key (ECDSA and RSA over SHA-256 keep memory flat). A DSSE bundle must name the file's digest;
   * a message signature must cover the file and its message digest, when present, must match.
   *
   * @return the file's sha256 digest
   */
  public static Digest verifyKeyedFile(Path artifact, byte[] bundleJson, List<PublicKey> keys) throws IOException {
    JsonNode b = Json.tree(bundleJson, "Sigstore bundle");
    boolean message = !b.path("dsseEnvelope").isObject() && b.path("messageSignature").isObject();
    long size = Files.size(artifact);
    List<Signature> checks = new ArrayList<>();
    if (message) {
      for (PublicKey k : keys) {
        if (PublicKeys.signatureAlgorithm(k).equals("Ed25519") && size > ED25519_MESSAGE_CAP) {
          continue; // cannot be streamed; such a key cannot have verified it within bounded memory
        }
        try {
          Signature sig = Signature.getInstance(PublicKeys.signatureAlgorithm(k));
          sig.initVerify(k);
          checks.add(sig);
        } catch (GeneralSecurityException e) {
          // an unusable key verifies nothing
        }
      }
    }
    MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
    try (InputStream in = Files.newInputStream(artifact)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
        for (Signature sig : checks) {
          sig.update(buf, 0, n);
        }
      }
    } catch (SignatureException e) {
      throw new IllegalStateException(e);
    }
    Digest digest = Digest.of(Digest.Algorithm.SHA256, md.digest());
    if (!message) {
      verifyKeyed(digest, null, bundleJson, keys);
      return digest;
    }
    byte[] signature = messageSignature(b.path("messageSignature"), digest);
    for (Signature sig : checks) {
      try {
        if (sig.verify(signature)) {
          return digest;
        }
      } catch (SignatureException e) {
        // malformed for this key: try the next
      }
    }
    throw new VerificationException("the message signature does not verify with any of the " + keys.size() + " key(s)"
        + (size > ED25519_MESSAGE_CAP && checks.size() < keys.size() ? " (Ed25519 keys check files up to "
            + ED25519_MESSAGE_CAP + " bytes)" : ""));
  }

  /** The signature of a message-signature bundle, after checking its message digest (when present) is {@code digest}'s. */
  private static byte[] messageSignature(JsonNode ms, Digest digest) {
    byte[] sig;
    byte[] md;
    try {
      sig = Base64.getDecoder().decode(ms.path("signature").asText(""));
      md = Base64.getDecoder().decode(ms.path("messageDigest").path("digest").asText(""));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("the Sigstore bundle message signature is not base64");
    }
    if (md.length > 0 && !MessageDigest.isEqual(md, rawDigest(digest))) {
      throw new VerificationException("the bundle's message digest does not match " + digest);
    }
    return sig;
  }

  private static Bundle parse(byte[] json) {
    try {
      return Bundle.from(new StringReader(new String(json, StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new InvalidInputException("not a valid Sigstore bundle: " + Json.firstLine(e.getMessage()));
    }
  }

  private static byte[] rawDigest(Digest d) {
    if (d.algorithm() != Digest.Algorithm.SHA256) {
      throw new InvalidInputException("only sha256 artifacts can be verified, got " + d);
    }
    return java.util.HexFormat.of().parseHex(d.hex());
  }
}
