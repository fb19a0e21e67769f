package dev.airlock.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.VerificationException;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import dev.airlock.verify.dsse.Dsse;
import dev.airlock.verify.dsse.Statement;
import dev.airlock.verify.integrity.BundleContents;
import dev.airlock.verify.keys.PublicKeys;
import java.io.IOException;
import java.io.InputStream;
import java.security.PublicKey;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Checks the bundle signature: a Sigstore bundle (DSSE over the in-toto bundle statement) that one of the
 * pinned keys signed, whose subjects are exactly this bundle's root index, catalog and lock file.
 */
public final class BundleSignatureVerifier {
  private BundleSignatureVerifier() {}

  /** A verified bundle statement. */
  public record SignedStatement(String name, Instant created, String keyId) {}

  /**
   * @return the verified statement
   * @throws VerificationException when no signature verifies with any of {@code keys}
   */
  public static SignedStatement verify(ContentStore store, BundleContents contents, List<PublicKey> keys)
      throws IOException {
    if (contents.signatures().isEmpty()) {
      throw new VerificationException("the bundle is not signed (use --allow-unsigned to accept an unsigned bundle)");
    }
    if (keys.isEmpty()) {
      throw new VerificationException("the bundle is signed but no key was given to verify it (--key PUB)");
    }
    String firstProblem = null;
    for (Descriptor sig : contents.signatures()) {
      try {
        return verifyOne(store, contents, sig, keys);
      } catch (VerificationException e) {
        firstProblem = firstProblem == null ? e.getMessage() : firstProblem;
      }
    }
    throw new VerificationException(firstProblem);
  }

  private static SignedStatement verifyOne(ContentStore store, BundleContents contents, Descriptor sig,
      List<PublicKey> keys) throws IOException {
    RawManifest m = store.getManifest("", sig.digest().toString());
    Descriptor layer = m.layers().stream().filter(l -> MediaTypes.SIGSTORE_BUNDLE_V03.equals(l.mediaType()))
        .findFirst().orElseThrow(() -> new VerificationException(
            "bundle signature " + sig.digest() + " has no Sigstore bundle layer"));
    byte[] bundleBytes;
    try (InputStream in = store.openBlob("", layer)) {
      bundleBytes = Json.readCapped(in, Json.MANIFEST_CAP, "Sigstore bundle " + layer.digest());
    }
    JsonNode bundle = Json.tree(bundleBytes, "Sigstore bundle " + layer.digest());
    if (!bundle.path("dsseEnvelope").isObject()) {
      throw new VerificationException("bundle signature " + sig.digest() + " carries no DSSE envelope");
    }
    Dsse env = Dsse.fromJson(bundle.path("dsseEnvelope"), "bundle signature " + sig.digest());
    PublicKey signer = null;
    for (PublicKey k : keys) {
      if (env.verifiedBy(k)) {
        signer = k;
        break;
      }
    }
    if (signer == null) {
      throw new VerificationException("the bundle signature " + sig.digest().shortForm()
          + " does not verify with any of the " + keys.size() + " given key(s)");
    }
    if (!MediaTypes.IN_TOTO.equals(env.payloadType())) {
      throw new VerificationException("the bundle signature payload type is " + env.payloadType() + ", not in-toto");
    }
    Statement st = Statement.parse(env.payload(), "the bundle statement");
    if (!BundleFormat.PREDICATE_TYPE.equals(st.predicateType())) {
      throw new VerificationException("the bundle statement has predicate type " + st.predicateType());
    }
    expect(st, BundleFormat.SUBJECT_INDEX, contents.root().digest());
    expect(st, BundleSigner.SUBJECT_CATALOG, contents.catalog());
    expect(st, BundleSigner.SUBJECT_LOCK, contents.lock());
    Instant created;
    try {
      created = Instant.parse(st.predicate().path("created").asText(""));
    } catch (DateTimeParseException e) {
      throw new VerificationException("the bundle statement has no valid 'created' time");
    }
    return new SignedStatement(st.predicate().path("name").asText(""), created, PublicKeys.keyId(signer));
  }

  private static void expect(Statement st, String name, Digest d) {
    Digest signed = st.subjects().get(name);
    if (!d.equals(signed)) {
      throw new VerificationException("the signed bundle statement names " + name + " " + signed
          + " but the bundle has " + d);
    }
  }
}
