package dev.airlock.registry;

import dev.airlock.oci.Digest;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.auth.Scopes;
import dev.airlock.registry.http.Call;
import dev.airlock.registry.http.RegistryHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/** {@code PUT /v2/<name>/manifests/<tag or digest>} with the exact bytes and media type. */
final class ManifestPusher {
  /** What the registry said: whether it processed the subject (OCI-Subject header). */
  record Pushed(boolean subjectHeader) {}

  private final RegistryHttp http;
  private final String registry;

  ManifestPusher(RegistryHttp http, String registry) {
    this.http = http;
    this.registry = registry;
  }

  Pushed put(String repository, RawManifest m, String tag) throws IOException {
    String ref = tag != null ? tag : m.digest().toString();
    byte[] bytes = m.bytesUnsafe();
    Call call = new Call("PUT", http.uri("/v2/" + repository + "/manifests/" + ref),
        Map.of("Content-Type", m.mediaType()), () -> HttpRequest.BodyPublishers.ofByteArray(bytes),
        Scopes.push(repository), registry + "/" + repository + (tag != null ? ":" + tag : "@" + m.digest()),
        m.digest().toString());
    HttpResponse<InputStream> r = http.send(call);
    if (r.statusCode() != 201 && r.statusCode() != 200 && r.statusCode() != 202) {
      throw http.failure(r, call, "cannot push manifest");
    }
    RegistryHttp.discard(r);
    String header = r.headers().firstValue("Docker-Content-Digest").orElse("").trim();
    if (Digest.isValid(header) && !Digest.parse(header).equals(m.digest())
        && Digest.parse(header).algorithm() == m.digest().algorithm()) {
      throw new RegistryException("registry stored the manifest under another digest " + header,
          new RegistryError(call.reference(), m.digest().toString(), r.statusCode(), null, null, null));
    }
    return new Pushed(r.headers().firstValue("OCI-Subject").isPresent());
  }
}
