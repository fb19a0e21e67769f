package dev.airlock.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.AirlockException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Routes distribution-spec requests; everything but GET and HEAD is refused (read-only). */
final class RegistryHandler implements RequestHandler {
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

  private final ServedContent content;
  private final RepositoryNames names;
  private final BlobResponder blobs;
  private final SparseIndexes sparse;
  private volatile ReferrersIndex referrers;

  RegistryHandler(ServedContent content) throws IOException {
    this.content = content;
    this.names = RepositoryNames.of(content.indexEntries());
    this.blobs = new BlobResponder(content);
    this.sparse = new SparseIndexes(content.store(), content.indexEntries());
  }

  /** One request and its response, as the routes below pass them around. */
  record Exchange(HttpRequestHead request, HttpResponse response) {}

  @Override
  public void handle(HttpRequestHead request, HttpResponse response) throws IOException {
    Exchange ex = new Exchange(request, response);
    ex.response().header("Docker-Distribution-API-Version", "registry/2.0");
    try {
      route(ex);
    } catch (AirlockException | IOException e) {
      if (response.committed()) {
        throw e; // failed in the middle of a body: only closing the connection tells the client
      }
      send(ex, new OciError(500, "UNKNOWN", e.getMessage() == null ? "internal error" : Json.firstLine(e.getMessage())));
    }
  }

  private void route(Exchange ex) throws IOException {
    String method = ex.request().method();
    String path = ex.request().rawPath();
    if (path == null || !(path.equals("/v2") || path.startsWith("/v2/"))) {
      send(ex, OciError.notFound(safe(path)));
      return;
    }
    if (path.contains("%") || path.contains("\\") || path.contains("//") || path.contains("/./")
        || path.contains("/../") || path.endsWith("/..") || path.endsWith("/.")) {
      send(ex, OciError.nameInvalid("the path '" + safe(path) + "' is not a plain repository path"));
      return;
    }
    boolean head = method.equals("HEAD");
    if (!head && !method.equals("GET")) {
      send(ex, OciError.unsupported(method + " " + safe(path)));
      return;
    }
    String rest = path.length() <= 4 ? "" : path.substring(4);
    if (rest.isEmpty()) {
      sendJson(ex, 200, Json.MAPPER.createObjectNode(), null, head);
      return;
    }
    if (rest.equals("_catalog")) {
      ObjectNode body = Json.MAPPER.createObjectNode();
      ArrayNode arr = body.putArray("repositories");
      names.all().forEach(arr::add);
      sendJson(ex, 200, body, null, head);
      return;
    }
    if (rest.endsWith("/tags/list")) {
      withName(ex, rest.substring(0, rest.length() - "/tags/list".length()), repo -> tags(ex, repo.served, repo.store, head));
      return;
    }
    if (rest.contains("/blobs/uploads")) {
      send(ex, OciError.unsupported(method + " " + safe(path)));
      return;
    }
    int at;
    if ((at = rest.lastIndexOf("/manifests/")) > 0) {
      String ref = rest.substring(at + "/manifests/".length());
      withName(ex, rest.substring(0, at), repo -> manifest(ex, repo.store, ref, head));
    } else if ((at = rest.lastIndexOf("/blobs/")) > 0) {
      String ref = rest.substring(at + "/blobs/".length());
      withName(ex, rest.substring(0, at), repo -> blob(ex, ref, head));
    } else if ((at = rest.lastIndexOf("/referrers/")) > 0) {
      String ref = rest.substring(at + "/referrers/".length());
      String name = rest.substring(0, at);
      if (validName(name) && names.lookup(name).isEmpty()) {
        referrers(ex, ref, false, head); // nothing refers to anything in a repository that does not exist
        return;
      }
      withName(ex, name, repo -> referrers(ex, ref, true, head));
    } else {
      send(ex, OciError.notFound(safe(path)));
    }
  }

  private record Repo(String served, String store) {}

  private interface RepoAction {
    void run(Repo repo) throws IOException;
  }

  private static boolean validName(String name) {
    return RepositoryNames.NAME.matcher(name).matches() && name.length() <= 255;
  }

  private void withName(Exchange ex, String name, RepoAction action) throws IOException {
    if (!validName(name)) {
      send(ex, OciError.nameInvalid("'" + safe(name) + "'"));
      return;
    }
    Optional<String> store = names.lookup(name);
    if (store.isEmpty()) {
      send(ex, OciError.nameUnknown(name));
      return;
    }
    action.run(new Repo(name, store.get()));
  }

  /**
   * The repository's tags in lexical order; {@code n} at most, those after {@code last} (distribution
   * spec, content discovery), with a {@code Link} header to the next page when tags are left.
   */
  private void tags(Exchange ex, String served, String storeRepo, boolean head) throws IOException {
    List<String> tags = content.store().tags(storeRepo);
    if (storeRepo.isEmpty()) {
      tags = tags.stream().filter(t -> t.indexOf('/') < 0 && t.indexOf(':') < 0).toList();
    }
    String nParam = queryParameter(ex, "n");
    String last = queryParameter(ex, "last");
    int n;
    try {
      n = nParam == null ? Integer.MAX_VALUE : Integer.parseInt(nParam);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < 0) {
      send(ex, new OciError(400, "PAGINATION_NUMBER_INVALID", "invalid number of results requested: '" + safe(nParam) + "'"));
      return;
    }
    List<String> sorted = tags.stream().sorted().filter(t -> last == null || t.compareTo(last) > 0).toList();
    List<String> page = sorted.size() > n ? sorted.subList(0, n) : sorted;
    if (page.size() < sorted.size() && !page.isEmpty()) {
      String enc = java.net.URLEncoder.encode(page.get(page.size() - 1), java.nio.charset.StandardCharsets.UTF_8);
      ex.response().header("Link", "</v2/" + served + "/tags/list?n=" + n + "&last=" + enc + ">; rel=\"next\"");
    }
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("name", served);
    ArrayNode arr = body.putArray("tags");
    page.forEach(arr::add);
    sendJson(ex, 200, body, null, head);
  }

