package dev.airlock.verify.sigstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.InvalidInputException;
import dev.airlock.VerificationException;
import dev.airlock.oci.Json;
import dev.airlock.verify.policy.Policy;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A trust root cut down to what a keyless rule pins ({@link Policy.KeylessTrust}): the Fulcio CAs whose
 * chain holds a pinned certificate, the Rekor and CT logs whose key is pinned; timestamp authorities are
 * kept. Matching is on the DER bytes. What is left must still name a CA and, where keys are pinned, a log:
 * a pin that matches nothing of the trust root fails the rule (the trust root does not hold what the policy
 * trusts), never widens it.
 */
public final class TrustRootRestriction {
  private static final Pattern PEM_CERT = Pattern.compile(
      "-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\\s]+-----END CERTIFICATE-----");
  private static final Pattern PEM_KEY = Pattern.compile(
      "-----BEGIN PUBLIC KEY-----[A-Za-z0-9+/=\\s]+-----END PUBLIC KEY-----");

  private TrustRootRestriction() {}

  /** {@code root} restricted to {@code pins}. */
  public static TrustRoot restrict(TrustRoot root, Policy.KeylessTrust pins) {
    ObjectNode tree = (ObjectNode) Json.tree(root.json(), root.source());
    String what = root.source() + " restricted to the policy's";
    if (pins.fulcioRoots() != null) {
      List<byte[]> certs = certificates(pins.fulcioRoots(), "keyless trust.fulcioRoots");
      keep(tree, "certificateAuthorities", ca -> {
        for (JsonNode c : ca.path("certChain").path("certificates")) {
          byte[] der = decode(c.path("rawBytes").asText(""));
          if (certs.stream().anyMatch(p -> Arrays.equals(p, der))) {
            return true;
          }
        }
        return false;
      }, root.source() + " has no Fulcio CA whose chain holds one of the policy's roots");
      what += " Fulcio roots";
    }
    if (pins.rekorKeys() != null) {
      List<byte[]> keys = keys(pins.rekorKeys(), "keyless trust.rekorKeys");
      keep(tree, "tlogs", l -> keys.stream().anyMatch(k -> Arrays.equals(k, decode(l.path("publicKey").path("rawBytes").asText("")))),
          root.source() + " has no Rekor log with one of the policy's Rekor keys");
      what += " Rekor keys";
    }
    if (pins.ctlogKeys() != null) {
      List<byte[]> keys = keys(pins.ctlogKeys(), "keyless trust.ctlogKeys");
      keep(tree, "ctlogs", l -> keys.stream().anyMatch(k -> Arrays.equals(k, decode(l.path("publicKey").path("rawBytes").asText("")))),
          root.source() + " has no CT log with one of the policy's CT log keys");
      what += " CT log keys";
    }
    return TrustRoot.of(Json.write(tree), what, null);
  }

  private interface Keep {
    boolean test(JsonNode entry);
  }

  private static void keep(ObjectNode tree, String field, Keep keep, String none) {
    ArrayNode kept = Json.MAPPER.createArrayNode();
    for (JsonNode e : tree.path(field)) {
      if (keep.test(e)) {
        kept.add(e);
      }
    }
    if (kept.isEmpty()) {
      throw new VerificationException(none);
    }
    tree.set(field, kept);
  }

  private static byte[] decode(String b64) {
    try {
      return Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      return new byte[0];
    }
  }

  /** The DER bytes of every PEM certificate of {@code pems} (each entry one or several blocks); null: none. */
  public static List<byte[]> certificates(List<String> pems, String where) {
    List<byte[]> out = new ArrayList<>();
    if (pems == null) {
      return out;
    }
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (String pem : pems) {
        Matcher m = PEM_CERT.matcher(pem == null ? "" : pem);
        int found = 0;
        while (m.find()) {
          X509Certificate c = (X509Certificate) cf.generateCertificate(
              new ByteArrayInputStream(m.group().getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
          out.add(c.getEncoded());
          found++;
        }
        if (found == 0) {
          throw new InvalidInputException(where + " holds an entry with no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
      }
    } catch (CertificateException e) {
      throw new InvalidInputException(where + ": not a valid certificate: " + Json.firstLine(e.getMessage()));
    }
    return out;
  }

  /** The DER (SubjectPublicKeyInfo) bytes of every PEM public key of {@code pems}; null: none. */
  public static List<byte[]> keys(List<String> pems, String where) {
    List<byte[]> out = new ArrayList<>();
    if (pems == null) {
      return out;
    }
    for (String pem : pems) {
      Matcher m = PEM_KEY.matcher(pem == null ? "" : pem);
      int found = 0;
      while (m.find()) {
        out.add(dev.airlock.verify.keys.PublicKeys.parsePem(m.group() + "\n", where).getEncoded());
        found++;
      }
      if (found == 0) {
        throw new InvalidInputException(where + " holds an entry with no PEM public key (-----BEGIN PUBLIC KEY-----)");
      }
    }
    return out;
  }
}
