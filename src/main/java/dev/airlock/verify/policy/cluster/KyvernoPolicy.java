package dev.airlock.verify.policy.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.verify.policy.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Kyverno {@code ClusterPolicy}/{@code Policy} (kyverno.io/v1, v2beta1) as gate rules: each
 * {@code verifyImages} entry becomes one airlock entry per {@code imageReferences} pattern. Attestors are
 * all required; within one, {@code count} entries (default: all). Key entries ({@code keys.publicKeys},
 * {@code keys.secret}) become signedBy rules, keyless ones ({@code subject}/{@code issuer}, wildcards or
 * {@code *RegExp}) keyless rules against the bundle's Sigstore trust root; {@code attestations} become
 * attestation rules with their {@code conditions}. {@code Audit} is warn mode.
 */
final class KyvernoPolicy {
  private KyvernoPolicy() {}

  static List<Policy.ImagePolicy> map(String source, String name, JsonNode doc, KubeObjects objects) {
    Fields top = new Fields(source, "", doc).only("apiVersion", "kind", "metadata", "spec", "status");
    Fields spec = top.object("spec");
    if (spec == null) {
      throw top.error("spec is required");
    }
    spec.only("rules", "validationFailureAction", "background", "failurePolicy", "webhookTimeoutSeconds",
        "admission", "emitWarning", "schemaValidation", "useServerSideApply", "webhookConfiguration");
    String policyAction = spec.text("validationFailureAction");
    List<Policy.ImagePolicy> out = new ArrayList<>();
    for (Fields rule : spec.objects("rules")) {
      rule.only("name", "match", "exclude", "context", "verifyImages", "skipBackgroundRequests");
      KubeObjects ruleObjects = objects.withContext(rule);
      String ruleName = rule.text("name") == null ? rule.path() : rule.text("name");
      List<Fields> verify = rule.objects("verifyImages");
      if (verify.isEmpty()) {
        throw rule.error(rule.path() + " has no verifyImages (airlock enforces only image verification rules)");
      }
      for (Fields vi : verify) {
        out.addAll(verifyImages(vi, name + "/" + ruleName, policyAction, ruleObjects));
      }
    }
    if (out.isEmpty()) {
      throw spec.error("spec.rules is empty");
    }
    return out;
  }

