package dev.airlock.bundler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.notation.NotationCheckException;
import dev.airlock.verify.notation.SignatureEnvelope;
import dev.airlock.verify.policy.CosignSignatureVerifier;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1String;

/**
 * Reads, offline and without verifying anything, who a signature or attestation says signed it: the key
 * id a keyed signature names (a Sigstore bundle's {@code publicKey.hint}, a DSSE {@code keyid}, or the
 * public key logged in the cosign Rekor bundle annotation), the certificate subject (SAN) and OIDC issuer
 * of a Fulcio certificate (keyless), or the subject and issuer DN of any other certificate (the leaf of a
 * Notation JWS or COSE envelope). These are claims the bundle carries; only {@code verify} checks them.
 */
final class SignerIdentities {
  private SignerIdentities() {}

  /** Fulcio's OIDC issuer extensions: v1 holds the raw string, v2 a DER UTF8String. */
  static final String FULCIO_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1";
  static final String FULCIO_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8";

  /** The identity one signature claims; {@code identity} is key, keyless, certificate or unknown. */
  record Signer(String layer, int seq, String format, String identity, String keyId, String subject, String issuer,
      String certSha256) {}

  /** The in-toto predicate type an attestation layer declares. */
  record Predicate(String layer, String predicateType) {}

  /** Signers and predicate types found in one referrer manifest. */
  record Found(List<Signer> signers, List<Predicate> predicates) {}

  /** Reads a small blob (capped); returns null when it cannot be read. */
  interface Blobs {
    byte[] read(Descriptor d) throws IOException;
  }

  static final int CAP = 4 * 1024 * 1024;

  static Found read(RawManifest referrer, Blobs blobs) {
    List<Signer> signers = new ArrayList<>();
    List<Predicate> predicates = new ArrayList<>();
    String predicateAnnotation = referrer.annotations().get("dev.sigstore.bundle.predicateType");
    for (Descriptor layer : referrer.layers()) {
      String mt = layer.mediaType() == null ? "" : layer.mediaType();
      String id = layer.digest().toString();
      try {
        if (mt.equals(MediaTypes.COSIGN_SIMPLESIGNING)) {
          signers.add(cosign(id, "cosign", layer.annotations(), null));
        } else if (mt.equals(MediaTypes.DSSE_ENVELOPE) || mt.equals(MediaTypes.IN_TOTO)) {
          JsonNode env = json(blobs, layer);
          String pt = layer.annotation("predicateType");
          if (pt == null && env != null) {
            pt = statementPredicate(env);
          }
          if (pt != null) {
            predicates.add(new Predicate(id, pt));
          }
          List<String> keyIds = new ArrayList<>();
          if (env != null) {
            for (JsonNode s : env.path("signatures")) {
              keyIds.add(s.path("keyid").asText(""));
            }
          }
          if (keyIds.isEmpty()) {
            keyIds.add("");
          }
          for (int i = 0; i < keyIds.size(); i++) {
            Signer s = cosign(id, "cosign-attestation", layer.annotations(), keyIds.get(i));
            signers.add(new Signer(s.layer(), i, s.format(), s.identity(), s.keyId(), s.subject(), s.issuer(), s.certSha256()));
          }
        } else if (mt.startsWith("application/vnd.dev.sigstore.bundle")) {
          JsonNode b = json(blobs, layer);
          signers.add(sigstoreBundle(id, b));
          String pt = predicateAnnotation;
          if (pt == null && b != null && b.path("dsseEnvelope").isObject()) {
            pt = statementPredicate(b.path("dsseEnvelope"));
          }
          if (pt != null) {
            predicates.add(new Predicate(id, pt));
          }
        } else if (mt.equals(SignatureEnvelope.JWS) || mt.equals(SignatureEnvelope.COSE)) {
          signers.add(notation(id, mt, layer, blobs));
        }
      } catch (RuntimeException e) {
        signers.add(new Signer(id, 0, formatOf(mt), "unknown", null, null, null, null));
      }
    }
    return new Found(signers, predicates);
  }

