package dev.airlock.serve;

import dev.airlock.InvalidInputException;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * The certificate chain and private key {@code serve --tls-cert/--tls-key} read: PEM files, the chain
 * leaf first (then the intermediates, as web servers take it), the key unencrypted as PKCS#8
 * ({@code PRIVATE KEY}) or in the traditional forms {@code EC PRIVATE KEY} (SEC 1) and
 * {@code RSA PRIVATE KEY} (PKCS#1); RSA and EC keys only. The key must be the leaf's: a signature made with
 * it is checked with the leaf's public key. Every problem is one line naming the file.
 */
record TlsKeyPair(List<X509Certificate> chain, PrivateKey key) {
  /** Larger than any certificate chain or key file a server uses; a bigger file is not read. */
  static final long MAX_FILE = 1 << 20;

  static TlsKeyPair read(Path certFile, Path keyFile) throws IOException {
    String certText = text(certFile, "--tls-cert");
    String keyText = text(keyFile, "--tls-key");
    List<X509Certificate> chain = certificates(certText, certFile);
    PrivateKey key = privateKey(keyText, keyFile);
    X509Certificate leaf = chain.get(0);
    if (!matches(key, leaf.getPublicKey())) {
      throw new InvalidInputException("--tls-key " + keyFile + " is not the key of the first certificate in --tls-cert "
          + certFile + " (" + leaf.getSubjectX500Principal().getName() + ")");
    }
    return new TlsKeyPair(List.copyOf(chain), key);
  }

  /** The leaf's subject, issuer and validity, for the log line that says which certificate is served. */
  String describe() {
    X509Certificate leaf = chain.get(0);
    return "certificate " + leaf.getSubjectX500Principal().getName() + " (issuer " + leaf.getIssuerX500Principal().getName()
        + ", serial " + leaf.getSerialNumber().toString(16) + ", valid until " + leaf.getNotAfter().toInstant() + ", "
        + key.getAlgorithm() + " key, chain of " + chain.size() + ")";
  }

  private static String text(Path file, String option) throws IOException {
    try {
      if (Files.size(file) > MAX_FILE) {
        throw new InvalidInputException(option + " " + file + " is larger than " + MAX_FILE + " bytes; not a PEM file");
      }
      return Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(option + " " + file + ": no such file");
    } catch (IOException e) {
      throw new InvalidInputException(option + " " + file + ": " + e.getMessage());
    }
  }

  private static List<X509Certificate> certificates(String text, Path file) {
    List<X509Certificate> out = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (PEMParser p = new PEMParser(reader(text))) {
      for (Object o; (o = p.readObject()) != null; ) {
        if (o instanceof X509CertificateHolder h) {
          out.add(converter.getCertificate(h));
        } else {
          throw new InvalidInputException("--tls-cert " + file + " holds a " + kind(o) + " after " + out.size()
              + " certificate(s); it must hold only CERTIFICATE blocks, the server's first");
        }
      }
    } catch (IOException | RuntimeException | CertificateException e) {
      if (e instanceof InvalidInputException iie) {
        throw iie;
      }
      throw new InvalidInputException("--tls-cert " + file + " is not a PEM certificate chain: " + oneLine(e));
    }
    if (out.isEmpty()) {
      throw new InvalidInputException("--tls-cert " + file + " holds no PEM CERTIFICATE block");
    }
    return out;
  }

  private static PrivateKey privateKey(String text, Path file) {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    PrivateKey key = null;
    try (PEMParser p = new PEMParser(reader(text))) {
      for (Object o; (o = p.readObject()) != null; ) {
        if (o instanceof ASN1ObjectIdentifier || o instanceof X9ECParameters) {
          continue; // the EC PARAMETERS block openssl ecparam writes before the key
        }
        if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
          throw new InvalidInputException("--tls-key " + file + " is encrypted; serve needs the key unencrypted"
              + " (e.g. openssl pkey -in KEY -out PLAIN), readable only by the user running it");
        }
        if (key != null) {
          throw new InvalidInputException("--tls-key " + file + " holds more than one key");
        }
        if (o instanceof PrivateKeyInfo info) {
          key = converter.getPrivateKey(info);
        } else if (o instanceof PEMKeyPair pair) {
          // SEC 1 keys may leave the public key out (it is optional there): the private part is what counts
          key = converter.getPrivateKey(pair.getPrivateKeyInfo());
        } else {
          throw new InvalidInputException("--tls-key " + file + " holds a " + kind(o) + ", not a private key");
        }
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof InvalidInputException iie) {
        throw iie;
      }
      throw new InvalidInputException("--tls-key " + file + " is not a PEM private key: " + oneLine(e));
    }
    if (key == null) {
      throw new InvalidInputException("--tls-key " + file + " holds no PEM PRIVATE KEY block (PKCS#8, EC or RSA)");
    }
    if (!key.getAlgorithm().equals("RSA") && !key.getAlgorithm().equals("EC")) {
      throw new InvalidInputException("--tls-key " + file + " is a " + key.getAlgorithm() + " key; serve takes RSA or EC keys");
    }
    return key;
  }

  private static boolean matches(PrivateKey key, PublicKey pub) {
    if (!key.getAlgorithm().equals(pub.getAlgorithm())) {
      return false;
    }
    try {
      String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(pub);
      v.update(probe);
      return v.verify(sig);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static Reader reader(String text) {
    return new StringReader(text);
  }

  private static String kind(Object o) {
    return o.getClass().getSimpleName();
  }

  private static String oneLine(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.replaceAll("\\s+", " ").trim();
  }
}
