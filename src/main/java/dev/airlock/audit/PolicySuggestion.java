package dev.airlock.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.airlock.catalog.AuditReport;
import dev.airlock.oci.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code airlock audit --suggest-policy}: an image policy (docs/verification.md, "Policy file") that requires
 * exactly the signers the bundle's signatures and attestations claim, one entry per image, as a starting
 * point the operator reviews. Keyed signers become {@code signedBy} rules naming the key file given with
 * {@code --key} whose key id the signature names, else a placeholder file name; keyless signers become
 * {@code keyless} rules with their identity and issuer; attestations become {@code attestation} rules with
 * their predicate type; a Notation signer a {@code notation} rule with its certificate subject as identity; an
 * SBOM becomes {@code sbom: true}. What a policy cannot require (signatures whose signer cannot be read) is
 * written as a comment.
 */
public final class PolicySuggestion {
  private PolicySuggestion() {}

  /** @param keyFiles key id (hex sha256 of the PKIX DER) -> the public key file that has it */
  public static String yaml(AuditReport a, Map<String, Path> keyFiles) {
    StringBuilder b = new StringBuilder();
    b.append("# A starting point written by airlock audit --suggest-policy from bundle ").append(comment(a.bundle().name()))
        .append(" (created ").append(comment(a.bundle().created())).append(").\n");
    b.append("# It requires exactly the signers the signatures in the bundle claim; none of them was verified to\n");
    b.append("# write this. Review every rule, replace the key placeholders, then:\n");
    b.append("#   airlock verify BUNDLE --key BUNDLE-SIGNER.pub --policy THIS-FILE\n");
    if (!a.bundle().signersRecorded()) {
      b.append("# The catalog (version ").append(a.bundle().catalogVersion()).append(") does not record signer"
          + " identities: only sbom rules could be suggested.\n");
    }
    boolean keyless = false;
    StringBuilder images = new StringBuilder();
    List<String> unsigned = new ArrayList<>();
    for (AuditReport.Source s : a.sources()) {
      Set<String> rules = new LinkedHashSet<>();
      List<String> notes = new ArrayList<>();
      boolean sbom = false;
      for (AuditReport.Referrer r : s.referrers()) {
        if (r.kind().equals("sbom")) {
          sbom = true;
          continue;
        }
        for (AuditReport.Signer sg : r.signers()) {
          if (ReferrerRoles.attests(r)) {
            if (r.predicateTypes().isEmpty()) {
              notes.add("an attestation " + r.digest() + " declares no predicate type");
              continue;
            }
            for (String pt : r.predicateTypes()) {
              String who = signerRule(sg, keyFiles);
              if (who == null) {
                notes.add("attestation " + pt + " by " + sg.describe() + ": no rule can require this signer");
                continue;
              }
              keyless |= sg.identity().equals("keyless");
              rules.add("      - attestation:\n          predicateType: " + q(pt) + "\n          " + who + "\n");
              if (isSbomPredicate(pt)) {
                sbom = true;
              }
            }
          } else if (r.kind().equals("notation")) {
            String rule = notationRule(sg);
            if (rule == null) {
              notes.add("Notation signature by " + sg.describe() + ": its signer could not be read");
            } else {
              rules.add("      - " + rule + "\n");
            }
          } else {
            String who = signerRule(sg, keyFiles);
            if (who == null) {
              notes.add("signature by " + sg.describe() + ": no rule can require this signer");
              continue;
            }
            keyless |= sg.identity().equals("keyless");
            rules.add("      - " + who + "\n");
          }
        }
      }
      if (sbom) {
        rules.add("      - sbom: true\n");
      }
      if (rules.isEmpty()) {
        unsigned.add(s.ref() + (notes.isEmpty() ? " (it carries no signature, attestation or SBOM)"
            : ": " + String.join("; ", notes)));
        continue;
      }
      images.append("  - match: ").append(q(s.ref())).append("\n    require: all\n    rules:\n");
      rules.forEach(images::append);
      for (String n : notes) {
        images.append("    # ").append(comment(n)).append('\n');
      }
    }
    b.append("apiVersion: airlock.dev/v1\n");
    if (keyless) {
      b.append("# keyless rules need a Sigstore trust root: a TUF repository carried in the bundle (bundle --tuf-repo),\n");
      b.append("# or set one here:\n");
      b.append("# trust:\n#   tufRepository: sigstore-tuf/\n#   trustedRootSha256: ...\n#   maxAge: P30D\n");
    }
    if (images.length() == 0) {
      b.append("images: []\n");
    } else {
      b.append("images:\n").append(images);
    }
    for (String u : unsigned) {
      b.append("# no rule for ").append(comment(u)).append('\n');
    }
    return b.toString();
  }

  /** The rule body for one signer (one line, a comment may end it), or null when no rule can name it. */
  private static String signerRule(AuditReport.Signer sg, Map<String, Path> keyFiles) {
    switch (sg.identity()) {
      case "keyless" -> {
        return "keyless: {identity: " + q(sg.subject()) + ", issuer: " + q(sg.issuer()) + "}";
      }
      case "key" -> {
        Path file = sg.keyId() == null ? null : keyFiles.get(sg.keyId());
        if (file != null) {
          return "signedBy: [" + q(file.toAbsolutePath().toString()) + "]";
        }
        if (sg.keyId() == null) {
          return "signedBy: [\"KEY.pub\"]   # the signature does not name its key: put the signer's public key file here";
        }
        return "signedBy: [" + q("key-" + shortId(sg.keyId()) + ".pub") + "]   # the public key whose key id (sha256 of"
            + " its PKIX DER) is " + comment(sg.keyId());
      }
      default -> {
        return null;
      }
    }
  }

  /**
   * A {@code notation:} rule for a Notation signer: its certificate subject as the trusted identity (when it
   * names C, ST and O, as Notation requires; else any identity the trust store vouches for), and a trust store
   * directory to fill in with the certificate.
   */
  private static String notationRule(AuditReport.Signer sg) {
    if (!sg.identity().equals("certificate") || sg.subject() == null) {
      return null;
    }
    String dn = sg.subject().replaceAll("(?<!\\\\),", ", ");
    boolean complete = dn.matches("(?i)(.*, )?C=.*") && dn.matches("(?i)(.*, )?ST=.*") && dn.matches("(?i)(.*, )?O=.*");
    return "notation: {trustStore: \"notation/truststore\", identities: [" + q(complete ? "x509.subject: " + dn : "*")
        + "]}   # a trust store holding the signer's certificate (sha256 " + comment(sg.certSha256()) + ") in a ca: store"
        + (complete ? "" : "; its subject " + comment(sg.subject()) + " lacks C, ST or O, which a Notation identity needs");
  }

  static boolean isSbomPredicate(String predicateType) {
    String p = predicateType.toLowerCase(java.util.Locale.ROOT);
    return p.contains("spdx") || p.contains("cyclonedx");
  }

  private static String shortId(String keyId) {
    String s = keyId.replaceAll("[^A-Za-z0-9]", "");
    return s.length() > 12 ? s.substring(0, 12) : s;
  }

  /** A YAML double-quoted scalar (JSON string syntax is valid YAML). */
  private static String q(String s) {
    try {
      return Json.MAPPER.writeValueAsString(s == null ? "" : s);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Text safe inside a YAML comment: one line. */
  private static String comment(String s) {
    return s == null ? "" : s.replaceAll("[\\r\\n\\u2028\\u2029]", " ");
  }
}
