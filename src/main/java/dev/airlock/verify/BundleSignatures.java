package dev.airlock.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.AirlockException;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import dev.airlock.verify.dsse.Dsse;
import dev.airlock.verify.dsse.Statement;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What a bundle's signatures claim, read without verifying them (for {@code audit}): the key id each names
 * (the public-key hint of its Sigstore bundle) and the bundle name and creation time of its statement.
 * Nothing here is to be trusted: {@link BundleSignatureVerifier} decides whether a signature verifies.
 */
public final class BundleSignatures {
  private BundleSignatures() {}

  /**
   * One signature manifest of the bundle root.
   *
   * @param keyIdHint the key id the signature names (hex sha256 of the PKIX public key), or null
   * @param identity the signer identity of a certificate-based signature, or null
   */
  public record Claimed(Digest digest, String keyIdHint, String identity, String name, String created) {}

  /** The signatures whose subject is the bundle root, as index.json lists them. */
  public static List<Claimed> of(ContentStore store, List<Descriptor> entries) throws IOException {
    Digest root = null;
    for (Descriptor e : entries) {
      if (BundleFormat.ROOT_REF_NAME.equals(e.annotation(Descriptor.REF_NAME))) {
        root = e.digest();
      }
    }
    List<Claimed> out = new ArrayList<>();
    if (root == null) {
      return out;
    }
    for (Descriptor e : entries) {
      if (e.annotation(Descriptor.REF_NAME) != null || !MediaTypes.isImageManifest(e.mediaType())
          || (e.artifactType() != null && !MediaTypes.SIGSTORE_BUNDLE_V03.equals(e.artifactType()))) {
        continue;
      }
      RawManifest m = store.getManifest("", e.digest().toString());
      if (m.subject() == null || !m.subject().digest().equals(root)
          || !MediaTypes.SIGSTORE_BUNDLE_V03.equals(m.artifactType())) {
        continue;
      }
      out.add(claimed(store, m));
    }
    return out;
  }

  private static Claimed claimed(ContentStore store, RawManifest m) throws IOException {
    Descriptor layer = m.layers().stream().filter(l -> MediaTypes.SIGSTORE_BUNDLE_V03.equals(l.mediaType())).findFirst()
        .orElse(null);
    if (layer == null) {
      return new Claimed(m.digest(), null, null, null, null);
    }
    byte[] bytes;
    try (InputStream in = store.openBlob("", layer)) {
      bytes = Json.readCapped(in, Json.MANIFEST_CAP, "Sigstore bundle " + layer.digest());
    }
    JsonNode b = Json.tree(bytes, "Sigstore bundle " + layer.digest());
    JsonNode vm = b.path("verificationMaterial");
    String hint = vm.path("publicKey").path("hint").asText(null);
    String identity = vm.has("certificate") || vm.has("x509CertificateChain") ? "certificate (keyless)" : null;
    String name = null;
    String created = null;
    try {
      Dsse env = Dsse.fromJson(b.path("dsseEnvelope"), "bundle signature " + m.digest());
      Statement st = Statement.parse(env.payload(), "the bundle statement");
      name = st.predicate().path("name").asText(null);
      created = st.predicate().path("created").asText(null);
    } catch (AirlockException e) {
      // not a statement airlock can read: the signature still shows, with what it names
    }
    return new Claimed(m.digest(), hint, identity, name, created);
  }
}
