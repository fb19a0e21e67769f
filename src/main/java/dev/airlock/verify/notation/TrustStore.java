package dev.airlock.verify.notation;

import dev.airlock.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Notation's X.509 trust store: named stores of certificates by type ({@code ca}, {@code signingAuthority},
 * {@code tsa}), as the directory {@code x509/TYPE/NAME/*.{pem,crt,cer}} holds them (DER or PEM, several
 * certificates per file allowed; sub directories ignored; symbolic links refused, as the spec asks).
 * Certificate revocation lists for offline revocation checks come from {@code *.crl} files in
 * {@code crl/} beside {@code x509/} or in a named store directory. Built in memory with {@link #of} by
 * front ends that carry certificates inline.
 */
public final class TrustStore {
  public static final Set<String> TYPES = Set.of("ca", "signingAuthority", "tsa");
  private static final long FILE_CAP = 1 << 20;

  private final String source;
  private final Map<String, List<X509Certificate>> stores;
  private final List<X509CRL> crls;

  private TrustStore(String source, Map<String, List<X509Certificate>> stores, List<X509CRL> crls) {
    this.source = source;
    this.stores = stores;
    this.crls = List.copyOf(crls);
  }

  /** @param stores {@code type:name} to certificates */
  public static TrustStore of(String source, Map<String, List<X509Certificate>> stores, List<X509CRL> crls) {
    Map<String, List<X509Certificate>> m = new TreeMap<>();
    stores.forEach((k, v) -> m.put(k, List.copyOf(v)));
    return new TrustStore(source, m, crls == null ? List.of() : crls);
  }

  /**
   * Loads a trust store directory: {@code dir} holds {@code x509/} (Notation's {@code truststore}), or
   * holds {@code truststore/x509/} (Notation's configuration directory).
   */
  public static TrustStore load(Path dir) throws IOException {
    Path root = dir;
    if (!Files.isDirectory(root.resolve("x509")) && Files.isDirectory(root.resolve("truststore/x509"))) {
      root = root.resolve("truststore");
    }
    if (!Files.isDirectory(root.resolve("x509"), LinkOption.NOFOLLOW_LINKS)) {
      throw new InvalidInputException("Notation trust store " + dir + " has no x509/ directory"
          + " (expected x509/{ca,signingAuthority,tsa}/NAME/)");
    }
    Map<String, List<X509Certificate>> stores = new TreeMap<>();
    List<X509CRL> crls = new ArrayList<>();
    for (String type : TYPES) {
      Path typeDir = root.resolve("x509").resolve(type);
      if (!Files.isDirectory(typeDir, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      try (Stream<Path> named = Files.list(typeDir)) {
        for (Path n : named.sorted().toList()) {
          if (Files.isSymbolicLink(n)) {
            throw new InvalidInputException("Notation trust store " + n + " is a symbolic link; named stores must not be");
          }
          if (!Files.isDirectory(n)) {
            continue;
          }
          stores.put(type + ":" + n.getFileName(), certificatesIn(n, crls));
        }
      }
    }
    Path crlDir = root.resolve("crl");
    if (Files.isDirectory(crlDir, LinkOption.NOFOLLOW_LINKS)) {
      certificatesIn(crlDir, crls);
    }
    return new TrustStore(root.toString(), stores, crls);
  }

  private static List<X509Certificate> certificatesIn(Path dir, List<X509CRL> crls) throws IOException {
    List<X509Certificate> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        String n = f.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        boolean cert = n.endsWith(".pem") || n.endsWith(".crt") || n.endsWith(".cer");
        boolean crl = n.endsWith(".crl");
        if (!cert && !crl) {
          continue;
        }
        if (Files.isSymbolicLink(f)) {
          throw new InvalidInputException("Notation trust store file " + f + " is a symbolic link; certificate files must not be");
        }
        if (!Files.isRegularFile(f)) {
          continue;
        }
        byte[] bytes = dev.airlock.files.BoundedFile.read(f, (int) FILE_CAP, "Notation trust store file");
        if (cert) {
          List<X509Certificate> got = parseCertificates(bytes, f.toString());
          if (got.isEmpty()) {
            throw new InvalidInputException("Notation trust store file " + f + " holds no certificate");
          }
          out.addAll(got);
        } else {
          crls.addAll(parseCrls(bytes, f.toString()));
        }
      }
    }
    return out;
  }

  /** Certificates in DER or PEM (one or more). */
  public static List<X509Certificate> parseCertificates(byte[] bytes, String what) {
    try {
      Collection<? extends java.security.cert.Certificate> cs =
          CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes));
      List<X509Certificate> out = new ArrayList<>();
      for (var c : cs) {
        out.add((X509Certificate) c);
      }
      return out;
    } catch (CertificateException e) {
      throw new InvalidInputException(what + " is not an X.509 certificate file: " + e.getMessage());
    }
  }

  /** CRLs in DER or PEM (one or more). */
  public static List<X509CRL> parseCrls(byte[] bytes, String what) {
    try {
      List<X509CRL> out = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCRLs(new ByteArrayInputStream(bytes))) {
        out.add((X509CRL) c);
      }
      if (out.isEmpty()) {
        throw new InvalidInputException(what + " holds no CRL");
      }
      return out;
    } catch (CertificateException | CRLException e) {
      throw new InvalidInputException(what + " is not a CRL file: " + e.getMessage());
    }
  }

  public String source() {
    return source;
  }

  /** The certificates of a named store ({@code ca:acme}); null when the store does not exist. */
  public List<X509Certificate> certificates(String typeAndName) {
    return stores.get(typeAndName);
  }

  public List<X509CRL> crls() {
    return crls;
  }

  /** Named stores present ({@code ca:acme}, ...). */
  public Set<String> names() {
    return stores.keySet();
  }
}
