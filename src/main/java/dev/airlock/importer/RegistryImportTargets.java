package dev.airlock.importer;

import dev.airlock.oci.Digest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.registry.auth.AuthChallenge;
import dev.airlock.registry.http.TransportSecurity;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Opens a registry target through {@link RegistryStore} and probes it before anything is pushed: that it
 * answers ({@code GET /v2/}, learning its authentication), whether it has the referrers API, and whether
 * a sparse index is accepted is not asked: only the registry's answer to the push of one tells
 * ({@link SparseIndexTarget}; docker-registry 2.8 refuses an index whose children are missing).
 */
public final class RegistryImportTargets implements RegistryTargets {
  private final RegistryOptions options;

  public RegistryImportTargets(RegistryOptions options) {
    this.options = options;
  }

  @Override
  public ImportTarget open(String hostPort, String prefix, String spec) throws IOException {
    RegistryStore store = RegistryStore.open(hostPort, options);
    try {
      store.ping();
      boolean plain = new TransportSecurity(options.plainHttpHosts(), options.tlsHosts(), options.insecureHosts(),
          options.caFile())
          .plainHttp(hostPort);
      // both probes at once, anonymous, through the store's own client (its TLS settings, its connections)
      java.util.concurrent.CompletableFuture<String> apiAsked = referrersApi(store, hostPort, plain);
      java.util.concurrent.CompletableFuture<AuthChallenge> challengeAsked = challenge(store, hostPort, plain);
      String api = apiAsked.join();
      TargetFeatures f = new TargetFeatures(api.equals("yes"), false, true,
          "registry " + hostPort + " answers" + (plain ? " (plain HTTP)" : "") + ", referrers API: " + api);
      AuthChallenge challenge = challengeAsked.join();
      ImportTarget.AccessCheck access = challenge == null || !challenge.isBearer() || challenge.realm() == null
          ? repos -> PushAccess.unchecked("auth: no token auth" + (challenge != null && challenge.isBasic() ? " (basic)" : "")
              + ": access checked on first write")
          : repos -> PushAccess.check(challenge, store.tokenClient(),
              store.credentials().orElse(null), repos);
      return new ImportTarget(spec, store, hostPort, prefix, f, store::mountBlob, plain, access);
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** The challenge of an anonymous {@code GET /v2/} (null when it answers 200 or cannot be read). */
  static java.util.concurrent.CompletableFuture<AuthChallenge> challenge(RegistryStore store, String hostPort,
      boolean plain) {
    URI uri = URI.create((plain ? "http" : "https") + "://" + hostPort + "/v2/");
    return anonymous(store, uri).handle((r, e) -> r != null && r.statusCode() == 401
        ? AuthChallenge.parse(r.headers().firstValue("WWW-Authenticate").orElse(null)) : null);
  }

  /**
   * "yes", "no" or "unknown (...)": an anonymous {@code GET /v2/<probe>/referrers/<digest>}; a registry
   * with the API answers 200 with an index even for an unknown subject. No credentials are sent.
   */
  static java.util.concurrent.CompletableFuture<String> referrersApi(RegistryStore store, String hostPort,
      boolean plain) {
    String probe = Digest.sha256(new byte[0]).toString();
    URI uri = URI.create((plain ? "http" : "https") + "://" + hostPort + "/v2/airlock-probe/referrers/" + probe);
    return anonymous(store, uri).handle((r, e) -> {
      if (e != null) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        return "unknown (" + cause.getClass().getSimpleName() + "; decided per repository while pushing)";
      }
      if (r.statusCode() == 200) {
        return "yes";
      }
      if (r.statusCode() == 404) {
        return "no (referrers go to the sha256-<hex> fallback tag)";
      }
      return "unknown (HTTP " + r.statusCode() + "; decided per repository while pushing)";
    });
  }

  /** An anonymous {@code GET} (no credentials: the store's client adds none by itself), its body discarded. */
  private static java.util.concurrent.CompletableFuture<HttpResponse<Void>> anonymous(RegistryStore store, URI uri) {
    try {
      HttpClient c = store.clientFor(uri);
      return c.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (RuntimeException e) {
      return java.util.concurrent.CompletableFuture.failedFuture(e);
    }
  }
}
