package dev.airlock.verify.policy.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.verify.policy.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Flux {@code OCIRepository} (source.toolkit.fluxcd.io/v1beta2, v1) with {@code spec.verify} as a gate
 * rule for the artifact its {@code spec.url} names: provider cosign, with the public keys of the
 * referenced Secret ({@code *.pub} entries, any of which may sign, as Flux accepts) or, without one,
 * keyless signatures matching any {@code matchOIDCIdentity} (issuer and subject are regular expressions).
 */
final class FluxOciRepository {
  private FluxOciRepository() {}

  static List<Policy.ImagePolicy> map(String source, String name, JsonNode doc, KubeObjects objects) {
    Fields top = new Fields(source, "", doc).only("apiVersion", "kind", "metadata", "spec", "status");
    Fields spec = top.object("spec");
    if (spec == null) {
      throw top.error("spec is required");
    }
    spec.only("url", "ref", "verify", "interval", "timeout", "provider", "secretRef", "serviceAccountName",
        "certSecretRef", "proxySecretRef", "insecure", "layerSelector", "suspend", "ignore");
    String url = spec.required("url");
    if (!url.startsWith("oci://")) {
      throw spec.error(spec.at("url") + " must start with oci://");
    }
    Fields verify = spec.object("verify");
    if (verify == null) {
      throw spec.error(spec.at("verify") + " is required (an OCIRepository without it verifies nothing)");
    }
    verify.only("provider", "secretRef", "matchOIDCIdentity");
    verify.onlyValues("provider", "cosign");
    String label = "flux " + name;
    List<Policy.Rule> rules = new ArrayList<>();
    Fields secret = verify.object("secretRef");
    if (secret != null) {
      secret.only("name");
      Map<String, String> data = objects.secret(secret.path(), secret.required("name"),
          top.object("metadata") == null ? null : top.object("metadata").text("namespace"));
      List<String> keys = new ArrayList<>();
      data.forEach((k, v) -> {
        if (k.endsWith(".pub")) {
          keys.addAll(ClusterPolicyFiles.pemKeys(secret, "name", v));
        }
      });
      if (keys.isEmpty()) {
        throw secret.error("Secret " + secret.text("name") + " has no *.pub entry (it has " + data.keySet() + ")");
      }
      if (verify.has("matchOIDCIdentity")) {
        throw verify.error("unsupported field '" + verify.at("matchOIDCIdentity") + "' with secretRef (Flux uses the keys)");
      }
      rules.add(new Policy.Rule(label + ": cosign signature by key", keys, null, null, null, null));
    } else {
      for (Fields id : verify.objects("matchOIDCIdentity")) {
        id.only("issuer", "subject");
        Policy.Keyless k = new Policy.Keyless(null, ClusterPolicyFiles.unanchored(id.required("subject")), null,
            ClusterPolicyFiles.unanchored(id.required("issuer")));
        rules.add(new Policy.Rule(label + ": keyless cosign signature " + k.toIdentity(), null, k, null, null, null));
      }
      if (rules.isEmpty()) {
        throw verify.error(verify.at("matchOIDCIdentity") + " is required without secretRef"
            + " (airlock does not accept any keyless signer)");
      }
    }
    String repo = url.substring("oci://".length());
    Fields ref = spec.object("ref");
    String match = repo + ":*";
    if (ref != null) {
      ref.only("tag", "semver", "semverFilter", "digest");
      if (ref.text("tag") != null) {
        match = repo + ":" + ref.text("tag");
      }
    }
    return List.of(new Policy.ImagePolicy(match, "any", rules, "enforce"));
  }
}
