package dev.airlock.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Json;
import dev.airlock.registry.auth.Scopes;
import dev.airlock.registry.http.Call;
import dev.airlock.registry.http.LinkHeader;
import dev.airlock.registry.http.RegistryHttp;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** {@code GET /v2/<name>/tags/list}, following {@code Link} pages; an unknown repository has no tags. */
final class TagLister {
  private static final int MAX_PAGES = 10_000;
  private static final int PAGE_CAP = 8 * 1024 * 1024;
  private final RegistryHttp http;
  private final String registry;

  TagLister(RegistryHttp http, String registry) {
    this.http = http;
    this.registry = registry;
  }

  List<String> list(String repository) throws IOException {
    TreeSet<String> tags = new TreeSet<>();
    URI next = http.uri("/v2/" + repository + "/tags/list");
    for (int page = 0; next != null; page++) {
      if (page >= MAX_PAGES) {
        throw new RegistryException("tag list does not end after " + MAX_PAGES + " pages",
            new RegistryError(registry + "/" + repository, null, 0, null, null, null));
      }
      Call call = Call.get(next, Scopes.pull(repository), registry + "/" + repository, null);
      RegistryHttp.Answer r = http.fetch(call, PAGE_CAP, "tag list of " + registry + "/" + repository);
      if (r.status() == 404) {
        return List.of();
      }
      if (r.status() != 200) {
        throw http.failure(r, call, "cannot list tags");
      }
      byte[] body = r.body();
      JsonNode n = Json.tree(body, "tag list of " + registry + "/" + repository);
      for (JsonNode t : n.path("tags")) {
        tags.add(t.asText());
      }
      next = LinkHeader.next(r.headers(), next);
    }
    return new ArrayList<>(tags);
  }
}
