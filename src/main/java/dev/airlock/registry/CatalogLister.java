package dev.airlock.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Json;
import dev.airlock.registry.http.Call;
import dev.airlock.registry.http.LinkHeader;
import dev.airlock.registry.http.RegistryHttp;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code GET /v2/_catalog?n=1000}, following {@code Link} pages (scope {@code registry:catalog:*}): the
 * repositories of a registry, sorted. A registry without the endpoint (404, or 401/403 when the token cannot
 * have the scope) is an error telling to name the repositories instead.
 */
final class CatalogLister {
  private static final int MAX_PAGES = 100_000;
  private static final int PAGE_CAP = 8 * 1024 * 1024;
  private final RegistryHttp http;
  private final String registry;

  CatalogLister(RegistryHttp http, String registry) {
    this.http = http;
    this.registry = registry;
  }

  List<String> list() throws IOException {
    TreeSet<String> repos = new TreeSet<>();
    URI next = http.uri("/v2/_catalog?n=1000");
    for (int page = 0; next != null; page++) {
      if (page >= MAX_PAGES) {
        throw new RegistryException("the repository catalog does not end after " + MAX_PAGES + " pages",
            new RegistryError(registry, null, 0, null, null, null));
      }
      Call call = Call.get(next, List.of("registry:catalog:*"), registry, null);
      RegistryHttp.Answer r = http.fetch(call, PAGE_CAP, "repository catalog of " + registry);
      if (r.status() != 200) {
        throw http.failure(r, call, "cannot list the repositories (_catalog; name them with --repos FILE or --prefix)");
      }
      JsonNode n = Json.tree(r.body(), "repository catalog of " + registry);
      for (JsonNode t : n.path("repositories")) {
        repos.add(t.asText());
      }
      next = LinkHeader.next(r.headers(), next);
    }
    return new ArrayList<>(repos);
  }
}
