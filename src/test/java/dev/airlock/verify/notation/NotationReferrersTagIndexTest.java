package dev.airlock.verify.notation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Notation signatures reachable only through the referrers tag schema ({@code sha256-<hex>} index), as tools
 * write them for registries without the referrers API: the shared e2e-valid-signature layout with its
 * signature's own index.json entry removed (only the tag index names it), and a docker-registry (no referrers
 * API) holding the image, the signature and the tag index pushed over plain HTTP. Both are bundled, verified
 * against the README's store A (pass) and B (same key, other certificate: authenticity fails), and the
 * registry's bundle is imported into docker-registry (B: exit 3, nothing pushed; A: pushed, the signature again
 * under the fallback tag).
 */
class NotationReferrersTagIndexTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir Path tmp;

  static final String IMAGE = "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";
  static final String SIGNATURE = "sha256:90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f";
  static final String TAG_INDEX = "sha256:13e107e0dd246f07ff18998a3d39e226965c41477a1bc1765f7617632ff3f283";
  static final String TAG = "sha256-b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9";

  /** A copy of e2e-valid-signature whose index.json lists the image (v1) and the tag index, not the signature. */
  private Path tagOnlyLayout() throws Exception {
    Path src = NotationVectors.layout("e2e-valid-signature");
    Path dst = tmp.resolve("tag-only");
    try (Stream<Path> s = Files.walk(src)) {
      for (Path p : s.toList()) {
        Path t = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
    ObjectNode index = (ObjectNode) Json.tree(Files.readAllBytes(dst.resolve("index.json")), "index.json");
    ArrayNode kept = Json.MAPPER.createArrayNode();
    index.path("manifests").forEach(m -> {
      if (!m.path("digest").asText().equals(SIGNATURE)) {
        kept.add(m);
      }
    });
    index.set("manifests", kept);
    Files.write(dst.resolve("index.json"), Json.write(index));
    assertThat(kept).hasSize(2);
    return dst;
  }

  @Test
  void aLayoutWhoseSignatureOnlyTheTagIndexListsIsFoundBundledAndVerified() throws Exception {
    Path layout = tagOnlyLayout();
    LayoutStore l = LayoutStore.open(layout);
    assertThat(l.referrers("", Digest.parse(IMAGE), null)).extracting(d -> d.digest().toString())
        .containsExactly(SIGNATURE);
    assertThat(l.referrers("", Digest.parse(IMAGE), MediaTypes.NOTATION_SIGNATURE)).hasSize(1);
    assertThat(NotationSignatures.find(l, "", Digest.parse(IMAGE))).extracting(m -> m.digest().toString())
        .containsExactly(SIGNATURE);

    // an index tagged for another subject that lists the signature: the signature's own subject decides
    Digest other = Digest.parse("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    byte[] claim = Files.readAllBytes(layout.resolve("blobs/sha256/" + TAG_INDEX.substring(7)));
    Digest claimDigest = Digest.sha256(claim);
    ObjectNode index = (ObjectNode) Json.tree(Files.readAllBytes(layout.resolve("index.json")), "index.json");
    ObjectNode entry = ((ArrayNode) index.path("manifests")).addObject();
    entry.put("mediaType", MediaTypes.OCI_INDEX).put("digest", claimDigest.toString()).put("size", claim.length);
    entry.putObject("annotations").put(Descriptor.REF_NAME, other.tagForm());
    Files.write(layout.resolve("index.json"), Json.write(index));
    LayoutStore relisted = LayoutStore.open(layout);
    assertThat(relisted.resolve("", other.tagForm())).isPresent();
    assertThat(relisted.referrers("", other, null)).as("not a referrer of " + other).isEmpty();
    assertThat(NotationSignatures.find(relisted, "", other)).isEmpty();

    Path bundle = bundle("layout: " + layout + ":v1", "tag-only");
    try (var t = dev.airlock.store.archive.TarLayoutStore.open(bundle)) {
      assertThat(t.referrers("", Digest.parse(IMAGE), null)).as("the bundle lists the signature as a referrer")
          .extracting(d -> d.digest().toString()).containsExactly(SIGNATURE);
    }
    assertVerifies(bundle);
  }

  /** The same layout as an {@code oci-archive:} (read in place by TarLayoutStore): found, bundled, verified. */
  @Test
  void anOciArchiveWhoseSignatureOnlyTheTagIndexListsIsFoundBundledAndVerified() throws Exception {
    Path layout = tagOnlyLayout();
    Path archive = tmp.resolve("tag-only.tar");
    try (var out = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(Files.newOutputStream(archive));
        Stream<Path> s = Files.walk(layout)) {
      out.setLongFileMode(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream.LONGFILE_POSIX);
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(layout.relativize(p).toString());
        entry.setSize(Files.size(p));
        out.putArchiveEntry(entry);
        Files.copy(p, out);
        out.closeArchiveEntry();
      }
    }
    try (var t = dev.airlock.store.archive.TarLayoutStore.open(archive)) {
      assertThat(t.referrers("", Digest.parse(IMAGE), null)).extracting(d -> d.digest().toString())
          .containsExactly(SIGNATURE);
      assertThat(NotationSignatures.find(t, "", Digest.parse(IMAGE))).hasSize(1);
    }
    Path bundle = bundle("archive: oci-archive:" + archive + ":v1\n      name: registry.example/notation/app:v1", "from-archive");
    assertVerifies(bundle);
  }

  @Test
  void aRegistrySourceWithTheSignatureOnlyUnderTheFallbackTagIsBundledVerifiedAndImported() throws Exception {
    Path skopeo = Peers.skopeo();
    Path layout = NotationVectors.layout("e2e-valid-signature");
    String host = registry.hostPort();
    ProcessRunner.run(List.of(skopeo.toString(), "copy", "--preserve-digests", "--dest-tls-verify=false",
        "oci:" + layout + ":v1", "docker://" + host + "/notation/app:v1"), 120).assertOk();
    // the signature's blobs and manifest by digest, then the tag index: what notation writes to such a registry
    RawManifest sig = RawManifest.of(blob(layout, SIGNATURE), MediaTypes.OCI_MANIFEST, "signature");
    putBlob(host, "notation/app", blob(layout, sig.config().digest().toString()));
    for (Descriptor d : sig.layers()) {
      putBlob(host, "notation/app", blob(layout, d.digest().toString()));
    }
    putManifest(host, "notation/app", SIGNATURE, blob(layout, SIGNATURE), MediaTypes.OCI_MANIFEST);
    putManifest(host, "notation/app", TAG, blob(layout, TAG_INDEX), MediaTypes.OCI_INDEX);
    HttpResponse<String> api = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host
        + "/v2/notation/app/referrers/" + IMAGE)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(api.statusCode()).as("docker-registry has no referrers API").isEqualTo(404);

    Path bundle = bundle("ref: " + host + "/notation/app:v1", "from-registry");
    try (var t = dev.airlock.store.archive.TarLayoutStore.open(bundle)) {
      assertThat(t.referrers("", Digest.parse(IMAGE), null)).extracting(d -> d.digest().toString())
          .containsExactly(SIGNATURE);
    }
    assertVerifies(bundle);

    String before = files(registry.storage());
    String[] policy = {"--notation-trust-policy", NotationVectors.policy("trustpolicy").toString()};
    CommandResult refused = CommandResult.run(concat(List.of("import", bundle.toString(), "--to", host + "/mirror",
        "--allow-unsigned", "--notation-trust-store", NotationVectors.store(tmp, "B").toString(),
        "--catalog", tmp.resolve("c.db").toString()), policy));
    assertThat(refused.exitCode()).as(refused.out() + refused.err()).isEqualTo(3);
    assertThat(refused.err()).contains("nothing was imported").contains("authenticity failed");
    assertThat(files(registry.storage())).as("nothing pushed").isEqualTo(before);
    CommandResult imported = CommandResult.run(concat(List.of("import", bundle.toString(), "--to", host + "/mirror",
        "--allow-unsigned", "--notation-trust-store", NotationVectors.store(tmp, "A").toString(),
        "--catalog", tmp.resolve("c.db").toString()), policy));
    assertThat(imported.exitCode()).as(imported.out() + imported.err()).isZero();
    String mirrored = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
        "docker://" + host + "/mirror/notation/app:" + TAG), 60).assertOk().out();
    assertThat(mirrored).contains(SIGNATURE);
  }

  private Path bundle(String source, String name) throws Exception {
    Path spec = tmp.resolve(name + ".yaml");
    Files.writeString(spec, """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: %s}
        spec:
          images:
            - %s
        """.formatted(name, source));
    Path out = tmp.resolve(name + ".tar");
    CommandResult r = CommandResult.run("bundle", spec.toString(), "-o", out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    return out;
  }

  /** The README's trustpolicy.json (scope *): store A passes, store B (same key, another certificate) fails. */
  private void assertVerifies(Path bundle) throws Exception {
    String policy = NotationVectors.policy("trustpolicy").toString();
    CommandResult a = CommandResult.run("verify", bundle.toString(), "--allow-unsigned", "--notation-trust-policy", policy,
        "--notation-trust-store", NotationVectors.store(tmp, "A").toString());
    assertThat(a.exitCode()).as(a.out() + a.err()).isZero();
    assertThat(a.out()).contains("notation JWS signature sha256:90ceaff260d6 by 'CN=e2e,O=Notary,L=Seattle,ST=WA,C=US'"
        + " (notary.x509) verified");
    CommandResult b = CommandResult.run("verify", bundle.toString(), "--allow-unsigned", "--notation-trust-policy", policy,
        "--notation-trust-store", NotationVectors.store(tmp, "B").toString());
    assertThat(b.exitCode()).as(b.out() + b.err()).isEqualTo(3);
    assertThat(b.err()).contains("authenticity failed");
  }

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static byte[] blob(Path layout, String digest) throws Exception {
    return Files.readAllBytes(layout.resolve("blobs/sha256/" + digest.substring("sha256:".length())));
  }

  private static void putBlob(String host, String repo, byte[] bytes) throws Exception {
    HttpResponse<Void> start = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repo + "/blobs/uploads/"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    assertThat(start.statusCode()).isEqualTo(202);
    String location = start.headers().firstValue("Location").orElseThrow();
    URI upload = URI.create("http://" + host + "/").resolve(location);
    String sep = upload.getQuery() == null ? "?" : "&";
    HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create(upload + sep + "digest=" + Digest.sha256(bytes)))
        .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
  }

  private static void putManifest(String host, String repo, String ref, byte[] bytes, String mediaType) throws Exception {
    HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repo + "/manifests/" + ref))
        .header("Content-Type", mediaType).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
  }

  private static String[] concat(List<String> a, String[] b) {
    return Stream.concat(a.stream(), Stream.of(b)).toArray(String[]::new);
  }

  private static String files(Path root) throws Exception {
    if (!Files.exists(root)) {
      return "empty";
    }
    try (Stream<Path> s = Files.walk(root)) {
      return String.join("\n", s.filter(Files::isRegularFile).map(p -> root.relativize(p) + " " + p.toFile().length())
          .sorted().toList());
    }
  }
}
