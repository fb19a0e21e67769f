package dev.airlock.registry;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.auth.Scopes;
import dev.airlock.registry.http.Call;
import dev.airlock.registry.http.RegistryHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.Optional;

/**
 * {@code GET}/{@code HEAD /v2/<name>/manifests/<ref>} with an {@code Accept} of every manifest type.
 * The body is read with a cap and hashed as received: it must match the digest asked for and the
 * {@code Docker-Content-Digest} the registry announced.
 */
final class ManifestPuller {
  private final RegistryHttp http;
  private final String registry;

  ManifestPuller(RegistryHttp http, String registry) {
    this.http = http;
    this.registry = registry;
  }

  /**
   * Manifests got lately, by repository and digest, up to {@value #RECENT_CAP} bytes in all (the least recently
   * used go first). A bundle asks for a manifest more than once (the size estimate, the copy, a cosign tag
   * pointing at one already fetched); a manifest's bytes are fixed by its digest and were checked against it,
   * so a second request for the same digest in the same repository is answered from here.
   */
  static final int RECENT_CAP = 4 << 20;
  private final java.util.LinkedHashMap<String, RawManifest> recent = new java.util.LinkedHashMap<>(16, 0.75f, true);
  private long recentBytes;

  RawManifest get(String repository, String ref) throws IOException {
    if (Digest.isValid(ref)) {
      RawManifest m = recent(repository + "@" + ref);
      if (m != null) {
        return m;
      }
    }
    RawManifest m = fetch(repository, ref);
    remember(repository + "@" + m.digest(), m);
    return m;
  }

  private synchronized RawManifest recent(String key) {
    return recent.get(key);
  }

  private synchronized void remember(String key, RawManifest m) {
    if (m.size() > RECENT_CAP / 4) {
      return;
    }
    RawManifest old = recent.put(key, m);
    recentBytes += m.size() - (old == null ? 0 : old.size());
    for (java.util.Iterator<RawManifest> it = recent.values().iterator(); recentBytes > RECENT_CAP && it.hasNext(); ) {
      recentBytes -= it.next().size();
      it.remove();
    }
  }

  private RawManifest fetch(String repository, String ref) throws IOException {
    String what = registry + "/" + repository + (Digest.isValid(ref) ? "@" : ":") + ref;
    Call call = call("GET", repository, ref);
    RegistryHttp.Answer r = http.fetch(call, Json.MANIFEST_CAP, "manifest " + what); // a cut body is asked again
    if (r.status() != 200) {
      throw http.failure(r, call, "cannot get manifest");
    }
    byte[] bytes = r.body();
    String contentType = r.headers().firstValue("Content-Type").orElse(null);
    String header = r.headers().firstValue("Docker-Content-Digest").orElse(null);
    if (header != null && Digest.isValid(header.trim())) {
      Digest announcedDigest = Digest.parse(header.trim());
      check(bytes, announcedDigest, what + " (Docker-Content-Digest)");
    }
    if (Digest.isValid(ref)) {
      return RawManifest.of(bytes, contentType, Digest.parse(ref), "manifest " + what);
    }
    return RawManifest.of(bytes, contentType, "manifest " + what);
  }

  private static void check(byte[] bytes, Digest expected, String what) throws DigestMismatchException {
    Digest actual = Digest.of(expected.algorithm(), expected.newMessageDigest().digest(bytes));
    if (!actual.equals(expected)) {
      throw new DigestMismatchException("manifest " + what + " digest", expected.toString(), actual.toString());
    }
  }

  /** HEAD: the descriptor without the body; empty on 404. Falls back to GET when HEAD says too little. */
  Optional<Descriptor> head(String repository, String ref) throws IOException {
    Call call = call("HEAD", repository, ref);
    HttpResponse<InputStream> r = http.send(call);
    RegistryHttp.discard(r);
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    if (r.statusCode() != 200) {
      throw http.failure(r, call, "cannot resolve manifest");
    }
    String header = r.headers().firstValue("Docker-Content-Digest").orElse("").trim();
    String type = RawManifest.stripParams(r.headers().firstValue("Content-Type").orElse(null));
    long size = r.headers().firstValueAsLong("Content-Length").orElse(-1);
    if (!Digest.isValid(header) || type == null || !MediaTypes.isManifest(type) || size < 0
        || (Digest.isValid(ref) && !header.equals(ref))) {
      try {
        return Optional.of(get(repository, ref).descriptor());
      } catch (RegistryNotFoundException e) {
        return Optional.empty();
      }
    }
    return Optional.of(Descriptor.of(type, Digest.parse(header), size));
  }

  private Call call(String method, String repository, String ref) {
    String what = registry + "/" + repository + (Digest.isValid(ref) ? "@" : ":") + ref;
    return new Call(method, http.uri("/v2/" + repository + "/manifests/" + ref),
        java.util.Map.of("Accept", MediaTypes.ACCEPT_HEADER), null, Scopes.pull(repository), what,
        Digest.isValid(ref) ? ref : null);
  }
}
