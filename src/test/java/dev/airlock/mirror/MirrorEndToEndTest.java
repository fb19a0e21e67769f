package dev.airlock.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.bundle.SpecReader;
import dev.airlock.bundler.OpenedSourceStores;
import dev.airlock.charts.ChartRepository;
import dev.airlock.importer.BundleImporter;
import dev.airlock.importer.BundleVerifier;
import dev.airlock.importer.ReferenceMapper;
import dev.airlock.importer.RegistryImportTargets;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.transfer.GraphCopier;
import dev.airlock.verify.keys.SigningKey;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock mirror} between two real docker-registry instances: a semver tag filter, a platform filter
 * on an index, a cosign signature tag and an OCI 1.1 SBOM (fallback tag: distribution 2.8 has no referrers
 * API); skopeo reads the digests back from the target. A failing policy pushes nothing; a second run pushes
 * nothing; a moved tag moves only its new blobs; a killed run completes when run again; --watch logs a line
 * per change.
 */
class MirrorEndToEndTest {
  @RegisterExtension static RealRegistry source = RealRegistry.plain();
  @RegisterExtension static RealRegistry target = RealRegistry.plain();
  @TempDir Path tmp;

  private static final Platform AMD64 = Platform.parse("linux/amd64");
  private static final Platform ARM64 = Platform.parse("linux/arm64");
  private static final Platform S390X = Platform.parse("linux/s390x");

  @Test
  void mirrorsFilteredTagsPlatformsAndReferrersBetweenTwoRegistries() throws Exception {
    Path skopeo = Peers.skopeo();
    String src = source.hostPort();
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    byte[] base = TestImages.layer("base.txt", "shared base");
    RawManifest v100 = TestImages.image(l, AMD64, base, TestImages.layer("v", "1.0.0"));
    RawManifest v120 = TestImages.image(l, AMD64, base, TestImages.layer("v", "1.2.0"));
    RawManifest v130 = TestImages.image(l, AMD64, base, TestImages.layer("v", "1.3.0"));
    RawManifest v200 = TestImages.image(l, AMD64, base, TestImages.layer("v", "2.0.0"));
    RawManifest amd = TestImages.image(l, AMD64, base, TestImages.layer("m", "amd"));
    RawManifest arm = TestImages.image(l, ARM64, base, TestImages.layer("m", "arm"));
    RawManifest s390 = TestImages.image(l, S390X, base, TestImages.layer("m", "s390x"));
    RawManifest multi = TestImages.index(l, List.of(amd, arm, s390), List.of(AMD64, ARM64, S390X));
    SigningKey key = SigningKey.generate();
    Files.writeString(tmp.resolve("image.pub"), key.publicKeyPem());
    RawManifest sig = TestImages.cosignSignature(l, v120.digest().tagForm() + ".sig", src + "/team/app", v120.digest(), key);
    RawManifest sbom = TestImages.spdxReferrer(l, v120, "openssl", "3.3.2");
    RawManifest otherReferrer = TestImages.referrer(l, v120, "application/vnd.example.unknown", TestImages.utf8("{}"));
    try (RegistryStore reg = RegistryStore.open(src, RegistryOptions.anonymous());
        GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults().withReferrers(false))) {
      c.copy(l, "", v100.digest().toString(), "team/app", "1.0.0");
      c.copy(l, "", v120.digest().toString(), "team/app", "1.2.0");
      c.copy(l, "", v130.digest().toString(), "team/app", "1.3.0");
      c.copy(l, "", v200.digest().toString(), "team/app", "2.0.0");
      c.copy(l, "", v200.digest().toString(), "team/app", "latest");
      c.copy(l, "", multi.digest().toString(), "team/multi", "1.0");
      c.copy(l, "", sig.digest().toString(), "team/app", v120.digest().tagForm() + ".sig");
      c.copy(l, "", sbom.digest().toString(), "team/app", null);
      c.copy(l, "", otherReferrer.digest().toString(), "team/app", null);
    }
    Path spec = tmp.resolve("mirror.yaml");
    Files.writeString(spec, """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: dmz-mirror}
        spec:
          platforms: [linux/amd64, linux/arm64]
          referrers: {include: [signatures, sboms]}
          images:
            - ref: SRC/team/app
              tags: {semver: ">=1.2 <2"}
            - ref: SRC/team/multi:1.0
        """.replace("SRC", src));
    Path history = tmp.resolve("history.db");
    String dst = target.hostPort();

