package dev.airlock.verify.notation;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Verifies an artifact (image, index or other artifact) by its Notation signatures in a store, as
 * {@code notation verify} does: a skip statement passes without looking; otherwise every signature found
 * is verified until one passes, and an artifact with none fails.
 */
public final class NotationArtifactVerifier {
  /** Envelopes are small; this caps what is read of one. */
  public static final int ENVELOPE_CAP = Json.MANIFEST_CAP;

  private NotationArtifactVerifier() {}

  /** The artifact's verdict and every signature's result. */
  public record Verdict(boolean passed, String summary, List<NotationResult> signatures) {}

  public static Verdict verify(ContentStore store, String repository, Descriptor subject, TrustPolicyStatement statement,
      NotationVerifier verifier) throws IOException {
    if (statement.level().isSkip()) {
      return new Verdict(true, "notation trust policy statement '" + statement.name()
          + "' is set to skip signature verification", List.of());
    }
    List<RawManifest> sigs = NotationSignatures.find(store, repository, subject.digest());
    if (sigs.isEmpty()) {
      return new Verdict(false, "no Notation signature found for " + subject.digest().shortForm()
          + " (statement '" + statement.name() + "', level " + statement.level() + ")", List.of());
    }
    List<NotationResult> results = new ArrayList<>();
    for (RawManifest m : sigs) {
      NotationResult r;
      Descriptor layer = m.layers().size() == 1 ? m.layers().get(0) : null;
      if (layer == null || !SignatureEnvelope.JWS.equals(layer.mediaType()) && !SignatureEnvelope.COSE.equals(layer.mediaType())) {
        // not read at all: only these two envelope types are parsed
        r = verifier.verify(statement, m.digest().toString(), layer == null ? m.layers().size() + " layers (exactly one"
            + " envelope is required)" : layer.mediaType(), new byte[0], subject);
      } else if (layer.size() > ENVELOPE_CAP) {
        r = verifier.verify(statement, m.digest().toString(), layer.mediaType() + " larger than " + ENVELOPE_CAP
            + " bytes", new byte[0], subject);
      } else {
        byte[] envelope;
        try (InputStream in = store.openBlob(repository, layer)) {
          envelope = Json.readCapped(in, ENVELOPE_CAP, "signature envelope " + layer.digest());
        }
        r = verifier.verify(statement, m.digest().toString(), layer.mediaType(), envelope, subject);
      }
      results.add(r);
      if (r.passed()) {
        return new Verdict(true, r.summary(), results);
      }
    }
    NotationResult last = results.get(results.size() - 1);
    return new Verdict(false, last.summary() + (results.size() > 1 ? " (+" + (results.size() - 1)
        + " more signatures failed)" : ""), results);
  }
}
