package dev.airlock.sitesign;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.AirlockException;
import dev.airlock.VerificationException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import dev.airlock.verify.dsse.Statement;
import dev.airlock.verify.policy.CosignSignatureVerifier;
import dev.airlock.verify.sigstore.SigstoreBundleVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks an image's signatures against public keys, as cosign verifies a key-based signature: its Sigstore
 * bundle referrers (DSSE over an in-toto statement of type {@value SiteSignature#PREDICATE_TYPE} naming the image
 * digest; or a message signature over the digest) and, when asked, its legacy {@code .sig} tag. Passes when at
 * least one verifies; otherwise fails with one line saying why each candidate did not.
 */
public final class SiteSignatureVerifier {
  private SiteSignatureVerifier() {}

  /** A signature that verified: where it is, and the admission it records (null when it records none). */
  public record Verified(Digest signature, String form, Admission admission) {}

  /** What verification found: the image digest, every verified signature. */
  public record Result(Digest image, List<Verified> verified) {}

  /** Sigstore bundles and signature payloads are read up to this size. */
  static final int CAP = Json.MANIFEST_CAP;

  public static Result verify(ContentStore store, String repository, String reference, List<PublicKey> keys,
      boolean legacy) throws IOException {
    if (keys.isEmpty()) {
      throw new dev.airlock.InvalidInputException("no public key to verify with");
    }
    Digest image = store.resolve(repository, reference)
        .orElseThrow(() -> new VerificationException(where(store, repository, reference) + " does not exist"))
        .digest();
    List<Verified> ok = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    for (Descriptor d : store.referrers(repository, image, MediaTypes.SIGSTORE_BUNDLE_V03)) {
      try {
        ok.add(checkBundleReferrer(store, repository, image, d, keys));
      } catch (VerificationException | DigestMismatchException | dev.airlock.InvalidInputException e) {
        refused.add("bundle " + d.digest().shortForm() + ": " + Json.firstLine(e.getMessage()));
      } catch (dev.airlock.NotFoundException e) {
        refused.add("bundle " + d.digest().shortForm() + ": listed but not there");
      }
    }
    if (legacy) {
      checkLegacy(store, repository, image, keys, ok, refused);
    }
    if (ok.isEmpty()) {
      String what = where(store, repository, image.toString());
      throw new VerificationException(refused.isEmpty()
          ? "no signature of " + what + (legacy ? " (no Sigstore bundle referrer, no .sig tag)" : " (no Sigstore bundle referrer)")
          : "no signature of " + what + " verifies with the " + keys.size() + " key(s): " + String.join("; ", refused));
    }
    return new Result(image, ok);
  }

  private static Verified checkBundleReferrer(ContentStore store, String repo, Digest image, Descriptor d,
      List<PublicKey> keys) throws IOException {
    RawManifest m = store.getManifest(repo, d.digest().toString());
    if (m.isIndex() || m.layers().size() != 1 || !MediaTypes.SIGSTORE_BUNDLE_V03.equals(m.layers().get(0).mediaType())) {
      throw new VerificationException("not a Sigstore bundle manifest (one layer of " + MediaTypes.SIGSTORE_BUNDLE_V03 + ")");
    }
    if (m.subject() == null || !image.equals(m.subject().digest())) {
      throw new VerificationException("its subject is not " + image.shortForm());
    }
    byte[] bundle = read(store, repo, m.layers().get(0));
    JsonNode b = Json.tree(bundle, "Sigstore bundle");
    if (!b.path("dsseEnvelope").isObject()) {
      // a message signature over the image manifest (cosign sign-blob style): check it over the manifest bytes
      RawManifest manifest = store.getManifest(repo, image.toString());
      SigstoreBundleVerifier.verifyKeyed(image, manifest.bytes(), bundle, keys);
      return new Verified(d.digest(), "message signature", null);
    }
    Statement st = SigstoreBundleVerifier.verifyKeyed(image, null, bundle, keys);
    if (!SiteSignature.PREDICATE_TYPE.equals(st.predicateType())) {
      throw new VerificationException("the signed statement is a " + st.predicateType() + " attestation, not an"
          + " image signature (" + SiteSignature.PREDICATE_TYPE + ")");
    }
    return new Verified(d.digest(), "sigstore bundle", Admission.fromPredicate(st.predicate()));
  }

  private static void checkLegacy(ContentStore store, String repo, Digest image, List<PublicKey> keys,
      List<Verified> ok, List<String> refused) throws IOException {
    String tag = image.tagForm() + ".sig";
    RawManifest sig;
    try {
      sig = store.getManifest(repo, tag);
    } catch (dev.airlock.NotFoundException e) {
      return;
    }
    for (Descriptor layer : sig.layers()) {
      if (!MediaTypes.COSIGN_SIMPLESIGNING.equals(layer.mediaType())) {
        continue;
      }
      try {
        byte[] payload = read(store, repo, layer);
        CosignSignatureVerifier.verifyKeyed(payload, layer.annotation(CosignSignatureVerifier.SIGNATURE_ANNOTATION),
            image, keys);
        ok.add(new Verified(sig.digest(), "legacy " + tag, null));
      } catch (DigestMismatchException | AirlockException e) {
        refused.add(tag + " layer " + layer.digest().shortForm() + ": " + Json.firstLine(e.getMessage()));
      }
    }
  }

  private static byte[] read(ContentStore store, String repo, Descriptor layer) throws IOException {
    if (layer.size() > CAP || layer.size() < 0) {
      throw new VerificationException("its layer declares " + layer.size() + " bytes (at most " + CAP + " are read)");
    }
    try (InputStream in = store.openBlob(repo, layer)) {
      return Json.readCapped(in, CAP, "signature layer " + layer.digest().shortForm());
    }
  }

  private static String where(ContentStore store, String repo, String ref) {
    return store.describe() + (repo.isEmpty() ? "" : "/" + repo) + (ref.contains(":") ? "@" : ":") + ref;
  }
}
