package dev.airlock.verify.policy.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.verify.policy.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A sigstore policy-controller {@code ClusterImagePolicy} (policy.sigstore.dev/v1alpha1, v1beta1) as gate
 * rules: one airlock entry per {@code images[].glob}, passing when any authority does (as the controller
 * does); an authority is a key ({@code key.data}, {@code key.secretRef}) or keyless identities (any of
 * them), and when it lists {@code attestations}, those attestations by that signer instead of a signature.
 * {@code mode: warn} is warn mode.
 */
final class SigstoreClusterImagePolicy {
  private SigstoreClusterImagePolicy() {}

  /** cosign's predicate type short names (cosign attest --type), as the controller accepts them. */
  static final Map<String, String> PREDICATE_TYPES = Map.of(
      "slsaprovenance", "https://slsa.dev/provenance/v0.2",
      "slsaprovenance02", "https://slsa.dev/provenance/v0.2",
      "slsaprovenance1", "https://slsa.dev/provenance/v1",
      "link", "https://in-toto.io/Link/v1",
      "spdx", "https://spdx.dev/Document",
      "spdxjson", "https://spdx.dev/Document",
      "cyclonedx", "https://cyclonedx.org/bom",
      "vuln", "https://cosign.sigstore.dev/attestation/vuln/v1",
      "openvex", "https://openvex.dev/ns",
      "custom", "https://cosign.sigstore.dev/attestation/v1");

  static List<Policy.ImagePolicy> map(String source, String name, JsonNode doc, KubeObjects objects) {
    Fields top = new Fields(source, "", doc).only("apiVersion", "kind", "metadata", "spec", "status");
    Fields spec = top.object("spec");
    if (spec == null) {
      throw top.error("spec is required");
    }
    spec.only("images", "authorities", "mode");
    spec.onlyValues("mode", "enforce", "warn");
    List<Policy.Rule> rules = new ArrayList<>();
    List<Fields> authorities = spec.objects("authorities");
    for (Fields a : authorities) {
      a.only("name", "key", "keyless", "attestations", "ctlog", "rfc3161timestamp");
      Fields ct = a.object("ctlog");
      if (ct != null) {
        ct.only("url");
      }
      if (a.has("rfc3161timestamp")) {
        throw a.error("unsupported field '" + a.at("rfc3161timestamp") + "' (airlock cannot evaluate it at the gate)");
      }
      String label = "policy-controller " + name + " " + (a.text("name") != null ? a.text("name") : a.path());
      List<String> keys = null;
      List<Policy.Keyless> identities = List.of();
      Fields key = a.object("key");
      Fields keyless = a.object("keyless");
      if ((key == null) == (keyless == null)) {
        throw a.error(a.path() + " needs exactly one of key, keyless (static, source are not supported)");
      }
      if (key != null) {
        keys = key(key, objects);
      } else {
        identities = identities(keyless, objects);
      }
      List<Fields> attestations = a.objects("attestations");
      if (attestations.isEmpty()) {
        if (keys != null) {
          rules.add(new Policy.Rule(label + ": signature by key", keys, null, null, null, null));
        }
        for (Policy.Keyless id : identities) {
          rules.add(new Policy.Rule(label + ": keyless signature " + id.toIdentity(), null, id, null, null, null));
        }
        continue;
      }
      if (attestations.size() > 1 && authorities.size() > 1 || attestations.size() > 1 && identities.size() > 1) {
        throw a.error("unsupported field '" + a.at("attestations") + "' with several attestations where other authorities"
            + " or identities are alternatives (airlock cannot require all of one alternative)");
      }
      for (Fields at : attestations) {
        at.only("name", "predicateType", "policy");
        if (at.has("policy")) {
          throw at.error("unsupported field '" + at.at("policy") + "' (CUE and Rego policies are not evaluated by airlock)");
        }
        String type = at.required("predicateType");
        type = PREDICATE_TYPES.getOrDefault(type, type);
        if (keys != null) {
          rules.add(new Policy.Rule(label + ": attestation " + type + " by key", null, null,
              new Policy.Attestation(type, keys, null), null, null));
        }
        for (Policy.Keyless id : identities) {
          rules.add(new Policy.Rule(label + ": keyless attestation " + type + " " + id.toIdentity(), null, null,
              new Policy.Attestation(type, null, id), null, null));
        }
      }
    }
    if (rules.isEmpty()) {
      throw spec.error("spec.authorities is empty: nothing to verify");
    }
    boolean allOfOne = authorities.size() == 1 && identitiesOf(authorities.get(0)) <= 1;
    String require = allOfOne ? "all" : "any";
    List<Policy.ImagePolicy> out = new ArrayList<>();
    List<Fields> images = spec.objects("images");
    if (images.isEmpty()) {
      throw spec.error("spec.images is required");
    }
    for (Fields img : images) {
      img.only("glob");
      out.add(new Policy.ImagePolicy(glob(img.required("glob")), require, rules,
          "warn".equals(spec.text("mode")) ? "warn" : "enforce"));
    }
    return out;
  }