  private static List<Policy.ImagePolicy> verifyImages(Fields vi, String label, String policyAction, KubeObjects objects) {
    vi.only("imageReferences", "type", "attestors", "attestations", "mutateDigest", "verifyDigest", "required",
        "useCache", "failureAction", "imageRegistryCredentials", "validate");
    if (vi.has("validate")) {
      throw vi.error("unsupported field '" + vi.at("validate") + "' (airlock cannot evaluate it at the gate)");
    }
    vi.onlyValues("type", "Cosign", "SigstoreBundle", "Notary");
    boolean notary = "Notary".equals(vi.text("type"));
    boolean bundle = "SigstoreBundle".equals(vi.text("type"));
    if (bundle) {
      // Kyverno's SigstoreBundle verifier (pkg/cosign/sigstore.go) checks a certificate identity only
      for (Fields a : vi.objects("attestors")) {
        for (Fields e : a.objects("entries")) {
          for (String f : new String[] {"keys", "certificates"}) {
            if (e.has(f)) {
              throw e.error("unsupported field '" + e.at(f) + "' with type SigstoreBundle (Kyverno verifies Sigstore"
                  + " bundles by their certificate identity only: use keyless)");
            }
          }
        }
      }
    }
    if (notary && vi.has("attestations")) {
      throw vi.error("unsupported field '" + vi.at("attestations") + "' with type Notary (airlock does not evaluate"
          + " Notation-signed attestation referrers)");
    }
    if (Boolean.FALSE.equals(vi.bool("required"))) {
      throw vi.error("unsupported value 'false' of '" + vi.at("required") + "' (the gate requires what it verifies)");
    }
    String action = vi.text("failureAction") != null ? vi.text("failureAction") : policyAction;
    if (action != null && !List.of("enforce", "audit").contains(action.toLowerCase(Locale.ROOT))) {
      throw vi.error("unsupported failure action '" + action + "' (supported: Enforce, Audit)");
    }
    boolean warn = action != null && action.equalsIgnoreCase("audit");
    List<String> refs = vi.texts("imageReferences");
    if (refs.isEmpty()) {
      throw vi.error(vi.at("imageReferences") + " is required");
    }
    List<Policy.Rule> rules = new ArrayList<>();
    Integer require = null;
    List<Fields> attestors = vi.objects("attestors");
    for (Fields a : attestors) {
      Group g = attestor(a, label, null, null, objects, notary, bundle);
      if (g.count < g.rules.size() && (attestors.size() > 1 || vi.has("attestations"))) {
        throw a.error("unsupported field '" + a.at("count") + "' with other attestors or attestations"
            + " (airlock can require some of one attestor's entries only when it is the only requirement)");
      }
      if (g.count < g.rules.size()) {
        require = g.count;
      }
      rules.addAll(g.rules);
    }
    for (Fields at : vi.objects("attestations")) {
      at.only("name", "type", "predicateType", "attestors", "conditions");
      String type = at.text("predicateType") != null ? at.text("predicateType") : at.required("type");
      List<Policy.Condition> conditions = conditions(at);
      List<Fields> own = at.objects("attestors").isEmpty() ? attestors : at.objects("attestors");
      if (own.isEmpty()) {
        throw at.error(at.path() + " has no attestors (and the entry has none)");
      }
      for (Fields a : own) {
        Group g = attestor(a, label, type, conditions, objects, false, bundle);
        if (g.count < g.rules.size()) {
          throw a.error("unsupported field '" + a.at("count") + "' in an attestation's attestor"
              + " (airlock requires every attestation's attestor entries)");
        }
        rules.addAll(g.rules);
      }
    }
    if (rules.isEmpty()) {
      throw vi.error(vi.path() + " has no attestors nor attestations: nothing to verify");
    }
    List<Policy.ImagePolicy> out = new ArrayList<>();
    for (String ref : refs) {
      out.add(new Policy.ImagePolicy(ClusterPolicyFiles.anySegments(ref), require == null ? "all" : String.valueOf(require),
          rules, warn ? "warn" : "enforce"));
    }
    return out;
  }

  private record Group(List<Policy.Rule> rules, int count) {}

  /**
   * One attestor: its entries as rules (signatures, or attestations of {@code predicateType}), and its count.
   * {@code notary}: the entry's type is Notary, whose only entries are {@code certificates}. {@code bundle}: the
   * type is SigstoreBundle, whose verifier (pkg/cosign/sigstore.go) reads only Sigstore bundle referrers, so the
   * keyless rules are {@code bundleOnly}.
   */
  private static Group attestor(Fields a, String label, String predicateType, List<Policy.Condition> conditions,
      KubeObjects objects, boolean notary, boolean bundle) {
    a.only("count", "entries");
    List<Policy.Rule> rules = new ArrayList<>();
    for (Fields e : a.objects("entries")) {
      e.only("keys", "keyless", "certificates");
      Fields keys = e.object("keys");
      Fields keyless = e.object("keyless");
      Fields certs = e.object("certificates");
      if ((keys != null ? 1 : 0) + (keyless != null ? 1 : 0) + (certs != null ? 1 : 0) != 1) {
        throw e.error(e.path() + " needs exactly one of keys, keyless, certificates (attestor, annotations,"
            + " repository are not supported)");
      }
      if (notary && certs == null) {
        throw e.error("unsupported field '" + e.at(keys != null ? "keys" : "keyless") + "' with type Notary"
            + " (Kyverno's Notary verifier trusts only certificates entries)");
      }
      String what = predicateType == null ? "signature" : "attestation " + predicateType;
      if (notary) {
        rules.add(KyvernoCertificates.notation("kyverno " + label + " " + e.path() + ": notation signature", certs));
      } else if (certs != null) {
        rules.add(rule("kyverno " + label + " " + e.path() + ": " + what + " by certificate",
            KyvernoCertificates.cosignKey(certs), null, predicateType, conditions));
      } else if (keys != null) {
        List<String> pems = keys(keys, objects);
        rules.add(rule("kyverno " + label + " " + e.path() + ": " + what + " by key", pems, null, predicateType, conditions));
      } else {
        rules.add(rule("kyverno " + label + " " + e.path() + ": keyless " + what, null,
            keyless(keyless).withBundleOnly(bundle), predicateType, conditions));
      }
    }
    if (rules.isEmpty()) {
      throw a.error(a.at("entries") + " is empty");
    }
    Integer count = a.integer("count");
    if (count != null && (count < 1 || count > rules.size())) {
      throw a.error(a.at("count") + " is " + count + " of " + rules.size() + " entries");
    }
    return new Group(rules, count == null ? rules.size() : count);
  }