  private static String formatOf(String mediaType) {
    if (mediaType.equals(MediaTypes.COSIGN_SIMPLESIGNING)) {
      return "cosign";
    }
    if (mediaType.startsWith("application/vnd.dev.sigstore.bundle")) {
      return "sigstore-bundle";
    }
    if (mediaType.equals("application/jose+json")) {
      return "notation-jws";
    }
    return mediaType.equals("application/cose") ? "notation-cose" : "cosign-attestation";
  }

  /**
   * A cosign tag-scheme layer: keyless when it carries a certificate annotation, else keyed, with the key
   * id of the public key in the Rekor bundle annotation when there is one, else the DSSE keyid.
   */
  private static Signer cosign(String layer, String format, Map<String, String> annotations, String dsseKeyId) {
    String certPem = annotations.get(CosignSignatureVerifier.CERTIFICATE_ANNOTATION);
    if (certPem != null && !certPem.isBlank()) {
      return certificate(layer, format, parsePem(certPem));
    }
    String keyId = loggedKeyId(annotations.get(CosignSignatureVerifier.BUNDLE_ANNOTATION));
    if (keyId == null) {
      keyId = normaliseKeyId(dsseKeyId);
    }
    return new Signer(layer, 0, format, "key", keyId, null, null, null);
  }