    // a policy the sources fail: 1.3.0 is not signed; nothing is pushed
    Path failing = tmp.resolve("failing.yaml");
    Files.writeString(failing, "apiVersion: airlock.dev/v1\nimages:\n- match: '**/team/app:*'\n  rules:\n"
        + "  - signedBy: [image.pub]\n");
    CommandResult denied = CommandResult.run("mirror", spec.toString(), "--to", dst, "--policy", failing.toString(),
        "--catalog", history.toString());
    assertThat(denied.exitCode()).as(denied.err()).isEqualTo(3);
    String last = denied.err().strip().substring(denied.err().strip().lastIndexOf('\n') + 1);
    assertThat(last).startsWith("airlock: ").contains("failed the policy, nothing was pushed").contains("team/app:1.3.0")
        .contains("no signature found");
    assertThat(catalog(dst)).isEmpty();

    Path passing = tmp.resolve("passing.yaml");
    Files.writeString(passing, "apiVersion: airlock.dev/v1\nimages:\n- match: '**/team/app:1.2.0'\n  rules:\n"
        + "  - signedBy: [image.pub]\n");
    CommandResult first = CommandResult.run("mirror", spec.toString(), "--to", dst, "--policy", passing.toString(),
        "--catalog", history.toString());
    assertThat(first.exitCode()).as(first.err() + first.out()).isZero();
    assertThat(first.out()).contains("policy on the sources: 1 images passed").contains("mirrored 3 items");

    // skopeo reads back what the source has, digest for digest
    assertThat(skopeoDigest(skopeo, dst + "/team/app:1.2.0")).isEqualTo(v120.digest());
    assertThat(skopeoDigest(skopeo, dst + "/team/app:1.3.0")).isEqualTo(v130.digest());
    assertThat(skopeoDigest(skopeo, dst + "/team/app:" + v120.digest().tagForm() + ".sig")).isEqualTo(sig.digest());
    assertThat(tags(dst, "team/app")).contains("1.2.0", "1.3.0").doesNotContain("1.0.0", "2.0.0", "latest");
    try (RegistryStore reg = RegistryStore.open(dst, RegistryOptions.anonymous())) {
      assertThat(reg.referrers("team/app", v120.digest(), null)).extracting(d -> d.digest())
          .containsExactly(sbom.digest()); // the unknown kind is not in the spec's include list
      assertThat(reg.resolve("team/multi", amd.digest().toString())).isPresent();
      assertThat(reg.resolve("team/multi", arm.digest().toString())).isPresent();
      assertThat(reg.resolve("team/multi", s390.digest().toString())).isEmpty();
    }

