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
  private final Map<String, Map<String, String>> context;

  KubeObjects(String file, List<JsonNode> docs) {
    this(file, docs, Map.of());
  }

  private KubeObjects(String file, List<JsonNode> docs, Map<String, Map<String, String>> context) {
    this.file = file;
    this.docs = docs;
    this.context = context;
  }

  /**
   * These objects with a Kyverno rule's {@code context}: each entry a {@code configMap: {name, namespace}}
   * whose manifest is in the file set, its {@code data} then named by the entry's {@code name} in variables
   * ({@code {{ keys.data.production }}}). Other context sources (apiCall, imageRegistry, variable,
   * globalReference) need the cluster: an error naming them.
   */
  KubeObjects withContext(Fields rule) {
    Map<String, Map<String, String>> vars = new LinkedHashMap<>();
    for (Fields c : rule.objects("context")) {
      c.only("name", "configMap");
      Fields cm = c.object("configMap");
      if (cm == null) {
        throw c.error(c.path() + " needs configMap (apiCall, imageRegistry, variable, globalReference need the cluster)");
      }
      cm.only("name", "namespace");
      JsonNode m = find("ConfigMap", cm.required("name"), cm.text("namespace"), cm.path());
      Map<String, String> data = new LinkedHashMap<>();
      m.path("data").fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
      vars.put(c.required("name"), data);
    }
    return vars.isEmpty() ? this : new KubeObjects(file, docs, vars);
  }

  private static final java.util.regex.Pattern VARIABLE = java.util.regex.Pattern.compile(
      "\\{\\{\\s*([A-Za-z_][A-Za-z0-9_]*)\\.data\\.(?:\"([^\"]+)\"|([A-Za-z0-9_-]+))\\s*}}");

  /**
   * A field's value with a Kyverno variable resolved: {@code {{ NAME.data.KEY }}} (or {@code ."KEY"}) of a
   * ConfigMap context entry; a value without {@code {{} as is; any other expression is an error.
   */
  String resolve(Fields where, String field, String value) {
    if (value == null || !value.contains("{{")) {
      return value;
    }
    java.util.regex.Matcher m = VARIABLE.matcher(value.strip());
    if (!m.matches()) {
      throw where.error("unsupported variable in '" + where.at(field) + "' (supported: {{ NAME.data.KEY }} of a"
          + " ConfigMap context entry)");
    }
    Map<String, String> data = context.get(m.group(1));
    if (data == null) {
      throw where.error(where.at(field) + " uses context '" + m.group(1) + "', which the rule does not define"
          + (context.isEmpty() ? "" : " (it defines " + String.join(", ", context.keySet()) + ")"));
    }
    String key = m.group(2) != null ? m.group(2) : m.group(3);
    String v = data.get(key);
    if (v == null) {
      throw where.error(where.at(field) + ": ConfigMap of context '" + m.group(1) + "' has no data." + key
          + " (it has " + data.keySet() + ")");
    }
    return v;
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
