package dev.airlock.registry.http;

import dev.airlock.oci.Json;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.Locale;

/**
 * Says in a few words what happened to a request whose connection failed, for one-line errors: the JDK's
 * own messages ({@code closed}, {@code EOF reached while reading}) name neither the phase nor the bytes.
 */
public final class TransportFailure {
  private TransportFailure() {}

  /**
   * @param received body bytes read before the failure, or -1 when it came before the answer's head
   * @param length the body's announced length, or -1
   */
  public static String describe(Throwable e, long received, long length) {
    String jdk = e.getMessage() == null ? e.getClass().getSimpleName() : Json.firstLine(e.getMessage());
    if (e instanceof IdleTimeoutInputStream.IdleTimeoutException || e instanceof WatchedBody.StalledException) {
      return jdk + (received >= 0 ? ", after " + bytes(received, length) : "");
    }
    if (find(e, HttpConnectTimeoutException.class) != null) {
      return "connection timed out (the host did not answer)";
    }
    if (find(e, ConnectException.class) != null) {
      return "connection refused (nothing listens there: is the registry running, and is the port right?)";
    }
    if (find(e, java.nio.channels.UnresolvedAddressException.class) != null
        || find(e, java.net.UnknownHostException.class) != null) {
      return "unknown host (the name does not resolve)";
    }
    if (find(e, HttpTimeoutException.class) != null) {
      return "no answer within the read timeout (" + jdk + ")";
    }
    String lower = jdk.toLowerCase(Locale.ROOT);
    String what = lower.contains("reset") ? "the connection was reset"
        : lower.contains("broken pipe") ? "the connection broke while sending"
        : find(e, EOFException.class) != null || lower.contains("closed") || lower.contains("eof")
            || lower.contains("received no bytes") || lower.contains("content-length") ? "the connection closed"
        : "the connection failed";
    String when = received < 0 ? " before the answer" : " after " + bytes(received, length) + " of the answer";
    return what + when + " (" + jdk + ")";
  }

  private static String bytes(long received, long length) {
    return received + (length >= 0 ? " of " + length : "") + " bytes";
  }

  static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (int depth = 0; t != null && depth < 10; depth++, t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  /** Whether nothing could be reached at all: a connection refused or timed out, a name that does not resolve. */
  static boolean unreachable(Throwable e) {
    return find(e, ConnectException.class) != null || find(e, HttpConnectTimeoutException.class) != null
        || find(e, java.nio.channels.UnresolvedAddressException.class) != null
        || find(e, java.net.UnknownHostException.class) != null;
  }

  /** Whether {@code e} is worth another attempt: not an interruption, a wrong digest or a lasting failure. */
  static boolean retryable(IOException e) {
    return !(e instanceof java.io.InterruptedIOException) && find(e, dev.airlock.oci.DigestMismatchException.class) == null
        && find(e, PermanentTransportException.class) == null;
  }
}
