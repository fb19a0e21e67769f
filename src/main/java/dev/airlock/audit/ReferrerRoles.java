package dev.airlock.audit;

import dev.airlock.catalog.AuditReport;

/**
 * What a referrer does, for reports: a signature, Notation signature or attestation. A Sigstore bundle that
 * carries an in-toto statement is an attestation even where its manifest does not say so (no
 * {@code dev.sigstore.bundle.predicateType} annotation): the catalog records the statement's predicate type.
 */
final class ReferrerRoles {
  private ReferrerRoles() {}

  static boolean attests(AuditReport.Referrer r) {
    return r.kind().equals("attestation") || !r.predicateTypes().isEmpty() && !r.kind().equals("sbom");
  }

  /** A signature of the subject itself (cosign, Sigstore bundle, Notation), not an attestation. */
  static boolean signs(AuditReport.Referrer r) {
    return (r.kind().equals("signature") || r.kind().equals("notation")) && !attests(r);
  }
}