  private void manifest(Exchange ex, String storeRepo, String ref, boolean head) throws IOException {
    if (ref.contains(":")) {
      if (!Digest.isValid(ref)) {
        send(ex, OciError.digestInvalid("invalid digest '" + safe(ref) + "'"));
        return;
      }
    } else if (!TAG.matcher(ref).matches()) {
      send(ex, OciError.manifestUnknown(safe(ref))); // as registries answer a pull of a tag that cannot exist
      return;
    }
    RawManifest m;
    boolean byTag = !ref.contains(":");
    try {
      Optional<Descriptor> d = content.store().resolve(storeRepo, ref);
      if (d.isEmpty() || !MediaTypes.isManifest(d.get().mediaType())) {
        Optional<RawManifest> filtered = byTag ? Optional.empty() : sparse.byDigest(Digest.parse(ref));
        if (filtered.isEmpty()) {
          send(ex, OciError.manifestUnknown(ref));
          return;
        }
        m = filtered.get();
      } else {
        m = content.store().getManifest(storeRepo, d.get().digest().toString());
        if (byTag) { // a tag answers what a client can pull whole; the original stays reachable by its digest
          m = sparse.standIn(m).orElse(m);
        }
      }
    } catch (AirlockException e) {
      send(ex, OciError.manifestUnknown(ref));
      return;
    }
    ex.response().header("Content-Type", m.mediaType());
    ex.response().header("Docker-Content-Digest", m.digest().toString());
    sendBytes(ex, 200, m.bytesUnsafe(), head);
  }

  private void blob(Exchange ex, String ref, boolean head) throws IOException {
    if (!Digest.isValid(ref)) {
      send(ex, OciError.digestInvalid("invalid digest '" + safe(ref) + "'"));
      return;
    }
    if (!blobs.send(ex, Digest.parse(ref), head)) {
      send(ex, OciError.blobUnknown(ref));
    }
  }

  /** The referrers index of {@code ref}; empty for a repository that does not exist ({@code known} false). */
  private void referrers(Exchange ex, String ref, boolean known, boolean head) throws IOException {
    if (!Digest.isValid(ref)) {
      send(ex, OciError.digestInvalid("invalid digest '" + safe(ref) + "'"));
      return;
    }
    String artifactType = queryParameter(ex, "artifactType");
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("schemaVersion", 2);
    body.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode arr = body.putArray("manifests");
    for (Descriptor d : known ? referrersIndex().of(Digest.parse(ref), artifactType) : List.<Descriptor>of()) {
      arr.add(Json.MAPPER.valueToTree(d));
    }
    if (artifactType != null) {
      ex.response().header("OCI-Filters-Applied", "artifactType");
    }
    sendJson(ex, 200, body, MediaTypes.OCI_INDEX, head);
  }

  private ReferrersIndex referrersIndex() throws IOException {
    ReferrersIndex r = referrers;
    if (r == null) {
      synchronized (this) {
        if (referrers == null) {
          referrers = ReferrersIndex.build(content.store(), content.indexEntries());
        }
        r = referrers;
      }
    }
    return r;
  }

  static String queryParameter(Exchange ex, String name) {
    String q = ex.request().rawQuery();
    if (q == null) {
      return null;
    }
    for (String kv : q.split("&")) {
      int eq = kv.indexOf('=');
      if (eq > 0 && kv.substring(0, eq).equals(name)) {
        try {
          return java.net.URLDecoder.decode(kv.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          // a malformed escape (%zz, a lone %): not a value, as Go's url.ParseQuery drops the pair (was a 500)
        }
      }
    }
    return null;
  }

  private static void sendJson(Exchange ex, int status, ObjectNode body, String contentType, boolean head)
      throws IOException {
    ex.response().header("Content-Type", contentType == null ? "application/json" : contentType);
    sendBytes(ex, status, Json.write(body), head);
  }

  static void send(Exchange ex, OciError error) throws IOException {
    ex.response().header("Content-Type", "application/json");
    sendBytes(ex, error.status(), error.body(), ex.request().method().equals("HEAD"));
  }

  static void sendBytes(Exchange ex, int status, byte[] body, boolean head) throws IOException {
    ex.response().sendBytes(status, body, head);
  }

  /** A path or name fit for an error message: capped, control characters replaced. */
  static String safe(String s) {
    if (s == null) {
      return "";
    }
    String t = s.length() > 200 ? s.substring(0, 200) + "..." : s;
    return t.replaceAll("[\\p{Cntrl}]", "?");
  }
}
