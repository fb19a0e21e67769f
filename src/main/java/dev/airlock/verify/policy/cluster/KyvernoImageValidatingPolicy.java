package dev.airlock.verify.policy.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.verify.policy.Policy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kyverno {@code ImageValidatingPolicy} (policies.kyverno.io/v1alpha1, v1beta1, v1; CRD
 * config/crds/policies.kyverno.io/policies.kyverno.io_imagevalidatingpolicies.yaml at kyverno@8cccd3da) as gate
 * rules. Its checks are CEL {@code validations}; the gate evaluates the forms Kyverno's documentation uses and no
 * other: {@code images.containers.map(image, verifyImageSignatures(image, [attestors.A, ...])).all(e, e > 0)} (any
 * listed attestor), {@code e >= N} (N of them) or {@code e == N} with N the number listed (all), and the same with
 * {@code verifyAttestationSignatures(image, attestations.X, [attestors.A, ...])}. {@code containers},
 * {@code initContainers} and {@code ephemeralContainers} are accepted: the gate checks every image of the bundle.
 * Attestors: cosign {@code key.data} (signedBy), {@code keyless.identities} (any of them; {@code roots},
 * {@code ctlog.rekorPubKey}/{@code ctLogPubKey} pin the trust root), {@code notary.certs.value} (a strict Notation
 * rule trusting the certificates, as for a ClusterPolicy's Notary type). Attestations: {@code intoto.type}. Each
 * validation becomes one entry per {@code matchImageReferences} glob; {@code validationActions} without
 * {@code Deny} is warn mode. Anything else the file asks for is an error naming the field.
 */
final class KyvernoImageValidatingPolicy {
  private KyvernoImageValidatingPolicy() {}

  private static final Pattern CALL = Pattern.compile(
      "images\\.(?:containers|initContainers|ephemeralContainers)\\.map\\((\\w+),(verifyImageSignatures|verifyAttestationSignatures)"
          + "\\(\\1,(?:attestations\\.([\\w-]+),)?\\[((?:attestors\\.[\\w-]+,?)+)]\\)\\)\\.all\\((\\w+),\\5(>|>=|==)(\\d+)\\)");

  static List<Policy.ImagePolicy> map(String source, String name, JsonNode doc, KubeObjects objects) {
    Fields top = new Fields(source, "", doc).only("apiVersion", "kind", "metadata", "spec", "status");
    Fields spec = top.object("spec");
    if (spec == null) {
      throw top.error("spec is required");
    }
    spec.only("matchConstraints", "matchConditions", "matchImageReferences", "attestors", "attestations", "validations",
        "validationActions", "failurePolicy", "evaluation", "webhookConfiguration", "autogen", "credentials",
        "validationConfigurations", "auditAnnotations");
    Fields eval = spec.object("evaluation");
    if (eval != null) {
      eval.only("admission", "background", "mode");
      eval.onlyValues("mode", "Kubernetes");
    }
    Fields vc = spec.object("validationConfigurations");
    if (vc != null) {
      vc.only("mutateDigest", "verifyDigest", "required");
      if (Boolean.FALSE.equals(vc.bool("required"))) {
        throw vc.error("unsupported value 'false' of '" + vc.at("required") + "' (the gate requires what it verifies)");
      }
    }
    List<String> actions = spec.texts("validationActions");
    if (actions.isEmpty()) {
      throw spec.error(spec.at("validationActions") + " is required");
    }
    for (String a : actions) {
      if (!List.of("Deny", "Audit", "Warn").contains(a)) {
        throw spec.error("unsupported value '" + a + "' of '" + spec.at("validationActions") + "' (supported: Deny, Audit, Warn)");
      }
    }
    String mode = actions.contains("Deny") ? "enforce" : "warn";
    List<String> globs = new ArrayList<>();
    for (Fields m : spec.objects("matchImageReferences")) {
      m.only("glob", "expression");
      if (m.has("expression")) {
        throw m.error("unsupported field '" + m.at("expression") + "' (airlock does not evaluate CEL; use glob)");
      }
      globs.add(m.required("glob"));
    }
    if (globs.isEmpty()) {
      throw spec.error(spec.at("matchImageReferences") + " is required (the gate does not apply a policy to every image"
          + " unasked)");
    }
    Map<String, Attestor> attestors = new LinkedHashMap<>();
    for (Fields a : spec.objects("attestors")) {
      a.only("name", "cosign", "notary");
      attestors.put(a.required("name"), attestor(a, objects));
    }
    Map<String, String> attestations = new LinkedHashMap<>();
    for (Fields at : spec.objects("attestations")) {
      at.only("name", "intoto", "referrer");
      if (at.has("referrer")) {
        throw at.error("unsupported field '" + at.at("referrer") + "' (airlock evaluates in-toto attestations: intoto.type)");
      }
      Fields in = at.object("intoto");
      if (in == null) {
        throw at.error(at.path() + " needs intoto");
      }
      attestations.put(at.required("name"), in.only("type").required("type"));
    }
    List<Fields> validations = spec.objects("validations");
    if (validations.isEmpty()) {
      throw spec.error(spec.at("validations") + " is required: nothing to verify");
    }
    List<Policy.ImagePolicy> out = new ArrayList<>();
    for (Fields v : validations) {
      v.only("expression", "message", "messageExpression", "reason");
      Check c = check(v, attestors, attestations, "kyverno " + name + " " + v.path());
      for (String g : globs) {
        out.add(new Policy.ImagePolicy(ClusterPolicyFiles.anySegments(g), String.valueOf(c.require()), c.rules(), mode));
      }
    }
    return out;
  }

  /** One attestor: its rules for a signature (any of them) and, for an attestation of a type, the same. */
  private record Attestor(String name, List<String> keys, List<Policy.Keyless> identities, Fields notary) {}

  private record Check(List<Policy.Rule> rules, int require) {}

  private static Attestor attestor(Fields a, KubeObjects objects) {
    String name = a.required("name");
    Fields cosign = a.object("cosign");
    Fields notary = a.object("notary");
    if ((cosign == null) == (notary == null)) {
      throw a.error(a.path() + " needs exactly one of cosign, notary");
    }
    if (notary != null) {
      notary.only("certs", "tsaCerts");
      Fields certs = notary.object("certs");
      if (certs == null) {
        throw notary.error(notary.at("certs") + " is required");
      }
      certs.only("value", "expression");
      if (certs.has("expression")) {
        throw certs.error("unsupported field '" + certs.at("expression") + "' (airlock does not evaluate CEL; use value)");
      }
      certs.required("value");
      return new Attestor(name, null, null, certs);
    }
    cosign.only("key", "keyless", "certificate", "ctlog", "source", "tuf", "annotations");
    Fields key = cosign.object("key");
    Fields keyless = cosign.object("keyless");
    if (cosign.has("certificate")) {
      throw cosign.error("unsupported field '" + cosign.at("certificate") + "' (supported: key, keyless)");
    }
    if ((key == null) == (keyless == null)) {
      throw cosign.error(cosign.path() + " needs exactly one of key, keyless");
    }
    Fields ct = cosign.object("ctlog");
    if (ct != null) {
      ct.only("url", "rekorPubKey", "ctLogPubKey", "insecureIgnoreTlog", "insecureIgnoreSCT");
    }
    if (key != null) {
      key.only("data", "hashAlgorithm", "kms", "expression");
      key.onlyValues("hashAlgorithm", "sha256");
      if (!key.has("data")) {
        throw key.error(key.at("data") + " is required (kms and expression are not evaluated offline)");
      }
      if (key.has("kms") || key.has("expression")) {
        throw key.error("unsupported field '" + key.at(key.has("kms") ? "kms" : "expression") + "' with data");
      }
      if (ct != null && (ct.has("rekorPubKey") || ct.has("ctLogPubKey"))) {
        throw ct.error("unsupported field '" + ct.at(ct.has("rekorPubKey") ? "rekorPubKey" : "ctLogPubKey")
            + "' for a key (the gate checks key-signed signatures by the key alone)");
      }
      return new Attestor(name, ClusterPolicyFiles.pemKeys(key, "data", key.text("data")), null, null);
    }
    keyless.only("identities", "roots");
    if (ct != null) {
      for (String f : new String[] {"insecureIgnoreTlog", "insecureIgnoreSCT"}) {
        if (Boolean.TRUE.equals(ct.bool(f))) {
          throw ct.error("unsupported value 'true' of '" + ct.at(f) + "' (keyless signatures are checked against the log"
              + " and their certificates for an SCT)");
        }
      }
    }
    String roots = keyless.text("roots");
    String rekorKey = ct == null ? null : ct.text("rekorPubKey");
    String ctKey = ct == null ? null : ct.text("ctLogPubKey");
    Policy.KeylessTrust trust = roots == null && rekorKey == null && ctKey == null ? null
        : new Policy.KeylessTrust(roots == null ? null : List.of(roots), rekorKey == null ? null : List.of(rekorKey),
            ctKey == null ? null : List.of(ctKey));
    if (trust != null) {
      try {
        trust.validate("");
      } catch (dev.airlock.InvalidInputException e) {
        throw keyless.error(keyless.path() + ": " + e.getMessage());
      }
    }
    List<Policy.Keyless> ids = new ArrayList<>();
    for (Fields id : keyless.objects("identities")) {
      id.only("issuer", "subject", "issuerRegExp", "subjectRegExp");
      String subject = id.text("subject");
      String subjectRe = id.text("subjectRegExp");
      String issuer = id.text("issuer");
      String issuerRe = id.text("issuerRegExp");
      if ((subject == null) == (subjectRe == null) || (issuer == null) == (issuerRe == null)) {
        throw id.error(id.path() + " needs exactly one of subject, subjectRegExp and one of issuer, issuerRegExp"
            + " (airlock does not accept any keyless signer)");
      }
      ids.add(new Policy.Keyless(subject, subjectRe == null ? null : ClusterPolicyFiles.unanchored(subjectRe), issuer,
          issuerRe == null ? null : ClusterPolicyFiles.unanchored(issuerRe)).withTrust(trust));
    }
    if (ids.isEmpty()) {
      throw keyless.error(keyless.at("identities") + " is required (airlock does not accept any keyless signer)");
    }
    return new Attestor(name, null, ids, null);
  }

  private static Check check(Fields v, Map<String, Attestor> attestors, Map<String, String> attestations, String label) {
    String expr = v.required("expression").replaceAll("\\s+", "");
    Matcher m = CALL.matcher(expr);
    if (!m.matches()) {
      throw v.error("unsupported expression of '" + v.at("expression") + "' (airlock evaluates images.containers.map(image,"
          + " verifyImageSignatures(image, [attestors.NAME, ...])).all(e, e > 0) and the verifyAttestationSignatures(image,"
          + " attestations.NAME, [...]) form, with > 0, >= N or == N)");
    }
    boolean attestation = m.group(2).equals("verifyAttestationSignatures");
    String predicateType = null;
    if (attestation) {
      predicateType = attestations.get(m.group(3));
      if (predicateType == null) {
        throw v.error(v.at("expression") + " names attestations." + m.group(3) + ", which spec.attestations does not define");
      }
    }
    List<Attestor> listed = new ArrayList<>();
    for (String ref : m.group(4).split(",")) {
      if (ref.isEmpty()) {
        continue;
      }
      Attestor a = attestors.get(ref.substring("attestors.".length()));
      if (a == null) {
        throw v.error(v.at("expression") + " names " + ref + ", which spec.attestors does not define");
      }
      listed.add(a);
    }
    int n = Integer.parseInt(m.group(7));
    String op = m.group(6);
    int require = op.equals(">") ? n + 1 : n;
    if (op.equals("==") && n != listed.size()) {
      throw v.error(v.at("expression") + ": '== " + n + "' with " + listed.size() + " attestors listed (supported: == the"
          + " number listed, i.e. all)");
    }
    if (require < 1 || require > listed.size()) {
      throw v.error(v.at("expression") + " requires " + require + " of " + listed.size() + " attestors");
    }
    List<Policy.Rule> rules = new ArrayList<>();
    for (Attestor a : listed) {
      List<Policy.Rule> own = rules(a, predicateType, label + " attestors." + a.name());
      if (own.size() > 1 && require > 1) {
        throw v.error(v.at("expression") + ": attestor " + a.name() + " has " + own.size() + " identities, any of which"
            + " passes it; airlock can require several attestors only when each is one rule");
      }
      rules.addAll(own);
    }
    return new Check(rules, require == 1 ? 1 : require);
  }

  private static List<Policy.Rule> rules(Attestor a, String predicateType, String label) {
    List<Policy.Rule> out = new ArrayList<>();
    if (a.notary() != null) {
      if (predicateType != null) {
        throw a.notary().error("unsupported notary attestor " + a.name() + " in verifyAttestationSignatures (airlock does"
            + " not evaluate Notation-signed attestations)");
      }
      out.add(KyvernoCertificates.notation(label + ": notation signature", a.notary(), "value"));
    } else if (a.keys() != null) {
      out.add(predicateType == null ? new Policy.Rule(label + ": signature by key", a.keys(), null, null, null, null)
          : new Policy.Rule(label + ": attestation " + predicateType + " by key", null, null,
              new Policy.Attestation(predicateType, a.keys(), null), null, null));
    } else {
      for (Policy.Keyless k : a.identities()) {
        out.add(predicateType == null
            ? new Policy.Rule(label + ": keyless signature " + k.toIdentity(), null, k, null, null, null)
            : new Policy.Rule(label + ": keyless attestation " + predicateType + " " + k.toIdentity(), null, null,
                new Policy.Attestation(predicateType, null, k), null, null));
      }
    }
    return out;
  }
}
