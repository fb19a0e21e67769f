package dev.airlock.verify.notation;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.tsp.Accuracy;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.tsp.TSPException;
import org.bouncycastle.tsp.TimeStampToken;
import org.bouncycastle.tsp.TimeStampTokenInfo;

/**
 * Verifies an RFC 3161 timestamp countersignature offline: the token's CMS signature and its
 * signing-certificate(-v2) attribute, the message imprint over the signature it stamps, and a chain from
 * the TSA certificate (through the certificates the token carries) to a certificate of a {@code tsa:}
 * trust store, each valid at the stamped time. Returns the range genTime ± accuracy (RFC 3161 2.4.2;
 * 1 s for the baseline policy of RFC 3628 when no accuracy is given, else 0).
 */
public final class TimestampVerifier {
  private static final ASN1ObjectIdentifier BASELINE_POLICY = new ASN1ObjectIdentifier("0.4.0.2023.1.1");

  private TimestampVerifier() {}

  /** The verified time range and who stamped it. */
  public record Stamp(Instant lower, Instant upper, Instant genTime, X509Certificate tsa) {}

  public static Stamp verify(byte[] token, byte[] stampedSignature, List<X509Certificate> trustedTsaRoots)
      throws NotationCheckException {
    TimeStampToken tst;
    try {
      tst = new TimeStampToken(new CMSSignedData(token));
    } catch (CMSException | TSPException | IOException | RuntimeException e) {
      throw fail("the timestamp countersignature is not an RFC 3161 TimeStampToken: " + e.getMessage());
    }
    TimeStampTokenInfo info = tst.getTimeStampInfo();
    ASN1ObjectIdentifier alg = info.getMessageImprintAlgOID();
    String hash = alg.equals(NISTObjectIdentifiers.id_sha256) ? "SHA-256"
        : alg.equals(NISTObjectIdentifiers.id_sha384) ? "SHA-384"
        : alg.equals(NISTObjectIdentifiers.id_sha512) ? "SHA-512" : null;
    if (hash == null) {
      throw fail("the timestamp's message imprint uses an unsupported hash " + alg);
    }
    try {
      if (!Arrays.equals(MessageDigest.getInstance(hash).digest(stampedSignature), info.getMessageImprintDigest())) {
        throw fail("the timestamp's message imprint is not the " + hash + " of this signature");
      }
    } catch (GeneralSecurityException e) {
      throw fail("cannot hash the signature: " + e.getMessage());
    }
    List<X509Certificate> carried = new ArrayList<>();
    JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
    X509Certificate signer = null;
    try {
      @SuppressWarnings("unchecked")
      Collection<X509CertificateHolder> holders = tst.getCertificates().getMatches(null);
      for (X509CertificateHolder h : holders) {
        X509Certificate c = conv.getCertificate(h);
        carried.add(c);
        if (tst.getSID().match(h)) {
          signer = c;
        }
      }
    } catch (GeneralSecurityException e) {
      throw fail("a certificate in the timestamp cannot be read: " + e.getMessage());
    }
    if (signer == null) {
      for (X509Certificate t : trustedTsaRoots) {
        try {
          if (tst.getSID().match(new X509CertificateHolder(t.getEncoded()))) {
            signer = t;
          }
        } catch (IOException | GeneralSecurityException e) {
          // not this one
        }
      }
    }
    if (signer == null) {
      throw fail("the timestamp does not carry its signing certificate (" + carried.size() + " certificates, signer "
          + tst.getSID().getIssuer() + " serial " + tst.getSID().getSerialNumber() + ")");
    }
    try {
      tst.validate(new JcaSimpleSignerInfoVerifierBuilder().build(signer));
    } catch (TSPException | OperatorCreationException | RuntimeException e) {
      throw fail("the timestamp signature does not verify: " + e.getMessage());
    }
    Instant genTime = info.getGenTime().toInstant();
    List<X509Certificate> chain = chain(signer, carried, trustedTsaRoots);
    X509Certificate top = chain.get(chain.size() - 1);
    if (!top.getIssuerX500Principal().equals(top.getSubjectX500Principal())) {
      throw fail("the timestamp's certificate chain does not lead to a certificate of the tsa trust store: it ends at "
          + CertificateChains.subject(top) + ", issued by '" + top.getIssuerX500Principal().getName() + "'");
    }
    try {
      CertificateChains.validate(chain, CertificateChains.TIME_STAMPING, "the timestamp");
    } catch (CertificateChains.ChainException e) {
      throw fail(e.getMessage());
    }
    String invalid = CertificateChains.invalidAt(chain, genTime);
    if (invalid != null) {
      throw fail("timestamp chain: " + invalid);
    }
    try {
      if (CertificateChains.firstTrusted(chain, trustedTsaRoots) == null) {
        throw fail("the timestamp's certificate chain (root " + CertificateChains.subject(chain.get(chain.size() - 1))
            + ") does not lead to a certificate of the tsa trust store");
      }
    } catch (GeneralSecurityException e) {
      throw fail(e.getMessage());
    }
    Duration accuracy = accuracy(info);
    return new Stamp(genTime.minus(accuracy), genTime.plus(accuracy), genTime, signer);
  }

  /** Orders signer, issuers from the token, and a trusted root when the token stops short of one. */
  private static List<X509Certificate> chain(X509Certificate signer, List<X509Certificate> carried,
      List<X509Certificate> trusted) {
    List<X509Certificate> chain = new ArrayList<>();
    chain.add(signer);
    X509Certificate cur = signer;
    while (!cur.getIssuerX500Principal().equals(cur.getSubjectX500Principal()) && chain.size() < 10) {
      X509Certificate next = issuerOf(cur, carried);
      if (next == null) {
        next = issuerOf(cur, trusted);
      }
      if (next == null || chain.contains(next)) {
        break;
      }
      chain.add(next);
      cur = next;
    }
    return chain;
  }

  private static X509Certificate issuerOf(X509Certificate c, List<X509Certificate> candidates) {
    for (X509Certificate i : candidates) {
      if (i.getSubjectX500Principal().equals(c.getIssuerX500Principal()) && !i.equals(c)) {
        try {
          c.verify(i.getPublicKey());
          return i;
        } catch (GeneralSecurityException e) {
          // another certificate with that name
        }
      }
    }
    return null;
  }

  private static Duration accuracy(TimeStampTokenInfo info) {
    Accuracy a = info.toASN1Structure().getAccuracy();
    if (a == null) {
      return BASELINE_POLICY.equals(info.getPolicy()) ? Duration.ofSeconds(1) : Duration.ZERO;
    }
    long s = a.getSeconds() == null ? 0 : a.getSeconds().longValueExact();
    long ms = a.getMillis() == null ? 0 : a.getMillis().longValueExact();
    long us = a.getMicros() == null ? 0 : a.getMicros().longValueExact();
    return Duration.ofSeconds(s).plusMillis(ms).plusNanos(us * 1000);
  }

  private static NotationCheckException fail(String message) {
    return new NotationCheckException(Check.AUTHENTIC_TIMESTAMP, message);
  }
}