  /** The key id of the public key a cosign Rekor bundle's entry body records (hashedrekord or intoto). */
  private static String loggedKeyId(String rekorBundle) {
    if (rekorBundle == null || rekorBundle.isBlank()) {
      return null;
    }
    try {
      JsonNode set = Json.tree(rekorBundle.getBytes(StandardCharsets.UTF_8), "Rekor bundle annotation");
      JsonNode body = Json.tree(Base64.getDecoder().decode(set.path("Payload").path("body").asText("")), "Rekor entry");
      JsonNode spec = body.path("spec");
      String b64 = spec.path("signature").path("publicKey").path("content").asText(null);
      if (b64 == null) {
        b64 = spec.path("publicKey").asText(null);
      }
      if (b64 == null) {
        return null;
      }
      String pem = new String(Base64.getDecoder().decode(b64.trim()), StandardCharsets.UTF_8);
      return pem.contains("BEGIN PUBLIC KEY") ? PublicKeys.keyId(PublicKeys.parsePem(pem, "logged key")) : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** A Sigstore bundle (v0.1 to v0.3): its certificate (leaf of a chain in older versions) or public key hint. */
  private static Signer sigstoreBundle(String layer, JsonNode b) {
    if (b == null) {
      return new Signer(layer, 0, "sigstore-bundle", "unknown", null, null, null, null);
    }
    JsonNode vm = b.path("verificationMaterial");
    String raw = vm.path("certificate").path("rawBytes").asText(null);
    if (raw == null) {
      JsonNode chain = vm.path("x509CertificateChain").path("certificates");
      raw = chain.isArray() && chain.size() > 0 ? chain.get(0).path("rawBytes").asText(null) : null;
    }
    if (raw != null) {
      return certificate(layer, "sigstore-bundle", parseDer(Base64.getDecoder().decode(raw)));
    }
    String hint = vm.path("publicKey").path("hint").asText(null);
    if (vm.path("publicKey").isObject()) {
      return new Signer(layer, 0, "sigstore-bundle", "key", normaliseKeyId(hint), null, null, null);
    }
    return new Signer(layer, 0, "sigstore-bundle", "unknown", null, null, null, null);
  }

  /**
   * A Notation envelope (JWS or COSE), parsed by the verifier's own reader but not verified: its leaf
   * certificate ({@code x5c[0]}, COSE label 33) names the signer.
   */
  private static Signer notation(String layer, String mediaType, Descriptor d, Blobs blobs) {
    String format = mediaType.equals(SignatureEnvelope.JWS) ? "notation-jws" : "notation-cose";
    try {
      byte[] bytes = d.size() > CAP ? null : blobs.read(d);
      if (bytes == null) {
        return new Signer(layer, 0, format, "unknown", null, null, null, null);
      }
      return certificate(layer, format, SignatureEnvelope.parse(mediaType, bytes).leaf());
    } catch (IOException | NotationCheckException | RuntimeException e) {
      return new Signer(layer, 0, format, "unknown", null, null, null, null);
    }
  }

  /**
   * Keyless (a Fulcio certificate: it has the OIDC issuer extension): the subject alternative name and the
   * issuer; any other certificate: its subject and issuer distinguished names (RFC 2253, as Notation
   * trust policies write them).
   */
  private static Signer certificate(String layer, String format, X509Certificate cert) {
    String certSha = sha256(cert);
    String oidcIssuer = fulcioIssuer(cert);
    String keyId = PublicKeys.keyId(cert.getPublicKey());
    if (oidcIssuer != null) {
      return new Signer(layer, 0, format, "keyless", keyId, subjectAlternativeName(cert), oidcIssuer, certSha);
    }
    return new Signer(layer, 0, format, "certificate", keyId, cert.getSubjectX500Principal().getName(X500Principal.RFC2253),
        cert.getIssuerX500Principal().getName(X500Principal.RFC2253), certSha);
  }

  static String fulcioIssuer(X509Certificate cert) {
    try {
      byte[] v2 = cert.getExtensionValue(FULCIO_ISSUER_V2);
      if (v2 != null) {
        ASN1Primitive inner = ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(v2).getOctets());
        if (inner instanceof ASN1String s) {
          return s.getString();
        }
      }
      byte[] v1 = cert.getExtensionValue(FULCIO_ISSUER_V1);
      if (v1 != null) {
        return new String(ASN1OctetString.getInstance(v1).getOctets(), StandardCharsets.UTF_8);
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return null;
  }

  /** The first e-mail or URI (then DNS name, then other) subject alternative name. */
  static String subjectAlternativeName(X509Certificate cert) {
    try {
      var names = cert.getSubjectAlternativeNames();
      if (names == null) {
        return null;
      }
      String best = null;
      int bestRank = Integer.MAX_VALUE;
      for (List<?> n : names) {
        int type = (Integer) n.get(0);
        int rank = switch (type) {
          case 1, 6 -> 0; // rfc822Name, uniformResourceIdentifier
          case 2 -> 1;    // dNSName
          default -> 2;
        };
        if (n.get(1) instanceof String s && rank < bestRank) {
          best = s;
          bestRank = rank;
        }
      }
      return best;
    } catch (java.security.cert.CertificateParsingException e) {
      return null;
    }
  }

  private static final Pattern HEX_KEY_ID = Pattern.compile("[0-9a-fA-F]{64}");

  /**
   * A key id as airlock writes them (hex sha256 of the PKIX DER): kept when it is one, converted when it is
   * the same 32 bytes in base64 (cosign's hint), otherwise kept as the signature gives it; null when empty.
   */
  static String normaliseKeyId(String id) {
    if (id == null || id.isBlank()) {
      return null;
    }
    if (HEX_KEY_ID.matcher(id).matches()) {
      return id.toLowerCase(java.util.Locale.ROOT);
    }
    try {
      byte[] b = Base64.getDecoder().decode(id.trim());
      if (b.length == 32) {
        return HexFormat.of().formatHex(b);
      }
    } catch (IllegalArgumentException e) {
      // not base64: keep it as given
    }
    return id;
  }

  private static String statementPredicate(JsonNode envelope) {
    String payload = envelope.path("payload").asText(null);
    if (payload == null) {
      return null;
    }
    JsonNode st = Json.tree(Base64.getDecoder().decode(payload), "DSSE payload");
    return st.path("predicateType").asText(null);
  }

  private static JsonNode json(Blobs blobs, Descriptor layer) {
    if (layer.size() > CAP) {
      return null;
    }
    try {
      byte[] b = blobs.read(layer);
      return b == null ? null : Json.tree(b, "signature layer " + layer.digest());
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static final Pattern PEM = Pattern.compile("-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", Pattern.DOTALL);

  private static X509Certificate parsePem(String pem) {
    Matcher m = PEM.matcher(pem);
    if (!m.find()) {
      throw new IllegalArgumentException("no certificate in the annotation");
    }
    return parseDer(Base64.getMimeDecoder().decode(m.group(1)));
  }

  private static X509Certificate parseDer(byte[] der) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (java.security.cert.CertificateException e) {
      throw new IllegalArgumentException("not a certificate: " + e.getMessage(), e);
    }
  }

  private static String sha256(X509Certificate cert) {
    try {
      return Digest.sha256(cert.getEncoded()).hex();
    } catch (java.security.cert.CertificateEncodingException e) {
      return null;
    }
  }
}
