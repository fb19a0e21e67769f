package dev.airlock.verify.sigstore;

import dev.airlock.VerificationException;
import dev.airlock.verify.keys.PublicKeys;
import dev.sigstore.trustroot.CertificateAuthority;
import dev.sigstore.trustroot.TransparencyLog;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;

/**
 * The Signed Certificate Timestamps embedded in a Fulcio leaf (X.509 extension 1.3.6.1.4.1.11129.2.4.2), checked as
 * RFC 6962 section 3.2 defines them for precertificates and as sigstore-java does on its own path: the leaf needs at
 * least one SCT whose log id (SHA-256 of the log's public key DER) names a CT log of the trusted root valid at the
 * SCT's timestamp and whose signature verifies with that log's key over {@code version, certificate_timestamp,
 * timestamp, precert_entry, SHA-256(issuer SubjectPublicKeyInfo), TBSCertificate without the SCT extension (u24
 * length), extensions (u16 length)}. A trusted root with no CT log refuses every leaf, as sigstore-java 2.0.0 does
 * ("No ct logs were provided to verifier").
 */
final class EmbeddedScts {
  static final ASN1ObjectIdentifier SCT_LIST = new ASN1ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2");

  private EmbeddedScts() {}

  /** One SCT of the list, as read from its TLS encoding. */
  private record Sct(int version, byte[] logId, long timestamp, byte[] extensions, int hash, int signatureAlgorithm,
      byte[] signature) {}

  /**
   * Call after {@link FulcioChain#verify}: the leaf's issuer is looked for among the trusted root's CA certificates.
   *
   * @throws VerificationException unless one SCT verifies with a CT log of {@code root}
   */
  static void verify(X509Certificate leaf, TrustRoot root) {
    String who = "the signing certificate (serial " + leaf.getSerialNumber().toString(16) + ", issuer "
        + leaf.getIssuerX500Principal().getName() + ")";
    List<TransparencyLog> ctLogs = root.sigstore().getCTLogs();
    if (ctLogs.isEmpty()) {
      throw new VerificationException(who + " cannot have its SCT checked: the trusted root " + root.source()
          + " lists no CT log");
    }
    byte[] ext = leaf.getExtensionValue(SCT_LIST.getId());
    if (ext == null) {
      throw new VerificationException(who + " has no embedded SCT (extension " + SCT_LIST.getId() + ")");
    }
    List<Sct> scts;
    byte[] tbs;
    try {
      byte[] tls = ASN1OctetString.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getOctets();
      scts = parseList(tls);
      tbs = tbsWithoutScts(leaf);
    } catch (IllegalArgumentException | IllegalStateException | IOException | java.nio.BufferUnderflowException
        | java.security.cert.CertificateEncodingException e) {
      throw new VerificationException(who + " has a malformed SCT list: " + e.getMessage());
    }
    X509Certificate issuer = issuer(leaf, root);
    if (issuer == null) {
      throw new VerificationException(who + ": its issuer is not a CA certificate of the trusted root, so its SCT cannot be checked");
    }
    byte[] issuerKeyHash = sha256(issuer.getPublicKey().getEncoded());
    List<String> why = new ArrayList<>();
    for (Sct sct : scts) {
      String reason = check(sct, issuerKeyHash, tbs, ctLogs);
      if (reason == null) {
        return;
      }
      why.add(reason);
    }
    throw new VerificationException(who + " has no valid SCT from a CT log of the trusted root (" + scts.size()
        + " SCT(s): " + String.join("; ", why) + ")");
  }

  /** @return null when {@code sct} verifies, else why not */
  private static String check(Sct sct, byte[] issuerKeyHash, byte[] tbs, List<TransparencyLog> ctLogs) {
    if (sct.version() != 0) {
      return "version " + sct.version() + " is not v1";
    }
    Instant at = Instant.ofEpochMilli(sct.timestamp());
    String logHex = java.util.HexFormat.of().formatHex(sct.logId());
    boolean known = false;
    for (TransparencyLog log : ctLogs) {
      if (!MessageDigest.isEqual(sha256(log.getPublicKey().getRawBytes()), sct.logId())) {
        continue;
      }
      known = true;
      if (!log.getPublicKey().getValidFor().contains(at)) {
        continue;
      }
      PublicKey key;
      try {
        key = log.getPublicKey().toJavaPublicKey();
      } catch (GeneralSecurityException e) {
        continue;
      }
      if (sct.hash() != 4) { // sha256, the only hash Sigstore's CT logs use
        return "log " + logHex + ": hash algorithm " + sct.hash() + " is not sha256";
      }
      int expected = key instanceof java.security.interfaces.ECPublicKey ? 3
          : key instanceof java.security.interfaces.RSAPublicKey ? 1 : -1;
      if (sct.signatureAlgorithm() != expected) {
        return "log " + logHex + ": signature algorithm " + sct.signatureAlgorithm() + " does not fit its " + key.getAlgorithm() + " key";
      }
      if (PublicKeys.verify(key, signedData(sct, issuerKeyHash, tbs), sct.signature())) {
        return null;
      }
      return "log " + logHex + ": the signature does not verify";
    }
    return known ? "log " + logHex + " is not valid at " + at : "log " + logHex + " is not in the trusted root";
  }