    // a second run pushes nothing
    CommandResult again = CommandResult.run("mirror", spec.toString(), "--to", dst, "--catalog", history.toString());
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out()).contains("blobs pushed 0 (0 B)").contains("manifests pushed 0,");

    // 1.3.0 moves to an image with one new layer: its layer and config move, and its manifest
    RawManifest moved = TestImages.image(l, AMD64, base, TestImages.layer("v", "1.3.0 rebuilt"));
    copyTo(l, moved, "team/app", "1.3.0");
    CommandResult third = CommandResult.run("mirror", spec.toString(), "--to", dst, "--catalog", history.toString());
    assertThat(third.exitCode()).as(third.err()).isZero();
    assertThat(third.out()).contains("blobs pushed 2 (").contains("manifests pushed 1,");
    assertThat(skopeoDigest(skopeo, dst + "/team/app:1.3.0")).isEqualTo(moved.digest());

    // bundle reads the same tag filter; with the lock, a tag added since is not taken
    CommandResult bundled = CommandResult.run("bundle", spec.toString(), "-o", tmp.resolve("b.tar").toString());
    assertThat(bundled.exitCode()).as(bundled.err()).isZero();
    String lock = Files.readString(tmp.resolve("b.tar.lock.yaml"));
    assertThat(lock).contains(src + "/team/app:1.2.0").contains(src + "/team/app:1.3.0").doesNotContain("team/app:2.0.0")
        .doesNotContain("team/app:1.0.0");
    copyTo(l, v130, "team/app", "1.5.0");
    CommandResult locked = CommandResult.run("bundle", spec.toString(), "--lock", tmp.resolve("b.tar.lock.yaml").toString(),
        "-o", tmp.resolve("b2.tar").toString());
    assertThat(locked.exitCode()).as(locked.err()).isZero();
    assertThat(Files.readString(tmp.resolve("b2.tar.lock.yaml"))).doesNotContain("1.5.0");

    // the history has one record per run, the denied one included
    CommandResult audit = CommandResult.run("audit", "--imports", "--catalog", history.toString());
    assertThat(audit.out()).contains("dmz-mirror");
  }

  @Test
  void watchLogsOneLinePerChange() throws Exception {
    String src = source.hostPort();
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    RawManifest a = TestImages.image(l, AMD64, TestImages.layer("w", "a"));
    RawManifest b = TestImages.image(l, AMD64, TestImages.layer("w", "b"));
    copyTo(l, a, "watch/app", "v1");
    Path spec = tmp.resolve("watch.yaml");
    Files.writeString(spec, "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: watch}\nspec:\n  images:\n"
        + "    - ref: " + src + "/watch/app:v1\n");
    RegistryOptions opts = RegistryOptions.anonymous();
    List<String> lines = new ArrayList<>();
    try (OpenedSourceStores stores = new OpenedSourceStores(opts)) {
      Mirror mirror = new Mirror(stores, new ChartRepository(), new RegistryImportTargets(opts));
      MirrorWatch w = new MirrorWatch(mirror, SpecReader.read(spec), spec, Duration.ofMillis(200), line -> {
        lines.add(line);
        if (lines.size() == 1) {
          try {
            copyTo(l, b, "watch/app", "v1"); // the tag moves between two rounds
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      });
      w.run(p -> new BundleImporter.Options(target.hostPort() + "/w", new ReferenceMapper(null, false, false),
          new BundleVerifier.Request(List.of(), null, true), false, 2, p, null, tmp.resolve("h.db")), 3);
    }
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).contains("mirrored 1 entries").contains("2 blobs");
    assertThat(lines.get(1)).contains(src + "/watch/app:v1: " + a.digest().shortForm() + " -> " + b.digest().shortForm())
        .contains("2 blobs"); // its layer and its config
    try (RegistryStore reg = RegistryStore.open(target.hostPort(), RegistryOptions.anonymous())) {
      assertThat(reg.resolve("w/watch/app", "v1")).get().extracting(d -> d.digest()).isEqualTo(b.digest());
    }
    assertThat(MirrorWatch.parseInterval("5m")).isEqualTo(Duration.ofMinutes(5));
    CommandResult bad = CommandResult.run("mirror", spec.toString(), "--to", target.hostPort(), "--watch", "often");
    assertThat(bad.exitCode()).isNotZero();
    assertThat(bad.err()).contains("--watch 'often' is not an interval");
  }

  @Test
  void aKilledMirrorCompletesWhenRunAgain() throws Exception {
    String src = source.hostPort();
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    List<byte[]> layers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      layers.add(TestImages.randomLayer(i, 24 << 20));
    }
    RawManifest big = TestImages.image(l, AMD64, layers.toArray(byte[][]::new));
    copyTo(l, big, "kill/app", "v1");
    Path spec = tmp.resolve("kill.yaml");
    Files.writeString(spec, "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: kill}\nspec:\n  images:\n"
        + "    - ref: " + src + "/kill/app:v1\n");
    String dst = target.hostPort() + "/k";
    Process p = new ProcessBuilder(ProcessRunner.airlockJvm("128m", "mirror", spec.toString(), "--to", dst, "-j", "2",
        "--catalog", tmp.resolve("h.db").toString())).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("killed.log").toFile()).start();
    // killed once the first layer is at the target: some uploaded, some not
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (p.isAlive() && System.nanoTime() < deadline && !anyLayerAt(target.hostPort(), "k/kill/app", big)) {
      Thread.sleep(50);
    }
    p.destroyForcibly().waitFor();
    CommandResult rerun = CommandResult.run("mirror", spec.toString(), "--to", dst, "--catalog",
        tmp.resolve("h.db").toString());
    assertThat(rerun.exitCode()).as(rerun.err()).isZero();
    assertThat(skopeoDigest(Peers.skopeo(), dst + "/kill/app:v1")).isEqualTo(big.digest());
    assertThat(rerun.out()).containsPattern("skipped [1-9]");
  }

  private static boolean anyLayerAt(String host, String repo, RawManifest m) {
    try (RegistryStore reg = RegistryStore.open(host, RegistryOptions.anonymous())) {
      for (var layer : m.layers()) {
        if (reg.hasBlob(repo, layer.digest())) {
          return true;
        }
      }
      return false;
    } catch (Exception e) {
      return false;
    }
  }

  private static void copyTo(LayoutStore l, RawManifest m, String repo, String tag) throws Exception {
    try (RegistryStore reg = RegistryStore.open(source.hostPort(), RegistryOptions.anonymous());
        GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults().withReferrers(false))) {
      c.copy(l, "", m.digest().toString(), repo, tag);
    }
  }

  private static Digest skopeoDigest(Path skopeo, String ref) throws Exception {
    ProcessRunner.Result r = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
        "docker://" + ref));
    assertThat(r.exitCode()).as(r.err()).isZero();
    return Digest.sha256(r.out().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static String catalog(String host) throws Exception {
    String body = get("http://" + host + "/v2/_catalog");
    return body.replaceAll("[{}\\s]", "").replace("\"repositories\":[]", "");
  }

  private static List<String> tags(String host, String repo) throws Exception {
    try (RegistryStore reg = RegistryStore.open(host, RegistryOptions.anonymous())) {
      return reg.tags(repo);
    }
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.body();
  }
}
