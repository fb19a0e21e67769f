package dev.airlock.verify.notation;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.security.cert.X509CRL;
import java.util.ArrayList;
import java.util.List;

/**
 * CRLs carried in a bundle, for Notation revocation checks offline: every entry of the bundle whose
 * {@code artifactType} is {@code application/pkix-crl} (RFC 2585's media type; e.g. {@code oras push
 * --artifact-type application/pkix-crl crl.crl:application/pkix-crl}) contributes the CRLs of its layers of that
 * media type (DER or PEM, up to 16 MiB a layer). They count as the trust store's own: a CRL is trusted only
 * when its issuer's key verifies it, so carrying one adds no trust; it only lets a fresh CRL travel with the
 * content it judges. Such entries are trust material, not images: image policies do not evaluate them.
 */
public final class CarriedCrls {
  public static final String MEDIA_TYPE = "application/pkix-crl";
  static final int LAYER_CAP = 16 << 20;
  static final int MAX_LAYERS = 1000;

  private CarriedCrls() {}

  /** An index entry that carries CRLs. */
  public static boolean carriesCrls(Descriptor entry) {
    return MEDIA_TYPE.equals(entry.artifactType());
  }

  /** The CRLs of every CRL-carrying entry of {@code entries} (index.json descriptors with ref names). */
  public static List<X509CRL> read(ContentStore store, List<Descriptor> entries, java.util.function.Function<String, String> repositoryOf)
      throws IOException {
    List<X509CRL> out = new ArrayList<>();
    int layers = 0;
    for (Descriptor e : entries) {
      String ref = e.annotation(Descriptor.REF_NAME);
      if (!carriesCrls(e) || ref == null) {
        continue;
      }
      String repo = repositoryOf.apply(ref);
      RawManifest m = store.getManifest(repo, e.digest().toString());
      for (Descriptor l : m.layers()) {
        if (!MEDIA_TYPE.equals(l.mediaType())) {
          continue;
        }
        if (++layers > MAX_LAYERS) {
          throw new InvalidInputException("the bundle carries more than " + MAX_LAYERS + " CRL layers");
        }
        if (l.size() > LAYER_CAP) {
          throw new InvalidInputException("CRL layer " + l.digest() + " of " + ref + " is " + l.size()
              + " bytes, more than the " + LAYER_CAP + " read");
        }
        byte[] bytes;
        try (InputStream in = store.openBlob(repo, l)) {
          bytes = Json.readCapped(in, LAYER_CAP, "CRL layer " + l.digest());
        }
        out.addAll(TrustStore.parseCrls(bytes, "CRL layer " + l.digest().shortForm() + " of " + ref));
      }
    }
    return out;
  }
}
