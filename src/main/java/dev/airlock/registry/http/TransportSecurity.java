package dev.airlock.registry.http;

import dev.airlock.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Which hosts get plain HTTP or unverified TLS (only those the user names, plus plain HTTP for loopback
 * addresses unless the user names them as TLS hosts), and the TLS contexts: the system trust store plus an
 * optional private CA file. There is no fallback between the two: a host gets exactly one scheme.
 */
public final class TransportSecurity {
  private final Set<String> plainHttpHosts;
  private final Set<String> tlsHosts;
  private final Set<String> insecureHosts;
  private final Path caFile;

  public TransportSecurity(Set<String> plainHttpHosts, Set<String> insecureHosts, Path caFile) {
    this(plainHttpHosts, Set.of(), insecureHosts, caFile);
  }

  /**
   * @param tlsHosts hosts that use HTTPS although they are loopback addresses; a host named for
   *     unverified TLS is one too
   */
  public TransportSecurity(Set<String> plainHttpHosts, Set<String> tlsHosts, Set<String> insecureHosts, Path caFile) {
    this.plainHttpHosts = lower(plainHttpHosts);
    this.tlsHosts = lower(tlsHosts);
    this.insecureHosts = lower(insecureHosts);
    this.caFile = caFile;
    for (String h : this.plainHttpHosts) {
      if (this.tlsHosts.contains(h) || this.insecureHosts.contains(h)) {
        throw new InvalidInputException(h + " is named for plain HTTP and for TLS; choose one");
      }
    }
  }

  private static Set<String> lower(Set<String> s) {
    Set<String> out = new java.util.HashSet<>();
    if (s != null) {
      s.forEach(h -> out.add(h.toLowerCase(Locale.ROOT)));
    }
    return out;
  }

  /**
   * Whether {@code hostPort} ({@code name[:port]}) is spoken to in plain HTTP: named with
   * {@code --plain-http}, or a loopback address not named with {@code --tls} or
   * {@code --insecure-skip-tls-verify}. A rule names either the host with its port or without.
   */
  public boolean plainHttp(String hostPort) {
    if (matches(plainHttpHosts, hostPort)) {
      return true;
    }
    return isLoopback(hostPort) && !matches(tlsHosts, hostPort) && !matches(insecureHosts, hostPort);
  }

  public boolean skipVerify(String hostPort) {
    return matches(insecureHosts, hostPort);
  }

  private static boolean matches(Set<String> rules, String hostPort) {
    String hp = hostPort.toLowerCase(Locale.ROOT);
    return rules.contains(hp) || rules.contains(hostOnly(hp));
  }

  static String hostOnly(String hostPort) {
    if (hostPort.startsWith("[")) {
      int end = hostPort.indexOf(']');
      return end < 0 ? hostPort : hostPort.substring(0, end + 1);
    }
    int colon = hostPort.lastIndexOf(':');
    return colon < 0 || hostPort.indexOf(':') != colon ? hostPort : hostPort.substring(0, colon);
  }

  /** 127.0.0.0/8, localhost and ::1: these get plain HTTP by default. */
  public static boolean isLoopback(String hostPort) {
    String h = hostOnly(hostPort.toLowerCase(Locale.ROOT));
    if (h.equals("localhost") || h.equals("[::1]") || h.equals("::1")) {
      return true;
    }
    return h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  /** The verifying context: system roots, plus the CA file when given. */
  public SSLContext verifyingContext() {
    try {
      if (caFile == null) {
        return SSLContext.getDefault();
      }
      TrustManagerFactory sys = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      sys.init((KeyStore) null);
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (TrustManager tm : sys.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          for (X509Certificate c : x.getAcceptedIssuers()) {
            ks.setCertificateEntry("system-" + i++, c);
          }
        }
      }
      for (Certificate c : readCertificates(caFile)) {
        ks.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new InvalidInputException("cannot set up TLS with CA file " + caFile + ": " + e.getMessage(), e);
    }
  }

  private static Collection<? extends Certificate> readCertificates(Path file) throws IOException, CertificateException {
    try (InputStream in = new java.io.ByteArrayInputStream(dev.airlock.files.BoundedFile.read(file, dev.airlock.files.BoundedFile.LARGE_DOCUMENT_CAP, "CA file"))) {
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new InvalidInputException("CA file " + file + " holds no PEM certificate");
      }
      return new ArrayList<>(certs);
    }
  }

  /** A context that accepts any certificate and any name: only for hosts the user named. */
  public static SSLContext unverifiedContext() {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new AcceptAll()}, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Extended, so the JDK does not add its own host name check on top. */
  private static final class AcceptAll extends X509ExtendedTrustManager {
    @Override public void checkClientTrusted(X509Certificate[] c, String a, Socket s) {}
    @Override public void checkServerTrusted(X509Certificate[] c, String a, Socket s) {}
    @Override public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}
    @Override public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}
    @Override public void checkClientTrusted(X509Certificate[] c, String a) {}
    @Override public void checkServerTrusted(X509Certificate[] c, String a) {}
    @Override public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  public List<String> describe() {
    return List.of("plain-http=" + plainHttpHosts, "tls=" + tlsHosts, "skip-verify=" + insecureHosts, "ca=" + caFile);
  }
}
