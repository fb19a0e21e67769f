package dev.airlock.clusterpolicy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Json;
import dev.airlock.verify.sigstore.TrustRoot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The Sigstore trust root the gate checked keyless rules with ({@code trusted_root.json}), in the forms the
 * cluster verifiers take offline: a policy-controller {@code TrustRoot} with {@code spec.sigstoreKeys}
 * (policy.sigstore.dev/v1alpha1: certificate chains and public keys as base64 of PEM, the CRD's []byte
 * fields), Kyverno's {@code roots} / {@code rekor.pubkey} / {@code ctlog.pubkey} (PEM), and the JSON itself
 * for a ConfigMap.
 */
final class TrustMaterial {
  record Authority(String organization, String commonName, String uri, String chainPem) {}

  record Log(String baseUrl, String hashAlgorithm, String keyPem, boolean current) {}

  private final byte[] json;
  private final String source;
  final List<Authority> cas = new ArrayList<>();
  final List<Authority> tsas = new ArrayList<>();
  final List<Log> tlogs = new ArrayList<>();
  final List<Log> ctlogs = new ArrayList<>();

  TrustMaterial(TrustRoot root) {
    this.json = root.json();
    this.source = root.source();
    JsonNode t = Json.tree(json, root.source());
    t.path("certificateAuthorities").forEach(c -> cas.add(authority(c)));
    t.path("timestampAuthorities").forEach(c -> tsas.add(authority(c)));
    t.path("tlogs").forEach(l -> tlogs.add(log(l)));
    t.path("ctlogs").forEach(l -> ctlogs.add(log(l)));
  }

  byte[] json() {
    return json.clone();
  }

  String source() {
    return source;
  }

  private static Authority authority(JsonNode c) {
    StringBuilder pem = new StringBuilder();
    for (JsonNode cert : c.path("certChain").path("certificates")) {
      pem.append(pem("CERTIFICATE", cert.path("rawBytes").asText("")));
    }
    return new Authority(c.path("subject").path("organization").asText(""), c.path("subject").path("commonName").asText(""),
        c.path("uri").asText(""), pem.toString());
  }

  private static Log log(JsonNode l) {
    String hash = l.path("hashAlgorithm").asText("SHA2_256");
    String crd = switch (hash) {
      case "SHA2_384" -> "sha-384";
      case "SHA2_512" -> "sha-512";
      default -> "sha-256";
    };
    return new Log(l.path("baseUrl").asText(""), crd, pem("PUBLIC KEY", l.path("publicKey").path("rawBytes").asText("")),
        !l.path("publicKey").path("validFor").hasNonNull("end"));
  }

  /** base64 DER as a PEM block, 64 characters a line. */
  static String pem(String type, String base64Der) {
    String b64 = Base64.getEncoder().encodeToString(Base64.getDecoder().decode(base64Der));
    StringBuilder b = new StringBuilder("-----BEGIN ").append(type).append("-----\n");
    for (int i = 0; i < b64.length(); i += 64) {
      b.append(b64, i, Math.min(b64.length(), i + 64)).append('\n');
    }
    return b.append("-----END ").append(type).append("-----\n").toString();
  }

  /** Every certificate of every Fulcio CA chain (Kyverno's {@code roots}: each one a trust anchor). */
  String kyvernoRoots() {
    StringBuilder b = new StringBuilder();
    cas.forEach(c -> b.append(c.chainPem()));
    return b.toString();
  }

  /** The log Kyverno's single {@code pubkey} names: the last current one (no end of validity), else the last. */
  static Log preferred(List<Log> logs) {
    Log pick = null;
    for (Log l : logs) {
      if (l.current() || pick == null || !pick.current()) {
        pick = l;
      }
    }
    return pick;
  }

  /** A policy-controller TrustRoot named {@code name} holding this material as spec.sigstoreKeys. */
  ObjectNode trustRoot(String name, String comment) {
    ObjectNode doc = Json.MAPPER.createObjectNode();
    doc.put("apiVersion", "policy.sigstore.dev/v1alpha1");
    doc.put("kind", "TrustRoot");
    ObjectNode meta = doc.putObject("metadata");
    meta.put("name", name);
    meta.putObject("annotations").put("airlock.dev/source", comment);
    ObjectNode keys = doc.putObject("spec").putObject("sigstoreKeys");
    authorities(keys.putArray("certificateAuthorities"), cas);
    logs(keys.putArray("tLogs"), tlogs);
    logs(keys.putArray("ctLogs"), ctlogs);
    if (!tsas.isEmpty()) {
      authorities(keys.putArray("timestampAuthorities"), tsas);
    }
    return doc;
  }

  private static void authorities(ArrayNode out, List<Authority> list) {
    for (Authority a : list) {
      ObjectNode o = out.addObject();
      o.putObject("subject").put("organization", a.organization()).put("commonName", a.commonName());
      o.put("uri", a.uri());
      o.put("certChain", b64(a.chainPem()));
    }
  }

  private static void logs(ArrayNode out, List<Log> list) {
    for (Log l : list) {
      out.addObject().put("baseURL", l.baseUrl()).put("hashAlgorithm", l.hashAlgorithm()).put("publicKey", b64(l.keyPem()));
    }
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** A ConfigMap holding trusted_root.json, for verifiers that read one (Kyverno's ImageValidatingPolicy, cosign). */
  ObjectNode configMap(String name, String namespace, String comment) {
    ObjectNode doc = Json.MAPPER.createObjectNode();
    doc.put("apiVersion", "v1");
    doc.put("kind", "ConfigMap");
    ObjectNode meta = doc.putObject("metadata");
    meta.put("name", name);
    meta.put("namespace", namespace);
    meta.putObject("annotations").put("airlock.dev/source", comment);
    doc.putObject("data").put("trusted_root.json", new String(json, StandardCharsets.UTF_8));
    return doc;
  }
}
