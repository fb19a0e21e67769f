package dev.airlock.registry;

import dev.airlock.registry.auth.CredentialResolver;
import dev.airlock.registry.auth.Credentials;
import dev.airlock.registry.http.RetryPolicy;
import dev.airlock.registry.http.TransportSecurity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How to talk to registries: which hosts may use plain HTTP or unverified TLS (only those named; loopback
 * addresses get plain HTTP by default unless named as TLS hosts), a private CA file, credentials (explicit,
 * or looked up in the auth files and credential helpers), retries, the upload sizes, and how long a
 * response may stay silent.
 *
 * @param authFiles files with {@code auths}/{@code credHelpers}/{@code credsStore}, first match wins
 * @param credentialHelperDirs where {@code docker-credential-*} programs are; null means PATH
 * @param monolithicMax blobs up to this size are uploaded with one PUT
 * @param chunkSize larger blobs go in PATCH chunks of this size
 * @param tlsHosts loopback hosts that speak HTTPS (others do anyway)
 * @param readTimeout how long a response (its headers, or the next bytes of its body) may take before
 *     the request is abandoned and retried or resumed
 * @param downloadWindow when positive, a blob larger than this is read in {@code Range} requests of this
 *     many bytes, one after the other (see {@link #withDownloadWindow}); 0: one {@code GET} per blob
 */
public record RegistryOptions(Set<String> plainHttpHosts, Set<String> insecureHosts, Path caFile,
    Credentials credentials, List<Path> authFiles, List<Path> credentialHelperDirs, RetryPolicy retry,
    long monolithicMax, long chunkSize, String userAgent, Set<String> tlsHosts, Duration readTimeout,
    long downloadWindow) {

  public static final long DEFAULT_MONOLITHIC_MAX = 16L * 1024 * 1024;
  public static final long DEFAULT_CHUNK_SIZE = 64L * 1024 * 1024;
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

  public RegistryOptions {
    plainHttpHosts = plainHttpHosts == null ? Set.of() : Set.copyOf(plainHttpHosts);
    insecureHosts = insecureHosts == null ? Set.of() : Set.copyOf(insecureHosts);
    tlsHosts = tlsHosts == null ? Set.of() : Set.copyOf(tlsHosts);
    authFiles = authFiles == null ? List.of() : List.copyOf(authFiles);
    retry = retry == null ? RetryPolicy.defaults() : retry;
    monolithicMax = monolithicMax <= 0 ? DEFAULT_MONOLITHIC_MAX : monolithicMax;
    chunkSize = chunkSize <= 0 ? DEFAULT_CHUNK_SIZE : chunkSize;
    userAgent = userAgent == null ? "airlock" : userAgent;
    readTimeout = readTimeout == null || readTimeout.isZero() || readTimeout.isNegative() ? DEFAULT_READ_TIMEOUT
        : readTimeout;
    downloadWindow = Math.max(0, downloadWindow);
  }

  /** Without a download window. */
  public RegistryOptions(Set<String> plainHttpHosts, Set<String> insecureHosts, Path caFile, Credentials credentials,
      List<Path> authFiles, List<Path> credentialHelperDirs, RetryPolicy retry, long monolithicMax, long chunkSize,
      String userAgent, Set<String> tlsHosts, Duration readTimeout) {
    this(plainHttpHosts, insecureHosts, caFile, credentials, authFiles, credentialHelperDirs, retry, monolithicMax,
        chunkSize, userAgent, tlsHosts, readTimeout, 0);
  }

  /** Without TLS hosts, with the default read timeout. */
  public RegistryOptions(Set<String> plainHttpHosts, Set<String> insecureHosts, Path caFile, Credentials credentials,
      List<Path> authFiles, List<Path> credentialHelperDirs, RetryPolicy retry, long monolithicMax, long chunkSize,
      String userAgent) {
    this(plainHttpHosts, insecureHosts, caFile, credentials, authFiles, credentialHelperDirs, retry, monolithicMax,
        chunkSize, userAgent, Set.of(), null);
  }

  /** Secure defaults, credentials from {@code REGISTRY_AUTH_FILE} and the Docker config. */
  public static RegistryOptions defaults() {
    return new RegistryOptions(Set.of(), Set.of(), null, null, CredentialResolver.defaultAuthFiles(System.getenv()),
        null, RetryPolicy.defaults(), 0, 0, null);
  }

  /** No credentials at all (tests, public registries). */
  public static RegistryOptions anonymous() {
    return new RegistryOptions(Set.of(), Set.of(), null, null, List.of(), List.of(), RetryPolicy.defaults(), 0, 0, null);
  }

  public RegistryOptions withCredentials(Credentials c) {
    return new RegistryOptions(plainHttpHosts, insecureHosts, caFile, c, authFiles, credentialHelperDirs, retry,
        monolithicMax, chunkSize, userAgent, tlsHosts, readTimeout, downloadWindow);
  }

  public RegistryOptions withAuthFiles(List<Path> files, List<Path> helperDirs) {
    return new RegistryOptions(plainHttpHosts, insecureHosts, caFile, credentials, files, helperDirs, retry,
        monolithicMax, chunkSize, userAgent, tlsHosts, readTimeout, downloadWindow);
  }

  public RegistryOptions withRetry(RetryPolicy r) {
    return new RegistryOptions(plainHttpHosts, insecureHosts, caFile, credentials, authFiles, credentialHelperDirs, r,
        monolithicMax, chunkSize, userAgent, tlsHosts, readTimeout, downloadWindow);
  }

  public RegistryOptions withTls(Set<String> plainHttp, Set<String> insecure, Path ca) {
    return withTls(plainHttp, tlsHosts, insecure, ca);
  }

  /** @param tls loopback hosts to reach over HTTPS (verified, with {@code ca} when given) */
  public RegistryOptions withTls(Set<String> plainHttp, Set<String> tls, Set<String> insecure, Path ca) {
    return new RegistryOptions(plainHttp, insecure, ca, credentials, authFiles, credentialHelperDirs, retry,
        monolithicMax, chunkSize, userAgent, tls, readTimeout, downloadWindow);
  }

  public RegistryOptions withUploadSizes(long monolithic, long chunk) {
    return new RegistryOptions(plainHttpHosts, insecureHosts, caFile, credentials, authFiles, credentialHelperDirs,
        retry, monolithic, chunk, userAgent, tlsHosts, readTimeout, downloadWindow);
  }

  public RegistryOptions withReadTimeout(Duration timeout) {
    return new RegistryOptions(plainHttpHosts, insecureHosts, caFile, credentials, authFiles, credentialHelperDirs,
        retry, monolithicMax, chunkSize, userAgent, tlsHosts, timeout, downloadWindow);
  }

  /**
   * Blobs larger than {@code window} bytes read in consecutive {@code Range} requests of that size (a
   * registry that ignores {@code Range} sends the whole blob in one answer, read as such). A consumer that
   * pauses (a mirror's upload waiting for the target) must bound what is held for it: the JDK client's
   * HTTP/1.1 reader keeps taking bytes from the socket beyond what the body's reader asked for (see
   * docs/mirror.md, "Disk and memory"), so a response's unread bytes are bounded only by what is left of it.
   */
  public RegistryOptions withDownloadWindow(long window) {
    return new RegistryOptions(plainHttpHosts, insecureHosts, caFile, credentials, authFiles, credentialHelperDirs,
        retry, monolithicMax, chunkSize, userAgent, tlsHosts, readTimeout, window);
  }

  TransportSecurity security() {
    return new TransportSecurity(plainHttpHosts, tlsHosts, insecureHosts, caFile);
  }

  CredentialResolver credentialResolver() {
    return new CredentialResolver(credentials, authFiles, credentialHelperDirs);
  }
}