  private static int identitiesOf(Fields a) {
    Fields k = a.object("keyless");
    return k == null ? 1 : k.objects("identities").size();
  }

  /**
   * The controller matches a glob against the image reference; one without a tag or digest part (and not
   * ending in **) matches the repository with any tag, as airlock's ref names always carry one.
   */
  static String glob(String g) {
    String last = g.substring(g.lastIndexOf('/') + 1);
    if (g.endsWith("**") || last.contains(":") || last.contains("@")) {
      return g;
    }
    return g + ":*";
  }

  private static List<String> key(Fields k, KubeObjects objects) {
    k.only("data", "secretRef", "hashAlgorithm");
    k.onlyValues("hashAlgorithm", "sha256");
    if (k.has("data") == k.has("secretRef")) {
      throw k.error(k.path() + " needs exactly one of data, secretRef (kms is not supported offline)");
    }
    if (k.has("data")) {
      return ClusterPolicyFiles.pemKeys(k, "data", k.text("data"));
    }
    Fields ref = k.object("secretRef").only("name", "namespace");
    Map<String, String> data = objects.secret(ref.path(), ref.required("name"), ref.text("namespace"));
    if (data.size() != 1) {
      throw ref.error("Secret " + ref.text("name") + " must hold exactly one entry, the public key (it has " + data.keySet() + ")");
    }
    return ClusterPolicyFiles.pemKeys(ref, "name", data.values().iterator().next());
  }

  private static List<Policy.Keyless> identities(Fields k, KubeObjects objects) {
    k.only("url", "identities", "trustRootRef", "ca-cert", "insecureIgnoreSCT");
    if (k.has("ca-cert")) {
      throw k.error("unsupported field '" + k.at("ca-cert") + "' (keyless signatures are checked against the bundle's"
          + " Sigstore trust root, or a TrustRoot's sigstoreKeys)");
    }
    Policy.KeylessTrust trust = k.has("trustRootRef") ? objects.trustRoot(k.at("trustRootRef"), k.text("trustRootRef")) : null;
    if (Boolean.TRUE.equals(k.bool("insecureIgnoreSCT"))) {
      throw k.error("unsupported value 'true' of '" + k.at("insecureIgnoreSCT") + "'");
    }
    List<Policy.Keyless> out = new ArrayList<>();
    for (Fields id : k.objects("identities")) {
      id.only("issuer", "subject", "issuerRegExp", "subjectRegExp");
      if (id.has("subject") == id.has("subjectRegExp") || id.has("issuer") == id.has("issuerRegExp")) {
        throw id.error(id.path() + " needs exactly one of subject, subjectRegExp and one of issuer, issuerRegExp");
      }
      out.add(new Policy.Keyless(id.text("subject"),
          id.has("subjectRegExp") ? ClusterPolicyFiles.unanchored(id.text("subjectRegExp")) : null,
          id.text("issuer"), id.has("issuerRegExp") ? ClusterPolicyFiles.unanchored(id.text("issuerRegExp")) : null)
          .withTrust(trust));
    }
    if (out.isEmpty()) {
      throw k.error(k.at("identities") + " is required (airlock does not accept any keyless signer)");
    }
    return out;
  }
}
