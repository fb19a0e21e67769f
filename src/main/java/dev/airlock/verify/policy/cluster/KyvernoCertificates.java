package dev.airlock.verify.policy.cluster;

import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.policy.Policy;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * A Kyverno attestor entry of {@code certificates} ({@code cert}, {@code certChain}), read as Kyverno's two
 * verifiers read it. For {@code type: Notary}, {@code cert} and {@code certChain} together are the trust store
 * {@code ca:kyverno} of a strict Notation trust policy trusting any identity ({@code "*"}), as Kyverno's
 * Notary verifier builds it. For cosign, {@code cert} is the signer: its public key verifies the signature
 * (cosign's {@code --certificate}); with {@code certChain} the certificate must first chain to it at its
 * notBefore, as cosign's {@code ValidateAndUnpackCertWithChain} checks.
 */
final class KyvernoCertificates {
  static final String NOTARY_STORE = "ca:kyverno";
  private static final String CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
  private static final String ANY_EKU = "2.5.29.37.0";

  private KyvernoCertificates() {}

  /** {@code type: Notary}: a Notation rule trusting the entry's certificates. */
  static Policy.Rule notation(String name, Fields c) {
    c.only("cert", "certChain", "rekor", "ctlog");
    for (String f : new String[] {"rekor", "ctlog"}) {
      if (c.has(f)) {
        throw c.error("unsupported field '" + c.at(f) + "' with type Notary (Notation signatures have no transparency"
            + " log; Kyverno's Notary verifier reads only cert and certChain)");
      }
    }
    List<X509Certificate> all = new ArrayList<>();
    if (c.text("cert") != null) {
      all.addAll(parse(c, "cert"));
    }
    if (c.text("certChain") != null) {
      all.addAll(parse(c, "certChain"));
    }
    if (all.isEmpty()) {
      throw c.error(c.path() + " needs cert or certChain (the Notation trust anchors)");
    }
    Policy.NotationRule rule = new Policy.NotationRule(pem(all), List.of(NOTARY_STORE), List.of("*"), null, null, null);
    return new Policy.Rule(name, null, null, null, null, rule);
  }

  /** PEM certificates as the trust store {@value #NOTARY_STORE} of a strict Notation rule trusting any identity. */
  static Policy.Rule notation(String name, Fields where, String field) {
    List<X509Certificate> certs = parse(where, field);
    return new Policy.Rule(name, null, null, null, null,
        new Policy.NotationRule(pem(certs), List.of(NOTARY_STORE), List.of("*"), null, null, null));
  }

  /** Cosign: the public key (PEM) of {@code cert}, which must chain to {@code certChain} when one is given. */
  static List<String> cosignKey(Fields c) {
    c.only("cert", "certChain", "rekor", "ctlog");
    KyvernoPolicy.rekor(c);
    KyvernoPolicy.ctlog(c);
    if (c.text("cert") == null) {
      throw c.error(c.at("cert") + " is required for a cosign signature (certChain alone makes the chain the roots of"
          + " keyless certificates: write it as keyless.roots)");
    }
    List<X509Certificate> leaf = parse(c, "cert");
    if (leaf.size() != 1) {
      throw c.error(c.at("cert") + " must hold one certificate (it holds " + leaf.size() + ")");
    }
    X509Certificate cert = leaf.get(0);
    if (c.text("certChain") != null) {
      Fields ct = c.object("ctlog");
      if (ct == null || !Boolean.TRUE.equals(ct.bool("ignoreSCT"))) {
        throw c.error(c.at("certChain") + " needs ctlog.ignoreSCT: true (cosign then checks the certificate's SCT, which"
            + " airlock does not evaluate for a certificate the policy gives)");
      }
      chain(c, cert, parse(c, "certChain"));
    }
    return List.of(PublicKeys.toPem(cert.getPublicKey()));
  }

  /** The certificate chains to the chain's last certificate (its root) through the others, at its notBefore. */
  private static void chain(Fields c, X509Certificate cert, List<X509Certificate> chain) {
    X509Certificate root = chain.get(chain.size() - 1);
    try {
      List<X509Certificate> path = new ArrayList<>();
      path.add(cert);
      // the intermediates, leaf-first as the chain lists them; the root is the anchor
      path.addAll(chain.subList(0, chain.size() - 1));
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
      params.setRevocationEnabled(false);
      params.setDate(cert.getNotBefore());
      CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(path), params);
      List<String> eku = cert.getExtendedKeyUsage();
      if (eku != null && !eku.contains(CODE_SIGNING) && !eku.contains(ANY_EKU)) {
        throw c.error(c.at("cert") + " is not for code signing (its extended key usage is " + eku + ")");
      }
    } catch (GeneralSecurityException e) {
      throw c.error(c.at("cert") + " does not chain to " + c.at("certChain") + ": "
          + dev.airlock.oci.Json.firstLine(e.getMessage()));
    }
  }

  private static List<X509Certificate> parse(Fields c, String field) {
    String text = c.text(field);
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (var x : cf.generateCertificates(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))) {
        out.add((X509Certificate) x);
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      throw c.error(c.at(field) + " is not PEM certificates: " + dev.airlock.oci.Json.firstLine(e.getMessage()));
    }
    if (out.isEmpty()) {
      throw c.error(c.at(field) + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    return out;
  }

  private static String pem(List<X509Certificate> certs) {
    StringBuilder b = new StringBuilder();
    Base64.Encoder enc = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
    for (X509Certificate x : certs) {
      try {
        b.append("-----BEGIN CERTIFICATE-----\n").append(enc.encodeToString(x.getEncoded())).append("\n-----END CERTIFICATE-----\n");
      } catch (java.security.cert.CertificateEncodingException e) {
        throw new IllegalStateException(e);
      }
    }
    return b.toString();
  }
}
