package dev.airlock.registry.http;

import dev.airlock.oci.Json;
import java.io.IOException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Recognises TLS failures that retrying cannot heal (an untrusted or misnamed certificate, a peer that
 * does not speak TLS) and says in one line what is wrong and which option fixes it.
 */
final class TlsFailure {
  private TlsFailure() {}

  /** The one-line explanation, or null when {@code e} is not a lasting TLS failure. */
  static String describe(IOException e, String hostPort) {
    SSLException ssl = find(e, SSLException.class);
    if (ssl == null) {
      return null;
    }
    String msg = ssl.getMessage() == null ? "" : Json.firstLine(ssl.getMessage());
    String lower = msg.toLowerCase(Locale.ROOT);
    if (lower.contains("unrecognized ssl message") || lower.contains("plaintext connection")) {
      return hostPort + " does not speak TLS (" + msg + "); if it is a plain HTTP registry, name it with --plain-http "
          + hostPort;
    }
    if (lower.contains("subject alternative name") || lower.contains("no name matching")) {
      return "TLS certificate of " + hostPort + " does not match the host name (" + msg + ")";
    }
    if (find(e, CertPathBuilderException.class) != null || lower.contains("pkix path")) {
      return "TLS certificate of " + hostPort + " is not trusted (" + msg + "); give its CA with --ca-file FILE";
    }
    if (find(e, CertPathValidatorException.class) != null || find(e, CertificateException.class) != null) {
      return "TLS certificate of " + hostPort + " was rejected (" + msg + ")";
    }
    return null;
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (int depth = 0; t != null && depth < 10; depth++, t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }
}
