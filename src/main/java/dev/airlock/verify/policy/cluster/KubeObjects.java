package dev.airlock.verify.policy.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Secret and ConfigMap manifests of a policy file set, by name, for the key material policies reference. */
final class KubeObjects {
  private final String file;
  private final List<JsonNode> docs;

  KubeObjects(String file, List<JsonNode> docs) {
    this.file = file;
    this.docs = docs;
  }

  /**
   * The entries of the Secret named so (and in {@code namespace}, when given): {@code stringData} as is,
   * {@code data} base64-decoded. Missing from the file set is an error: the key cannot be read offline.
   */
  Map<String, String> secret(String referrer, String name, String namespace) {
    JsonNode s = find("Secret", name, namespace, referrer);
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = s.path("data").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      try {
        out.put(e.getKey(), new String(Base64.getMimeDecoder().decode(e.getValue().asText()), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException x) {
        throw new InvalidInputException(file + ": Secret " + name + ": data." + e.getKey() + " is not base64");
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = s.path("stringData").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  /**
   * The trust material of the policy-controller {@code TrustRoot} named so, as keyless pins: its
   * {@code spec.sigstoreKeys} (certificate chains and keys base64-encoded PEM, as the CRD's []byte fields are).
   * A TrustRoot of {@code remote} or {@code repository} is not read (a TUF walk at the gate is not what the
   * controller would do at admission time); its absence from the file set is an error.
   */
  dev.airlock.verify.policy.Policy.KeylessTrust trustRoot(String referrer, String name) {
    JsonNode t = find("TrustRoot", name, null, referrer);
    String src = file + ": TrustRoot " + name;
    Fields top = new Fields(src, "", t).only("apiVersion", "kind", "metadata", "spec", "status");
    Fields spec = top.object("spec");
    if (spec == null) {
      throw top.error("spec is required");
    }
    spec.only("sigstoreKeys", "remote", "repository");
    if (spec.has("remote") || spec.has("repository")) {
      throw spec.error("unsupported field '" + spec.at(spec.has("remote") ? "remote" : "repository")
          + "' (airlock reads a TrustRoot's spec.sigstoreKeys)");
    }
    Fields keys = spec.object("sigstoreKeys");
    if (keys == null) {
      throw spec.error(spec.at("sigstoreKeys") + " is required");
    }
    keys.only("certificateAuthorities", "tLogs", "ctLogs", "timestampAuthorities");
    List<String> roots = new ArrayList<>();
    for (Fields ca : keys.objects("certificateAuthorities")) {
      ca.only("subject", "uri", "certChain");
      roots.add(pem(ca, "certChain"));
    }
    List<String> tlogs = new ArrayList<>();
    for (Fields l : keys.objects("tLogs")) {
      l.only("baseURL", "hashAlgorithm", "publicKey");
      tlogs.add(pem(l, "publicKey"));
    }
    List<String> ctlogs = new ArrayList<>();
    for (Fields l : keys.objects("ctLogs")) {
      l.only("baseURL", "hashAlgorithm", "publicKey");
      ctlogs.add(pem(l, "publicKey"));
    }
    for (Fields tsa : keys.objects("timestampAuthorities")) {
      tsa.only("subject", "uri", "certChain");
    }
    if (roots.isEmpty()) {
      throw keys.error(keys.at("certificateAuthorities") + " is empty: no Fulcio CA to check keyless certificates");
    }
    dev.airlock.verify.policy.Policy.KeylessTrust trust = new dev.airlock.verify.policy.Policy.KeylessTrust(roots,
        tlogs.isEmpty() ? null : tlogs, ctlogs.isEmpty() ? null : ctlogs);
    try {
      trust.validate("");
    } catch (InvalidInputException e) {
      throw keys.error(e.getMessage());
    }
    return trust;
  }

  /** A []byte field of the CRD: base64 of PEM text. */
  private static String pem(Fields f, String field) {
    String v = f.required(field);
    try {
      return new String(Base64.getMimeDecoder().decode(v), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw f.error(f.at(field) + " is not base64 (the CRD's []byte fields hold base64-encoded PEM)");
    }
  }

  private JsonNode find(String kind, String name, String namespace, String referrer) {
    List<String> seen = new ArrayList<>();
    for (JsonNode d : docs) {
      String api = d.path("apiVersion").asText();
      if ((kind.equals("TrustRoot") ? api.startsWith("policy.sigstore.dev/") : api.equals("v1"))
          && d.path("kind").asText().equals(kind)) {
        String n = d.path("metadata").path("name").asText();
        String ns = d.path("metadata").path("namespace").asText(null);
        seen.add(n);
        if (n.equals(name) && (namespace == null || ns == null || namespace.equals(ns))) {
          return d;
        }
      }
    }
    throw new InvalidInputException(referrer + ": references " + kind + " " + (namespace == null ? "" : namespace + "/")
        + name + ", which is not in " + file + " (put its manifest in the same file; "
        + (seen.isEmpty() ? "it holds none" : "it holds " + String.join(", ", seen)) + ")");
  }
}
