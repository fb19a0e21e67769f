package dev.airlock.verify.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Json;
import dev.airlock.verify.notation.TrustPolicyDocument;
import dev.airlock.verify.notation.TrustPolicyStatement;
import dev.airlock.verify.notation.TrustStore;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns airlock's {@code notation:} rule into a Notation trust policy statement, validated by the very
 * rules a {@code trustpolicy.json} statement is (so both front ends accept and refuse the same things).
 */
final class NotationRules {
  private NotationRules() {}

  /** Checks a rule as written (before its trust store is read). */
  static void validate(Policy.NotationRule r, String at) {
    if (r.trustStore() == null) {
      throw new InvalidInputException(at + "trustStore (a Notation trust store directory) is required");
    }
    if (r.identities() == null || r.identities().isEmpty()) {
      throw new InvalidInputException(at + "identities is required ('*' or x509.subject: C=..., ST=..., O=...)");
    }
    if ("skip".equals(r.level())) {
      throw new InvalidInputException(at + "level skip would verify nothing; leave the rule out instead");
    }
    statement(r, r.trustStores() == null ? List.of("ca:placeholder") : r.trustStores(), at);
  }

  /** The statement for a rule, its trust stores defaulting to every named store the directory holds. */
  static TrustPolicyStatement statement(Policy.NotationRule r, TrustStore store, String at) {
    List<String> stores = r.trustStores();
    if (stores == null) {
      stores = new ArrayList<>(store.names());
      if (stores.stream().noneMatch(s -> !s.startsWith("tsa:"))) {
        throw new InvalidInputException(at + "trust store " + store.source() + " has no ca or signingAuthority store");
      }
    }
    return statement(r, stores, at);
  }

  private static TrustPolicyStatement statement(Policy.NotationRule r, List<String> stores, String at) {
    ObjectNode doc = Json.MAPPER.createObjectNode();
    doc.put("version", "1.0");
    ObjectNode st = doc.putArray("trustPolicies").addObject();
    st.put("name", "airlock notation rule");
    st.putArray("registryScopes").add("*");
    ObjectNode sv = st.putObject("signatureVerification");
    sv.put("level", r.level() == null ? "strict" : r.level());
    if (r.override() != null) {
      ObjectNode o = sv.putObject("override");
      r.override().forEach(o::put);
    }
    if (r.verifyTimestamp() != null) {
      sv.put("verifyTimestamp", r.verifyTimestamp());
    }
    ArrayNode ts = st.putArray("trustStores");
    stores.forEach(ts::add);
    ArrayNode ids = st.putArray("trustedIdentities");
    r.identities().forEach(ids::add);
    try {
      return TrustPolicyDocument.parse(Json.write(doc), "(rule)").statements().get(0);
    } catch (InvalidInputException e) {
      throw new InvalidInputException(at + e.getMessage().replace("Notation trust policy (rule): statement \"airlock notation rule\": ", ""));
    }
  }
}
