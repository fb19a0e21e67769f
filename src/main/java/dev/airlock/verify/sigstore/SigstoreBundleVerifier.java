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
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Base64;
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
    Bundle bundle = parse(bundleJson);
    try {
      KeylessVerifier v = KeylessVerifier.builder().trustedRootProvider(root::sigstore).build();
      VerificationOptions opts = VerificationOptions.builder().addCertificateMatchers(identity.matcher()).build();
      v.verify(rawDigest(artifactDigest), bundle, opts);
    } catch (Exception e) {
      throw new VerificationException("keyless verification failed: " + Json.firstLine(e.getMessage()), e);
    }
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
    byte[] sig;
    byte[] md;
    try {
      sig = Base64.getDecoder().decode(ms.path("signature").asText(""));
      md = Base64.getDecoder().decode(ms.path("messageDigest").path("digest").asText(""));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("the Sigstore bundle message signature is not base64");
    }
    if (md.length > 0 && !java.security.MessageDigest.isEqual(md, rawDigest(artifactDigest))) {
      throw new VerificationException("the bundle's message digest does not match " + artifactDigest);
    }
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
