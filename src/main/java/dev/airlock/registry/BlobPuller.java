package dev.airlock.registry;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.VerifyingInputStream;
import dev.airlock.registry.auth.Scopes;
import dev.airlock.registry.http.Call;
import dev.airlock.registry.http.RegistryHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.OptionalLong;

/**
 * {@code HEAD} and streaming {@code GET /v2/<name>/blobs/<digest>}: redirects to object storage are
 * followed by the transport without credentials; the stream resumes on a cut and is verified (size and
 * digest) at its end. With a download window, a large blob is read in consecutive {@code Range} requests
 * of that size ({@link RegistryOptions#withDownloadWindow}).
 */
final class BlobPuller {
  private final RegistryHttp http;
  private final String registry;
  private final long window;

  BlobPuller(RegistryHttp http, String registry, long window) {
    this.http = http;
    this.registry = registry;
    this.window = window;
  }

  OptionalLong size(String repository, Digest digest) throws IOException {
    Call call = call("HEAD", repository, digest);
    HttpResponse<InputStream> r = http.send(call);
    RegistryHttp.discard(r);
    if (r.statusCode() == 404) {
      return OptionalLong.empty();
    }
    if (r.statusCode() != 200) {
      throw http.failure(r, call, "cannot check blob");
    }
    return OptionalLong.of(r.headers().firstValueAsLong("Content-Length").orElse(0));
  }

  InputStream open(String repository, Descriptor blob) throws IOException {
    Call call = call("GET", repository, blob.digest());
    ResumingBlobStream body = window > 0 && blob.size() > window
        ? ResumingBlobStream.windowed(http, call, blob.size(), window)
        : ResumingBlobStream.whole(http, call, blob.size());
    return new VerifyingInputStream(body, blob.digest(), blob.size(),
        "blob " + blob.digest() + " from " + registry + "/" + repository);
  }

  private Call call(String method, String repository, Digest digest) {
    return new Call(method, http.uri("/v2/" + repository + "/blobs/" + digest), null, null,
        Scopes.pull(repository), registry + "/" + repository, digest.toString());
  }
}
