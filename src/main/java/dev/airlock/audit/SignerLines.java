package dev.airlock.audit;

import dev.airlock.catalog.AuditReport;
import java.util.ArrayList;
import java.util.List;

/** The lines a text audit prints under a referrer: who it claims signed it, and what it attests. */
public final class SignerLines {
  private SignerLines() {}

  /** Nothing is verified here: the lines say "claims" and the verify command checks. */
  public static List<String> of(AuditReport.Bundle bundle, AuditReport.Referrer ref) {
    List<String> out = new ArrayList<>();
    boolean signs = !ref.kind().equals("sbom") && !ref.kind().equals("other");
    if (!bundle.signersRecorded()) {
      if (signs) {
        out.add("signer: not recorded (catalog version " + bundle.catalogVersion() + ")");
      }
      return out;
    }
    for (AuditReport.Signer s : ref.signers()) {
      out.add("signer (claimed, not verified): " + s.describe());
    }
    for (String p : ref.predicateTypes()) {
      out.add("predicate: " + p);
    }
    return out;
  }
}