  private static Policy.Rule rule(String name, List<String> keys, Policy.Keyless keyless, String predicateType,
      List<Policy.Condition> conditions) {
    if (predicateType == null) {
      return new Policy.Rule(name, keys, keyless, null, null, null);
    }
    return new Policy.Rule(name, null, null, new Policy.Attestation(predicateType, keys, keyless, conditions), null, null);
  }

  private static List<String> keys(Fields k, KubeObjects objects) {
    k.only("publicKeys", "signatureAlgorithm", "rekor", "ctlog", "secret");
    k.onlyValues("signatureAlgorithm", "sha256");
    rekor(k);
    ctlog(k);
    Fields secret = k.object("secret");
    if ((secret == null) == (k.text("publicKeys") == null)) {
      throw k.error(k.path() + " needs exactly one of publicKeys, secret (kms is not supported offline)");
    }
    if (k.text("publicKeys") != null) {
      return ClusterPolicyFiles.pemKeys(k, "publicKeys", objects.resolve(k, "publicKeys", k.text("publicKeys")));
    }
    secret.only("name", "namespace");
    Map<String, String> data = objects.secret(secret.path(), secret.required("name"), secret.text("namespace"));
    String pem = data.get("cosign.pub");
    if (pem == null) {
      throw secret.error("Secret " + secret.text("name") + " has no cosign.pub entry (it has " + data.keySet() + ")");
    }
    return ClusterPolicyFiles.pemKeys(secret, "name", pem);
  }

  private static Policy.Keyless keyless(Fields k) {
    k.only("subject", "issuer", "subjectRegExp", "issuerRegExp", "roots", "rekor", "ctlog");
    rekor(k);
    ctlog(k);
    Policy.KeylessTrust trust = trust(k);
    String subject = k.text("subject");
    String subjectRe = k.text("subjectRegExp");
    String issuer = k.text("issuer");
    String issuerRe = k.text("issuerRegExp");
    if ((subject == null) == (subjectRe == null) || (issuer == null) == (issuerRe == null)) {
      throw k.error(k.path() + " needs exactly one of subject, subjectRegExp and one of issuer, issuerRegExp"
          + " (additionalExtensions is not supported)");
    }
    String identity = subject != null && !subject.contains("*") && !subject.contains("?") ? subject : null;
    String identityRe = identity != null ? null
        : subject != null ? ClusterPolicyFiles.wildcardRegexp(subject) : ClusterPolicyFiles.unanchored(subjectRe);
    String iss = issuer != null && !issuer.contains("*") && !issuer.contains("?") ? issuer : null;
    String issRe = iss != null ? null
        : issuer != null ? ClusterPolicyFiles.wildcardRegexp(issuer) : ClusterPolicyFiles.unanchored(issuerRe);
    return new Policy.Keyless(identity, identityRe, iss, issRe).withTrust(trust);
  }

  /**
   * A keyless entry's own trust material ({@code roots}: PEM Fulcio certificates; {@code rekor.pubkey},
   * {@code ctlog.pubkey}: PEM keys), which Kyverno uses instead of Sigstore's TUF root: the gate checks the
   * signature against its trust root restricted to them; null when the entry names none.
   */
  private static Policy.KeylessTrust trust(Fields k) {
    String roots = k.text("roots");
    String rekorKey = k.object("rekor") == null ? null : k.object("rekor").text("pubkey");
    String ctKey = k.object("ctlog") == null ? null : k.object("ctlog").text("pubkey");
    if (roots == null && rekorKey == null && ctKey == null) {
      return null;
    }
    Policy.KeylessTrust t = new Policy.KeylessTrust(roots == null ? null : List.of(roots),
        rekorKey == null ? null : List.of(rekorKey), ctKey == null ? null : List.of(ctKey));
    try {
      t.validate("");
    } catch (dev.airlock.InvalidInputException e) {
      throw k.error(k.path() + ": " + e.getMessage()
          .replace("keyless trust.fulcioRoots", "roots").replace("keyless trust.rekorKeys", "rekor.pubkey")
          .replace("keyless trust.ctlogKeys", "ctlog.pubkey"));
    }
    return t;
  }