  /** RFC 6962 section 3.2: the digitally-signed struct of a precert_entry SCT. */
  private static byte[] signedData(Sct sct, byte[] issuerKeyHash, byte[] tbs) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(tbs.length + 64);
      DataOutputStream d = new DataOutputStream(bytes);
      d.writeByte(sct.version());
      d.writeByte(0); // signature_type certificate_timestamp
      d.writeLong(sct.timestamp());
      d.writeShort(1); // entry_type precert_entry
      d.write(issuerKeyHash);
      d.writeByte(tbs.length >>> 16);
      d.writeShort(tbs.length & 0xffff);
      d.write(tbs);
      d.writeShort(sct.extensions().length);
      d.write(sct.extensions());
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code SignedCertificateTimestampList}: u16 length, then u16-length-prefixed SCTs. */
  private static List<Sct> parseList(byte[] tls) {
    ByteBuffer b = ByteBuffer.wrap(tls);
    int total = b.getShort() & 0xffff;
    if (total != b.remaining()) {
      throw new IllegalArgumentException("the list says " + total + " bytes, it has " + b.remaining());
    }
    List<Sct> out = new ArrayList<>();
    while (b.hasRemaining()) {
      int len = b.getShort() & 0xffff;
      if (len > b.remaining()) {
        throw new IllegalArgumentException("an SCT of " + len + " bytes overruns the list");
      }
      ByteBuffer s = b.slice(b.position(), len);
      b.position(b.position() + len);
      int version = s.get() & 0xff;
      byte[] logId = new byte[32];
      s.get(logId);
      long timestamp = s.getLong();
      byte[] extensions = new byte[s.getShort() & 0xffff];
      s.get(extensions);
      int hash = s.get() & 0xff;
      int sigAlg = s.get() & 0xff;
      byte[] signature = new byte[s.getShort() & 0xffff];
      s.get(signature);
      if (s.hasRemaining()) {
        throw new IllegalArgumentException("an SCT has " + s.remaining() + " trailing bytes");
      }
      out.add(new Sct(version, logId, timestamp, extensions, hash, sigAlg, signature));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("the list is empty");
    }
    return out;
  }

  /** The leaf's TBSCertificate, DER, with the SCT list extension removed (the other extensions in their order). */
  static byte[] tbsWithoutScts(X509Certificate leaf) throws IOException, java.security.cert.CertificateEncodingException {
    ASN1Sequence tbs = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(leaf.getTBSCertificate()));
    ASN1EncodableVector v = new ASN1EncodableVector();
    for (ASN1Encodable e : tbs) {
      if (e instanceof ASN1TaggedObject t && t.getTagNo() == 3) {
        Extensions exts = Extensions.getInstance(t.getExplicitBaseObject());
        List<Extension> kept = new ArrayList<>();
        for (ASN1ObjectIdentifier oid : exts.getExtensionOIDs()) {
          if (!oid.equals(SCT_LIST)) {
            kept.add(exts.getExtension(oid));
          }
        }
        if (!kept.isEmpty()) {
          v.add(new DERTaggedObject(true, 3, new Extensions(kept.toArray(new Extension[0]))));
        }
      } else {
        v.add(e);
      }
    }
    return new DERSequence(v).getEncoded("DER");
  }

  /** The certificate of the trusted root's CA paths whose key signed {@code leaf}. */
  private static X509Certificate issuer(X509Certificate leaf, TrustRoot root) {
    List<X509Certificate> candidates = new ArrayList<>();
    for (CertificateAuthority ca : root.sigstore().getCAs()) {
      for (Certificate c : ca.getCertPath().getCertificates()) {
        candidates.add((X509Certificate) c);
      }
    }
    for (X509Certificate c : candidates) {
      if (!c.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())) {
        continue;
      }
      try {
        leaf.verify(c.getPublicKey());
        return c;
      } catch (GeneralSecurityException e) {
        // same name, other key
      }
    }
    return null;
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