  /** {@code rekor}: the log the trust root names is the one checked; ignoring it or another key is not supported. */
  static void rekor(Fields k) {
    Fields r = k.object("rekor");
    if (r == null) {
      return;
    }
    r.only("url", "ignoreTlog", "pubkey");
    if (r.has("pubkey") && !k.path().endsWith("keyless")) {
      throw r.error("unsupported field '" + r.at("pubkey") + "' for a key (the gate checks key-signed signatures by the key alone)");
    }
    if (Boolean.TRUE.equals(r.bool("ignoreTlog")) && k.path().endsWith("keyless")) {
      throw r.error("unsupported value 'true' of '" + r.at("ignoreTlog") + "' (keyless signatures are checked against the log)");
    }
  }

  static void ctlog(Fields k) {
    Fields c = k.object("ctlog");
    if (c == null) {
      return;
    }
    c.only("ignoreSCT", "pubkey");
    if (c.has("pubkey") && !k.path().endsWith("keyless")) {
      throw c.error("unsupported field '" + c.at("pubkey") + "' for a key (the gate checks key-signed signatures by the key alone)");
    }
    if (Boolean.TRUE.equals(c.bool("ignoreSCT")) && k.path().endsWith("keyless")) {
      throw c.error("unsupported value 'true' of '" + c.at("ignoreSCT") + "' (certificates are checked for their SCT)");
    }
  }

  /** Kyverno's attestation conditions: each entry's all/any of {key: "{{ path }}", operator, value}. */
  private static List<Policy.Condition> conditions(Fields at) {
    List<Policy.Condition> out = new ArrayList<>();
    for (Fields block : at.objects("conditions")) {
      block.only("all", "any");
      for (Fields c : block.objects("all")) {
        out.add(condition(c));
      }
      List<Policy.Condition> any = new ArrayList<>();
      for (Fields c : block.objects("any")) {
        any.add(condition(c));
      }
      if (!any.isEmpty()) {
        out.add(new Policy.Condition(null, null, null, null, null, any));
      }
    }
    return out;
  }

  private static Policy.Condition condition(Fields c) {
    c.only("key", "operator", "value", "message");
    String key = c.required("key").trim();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*)*)\\s*}}")
        .matcher(key);
    if (!m.matches()) {
      throw c.error("unsupported key '" + key + "' of '" + c.at("key") + "' (supported: {{ field.path }} into the predicate)");
    }
    String path = m.group(1);
    String op = c.required("operator");
    JsonNode v = c.raw("value");
    List<String> values = new ArrayList<>();
    if (v != null && v.isArray()) {
      v.forEach(x -> values.add(x.asText()));
    } else if (v != null && v.isValueNode()) {
      values.add(v.asText());
    } else {
      throw c.error(c.at("value") + " must be a value or a list of values");
    }
    switch (op.toLowerCase(Locale.ROOT)) {
      case "equals":
        return new Policy.Condition(path, single(c, values, op), null, null, null, null);
      case "notequals":
        return new Policy.Condition(path, null, single(c, values, op), null, null, null);
      case "in", "anyin":
        return new Policy.Condition(path, null, null, values, null, null);
      case "notin", "anynotin":
        return new Policy.Condition(path, null, null, null, values, null);
      default:
        throw c.error("unsupported operator '" + op + "' of '" + c.at("operator") + "' (supported: Equals, NotEquals, In, AnyIn, NotIn, AnyNotIn)");
    }
  }

  private static String single(Fields c, List<String> values, String op) {
    if (values.size() != 1) {
      throw c.error(c.at("value") + " of " + op + " must be one value");
    }
    return values.get(0);
  }
}
