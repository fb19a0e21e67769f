package dev.airlock.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Containerd;
import dev.airlock.testing.Peers;
import dev.airlock.testing.Podman;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.verify.keys.SigningKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Against real registries" example, run as written against local stand-ins for the public
 * registries: one for docker.io (a four-platform {@code library/alpine:3.20} with a cosign signature on its
 * index) and one for ghcr.io (the {@code podinfo} chart, whose values name a two-platform podinfo image),
 * both real docker-registry processes on 127.0.0.1 filled with skopeo and helm. Key, signed bundle with
 * {@code platforms: [linux/amd64, linux/arm64]}, verify with a policy, import into a third docker-registry
 * with {@code --emit-config}, audit. Then, with the stand-ins stopped, every tag of the spec is pulled from
 * the internal registry by the clients that will pull it there: skopeo ({@code --all}), helm, containerd
 * through the emitted hosts.toml and podman through the emitted registries.conf.
 */
class ReadmeAgainstRegistriesEndToEndTest {
  private static final String PASSWORD = "readme-password";
  private static final List<Platform> ALPINE_PLATFORMS = List.of(Platform.parse("linux/amd64"),
      Platform.parse("linux/arm64/v8"), Platform.parse("linux/arm/v7"), Platform.parse("linux/s390x"));

  @RegisterExtension static RealRegistry dockerHub = RealRegistry.plain();
  @RegisterExtension static RealRegistry ghcr = RealRegistry.plain();
  @RegisterExtension static RealRegistry internal = RealRegistry.plain();
  @TempDir Path tmp;

  @Test
  void everySpecTagIsPullableFromTheInternalRegistryByEveryClient() throws Exception {
    Path skopeo = Peers.skopeo();
    Path helm = Peers.helm();
    Peers.ctr();
    Peers.podman();
    String hub = dockerHub.hostPort();
    String gh = ghcr.hostPort();
    String dst = internal.hostPort();

    // the stand-ins: alpine (4 platforms, its index signed), podinfo chart and its image (2 platforms)
    LayoutStore layout = LayoutStore.openOrCreate(tmp.resolve("content"));
    List<RawManifest> alpineImages = new ArrayList<>();
    for (Platform p : ALPINE_PLATFORMS) {
      alpineImages.add(TestImages.image(layout, p, TestImages.layer("etc/alpine-release", "3.20.3 " + p)));
    }
    RawManifest alpine = TestImages.index(layout, alpineImages, ALPINE_PLATFORMS);
    layout.putManifest("", alpine, "alpine");
    SigningKey imageKey = SigningKey.generate();
    Files.writeString(tmp.resolve("image.pub"), imageKey.publicKeyPem());
    String sigTag = alpine.digest().tagForm() + ".sig";
    RawManifest sig = TestImages.cosignSignature(layout, sigTag, hub + "/library/alpine", alpine.digest(), imageKey);
    List<Platform> podinfoPlatforms = List.of(Platform.parse("linux/amd64"), Platform.parse("linux/arm64"));
    RawManifest podinfo = TestImages.index(layout, List.of(
        TestImages.image(layout, podinfoPlatforms.get(0), TestImages.layer("podinfo", "podinfo amd64")),
        TestImages.image(layout, podinfoPlatforms.get(1), TestImages.layer("podinfo", "podinfo arm64"))), podinfoPlatforms);
    layout.putManifest("", podinfo, "podinfo");
    String oci = "oci:" + tmp.resolve("content");
    run(List.of(skopeo.toString(), "copy", "--all", "--preserve-digests", "--dest-tls-verify=false", oci + ":alpine",
        "docker://" + hub + "/library/alpine:3.20"));
    run(List.of(skopeo.toString(), "copy", "--preserve-digests", "--dest-tls-verify=false", oci + ":" + sigTag,
        "docker://" + hub + "/library/alpine:" + sigTag));
    run(List.of(skopeo.toString(), "copy", "--all", "--preserve-digests", "--dest-tls-verify=false", oci + ":podinfo",
        "docker://" + gh + "/stefanprodan/podinfo:6.7.0"));
    Path chart = Files.createDirectories(tmp.resolve("chart/podinfo/templates"));
    Files.writeString(chart.resolveSibling("Chart.yaml"), "apiVersion: v2\nname: podinfo\nversion: 6.7.0\nappVersion: 6.7.0\n");
    Files.writeString(chart.resolveSibling("values.yaml"), "image:\n  repository: " + gh + "/stefanprodan/podinfo\n"
        + "  tag: 6.7.0\nreplicaCount: 1\n");
    Files.writeString(chart.resolve("deployment.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\n");
    Path packaged = Files.createDirectories(tmp.resolve("packaged"));
    run(List.of(helm.toString(), "package", chart.getParent().toString(), "-d", packaged.toString()));
    run(List.of(helm.toString(), "push", packaged.resolve("podinfo-6.7.0.tgz").toString(),
        "oci://" + gh + "/stefanprodan/charts", "--plain-http"));

    // connected side, as the README writes it
    Files.writeString(tmp.resolve("bundle.yaml"), """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: platform-2026-11}
        spec:
          platforms: [linux/amd64, linux/arm64]
          referrers: {include: [signatures, sboms, attestations], cosignTags: true}
          images:
            - ref: HUB/library/alpine:3.20
          charts:
            - ref: oci://GHCR/stefanprodan/charts/podinfo:6.7.0
              images: true
        """.replace("HUB", hub).replace("GHCR", gh));
    childJvm("key", "generate", "--output-key-prefix", tmp.resolve("cosign").toString());
    assertThat(Files.getPosixFilePermissions(tmp.resolve("cosign.pub")))
        .as("a public key is world-readable").contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
    Path bundle = tmp.resolve("platform.tar");
    String bundled = childJvm("bundle", tmp.resolve("bundle.yaml").toString(), "-o", bundle.toString(), "--key",
        tmp.resolve("cosign.key").toString());
    assertThat(bundled).containsPattern("signed:  with key [0-9a-f]{12} \\(");
    for (String beside : List.of("platform.tar.sha256", "platform.tar.catalog.db", "platform.tar.lock.yaml")) {
      assertThat(tmp.resolve(beside)).exists();
    }

    // disconnected side
    Files.writeString(tmp.resolve("policy.yaml"), """
        apiVersion: airlock.dev/v1
        images:
          - match: "HUB/library/alpine:*"
            rules:
              - signedBy: [image.pub]
        """.replace("HUB", hub));
    String pub = tmp.resolve("cosign.pub").toString();
    String policy = tmp.resolve("policy.yaml").toString();
    CommandResult verify = CommandResult.run("verify", bundle.toString(), "--key", pub, "--policy", policy);
    assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
    Path config = tmp.resolve("mirror-config");
    Path history = tmp.resolve("history.db");
    CommandResult imported = CommandResult.run("import", bundle.toString(), "--to", dst + "/mirror", "--key", pub,
        "--policy", policy, "--emit-config", config.toString(), "--catalog", history.toString());
    assertThat(imported.exitCode()).as(imported.out() + imported.err()).isZero();
    assertThat(imported.out()).contains("2 of 4 platforms")
        .contains("index: " + dst + "/mirror/library/alpine:3.20 -> filtered index");
    CommandResult audit = CommandResult.run("audit", bundle.toString());
    assertThat(audit.exitCode()).as(audit.err()).isZero();
    CommandResult imports = CommandResult.run("audit", "--imports", "--catalog", history.toString());
    assertThat(imports.exitCode()).as(imports.err()).isZero();
    assertThat(imports.out()).contains(dst + "/mirror").doesNotContain("~");

    JsonNode mapping = Json.tree(Files.readAllBytes(config.resolve("mapping.json")), "mapping.json");
    JsonNode alpineRow = mapping.path("images").get(0).path("source").asText().contains("alpine")
        ? mapping.path("images").get(0) : mapping.path("images").get(1);
    Digest filtered = Digest.parse(alpineRow.path("digest").asText());
    assertThat(alpineRow.path("index").asText()).isEqualTo("filtered");
    assertThat(alpineRow.path("sourceDigest").asText()).isEqualTo(alpine.digest().toString());

    // nothing can come from the stand-ins from here on
    dockerHub.stop();
    ghcr.stop();

    // skopeo copies every platform of every spec tag; helm pulls the chart
    String mirror = "docker://" + dst + "/mirror";
    assertThat(copyAll(skopeo, mirror + "/library/alpine:3.20", "alpine")).isEqualTo(filtered);
    assertThat(copyAll(skopeo, mirror + "/stefanprodan/podinfo:6.7.0", "podinfo")).as("a full index, byte for byte")
        .isEqualTo(podinfo.digest());
    for (RawManifest child : List.of(alpineImages.get(0), alpineImages.get(1))) {
      assertThat(Digest.sha256(run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
          mirror + "/library/alpine@" + child.digest())).getBytes(StandardCharsets.UTF_8))).isEqualTo(child.digest());
    }
    assertThat(Digest.sha256(run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
        mirror + "/library/alpine:" + sigTag)).getBytes(StandardCharsets.UTF_8))).as("the index signature, kept")
        .isEqualTo(sig.digest());
    Path pulled = Files.createDirectories(tmp.resolve("helm-pulled"));
    run(List.of(helm.toString(), "pull", "oci://" + dst + "/mirror/stefanprodan/charts/podinfo", "--version", "6.7.0",
        "--plain-http", "-d", pulled.toString()));
    assertThat(pulled.resolve("podinfo-6.7.0.tgz")).exists();

    // containerd through the emitted hosts.toml (a source host with a port: certs.d/HOST:PORT)
    Path hostsDir = config.resolve("containerd/certs.d");
    assertThat(hostsDir.resolve(hub + "/hosts.toml")).exists();
    try (Containerd containerd = Containerd.start()) {
      for (String[] pull : new String[][] {{hub + "/library/alpine:3.20", "linux/amd64"},
          {hub + "/library/alpine:3.20", "linux/arm64"}, {gh + "/stefanprodan/podinfo:6.7.0", "linux/amd64"}}) {
        ProcessRunner.Result r = containerd.pull(hostsDir, pull[0], pull[1]);
        assertThat(r.exitCode()).as("ctr pull %s (%s): %s%s", pull[0], pull[1], r.out(), r.err()).isZero();
      }
      assertThat(containerd.images()).contains(hub + "/library/alpine:3.20", gh + "/stefanprodan/podinfo:6.7.0");
    }

    // podman through the emitted registries.conf
    try (Podman podman = Podman.create()) {
      for (String[] pull : new String[][] {{hub + "/library/alpine:3.20", "linux/amd64"},
          {hub + "/library/alpine:3.20", "linux/arm64"}, {gh + "/stefanprodan/podinfo:6.7.0", "linux/arm64"}}) {
        ProcessRunner.Result r = podman.pull(config.resolve("registries.conf"), pull[0], pull[1]);
        assertThat(r.exitCode()).as("podman pull %s (%s): %s%s", pull[0], pull[1], r.out(), r.err()).isZero();
      }
    }
  }

  private Digest copyAll(Path skopeo, String ref, String name) throws Exception {
    Path out = tmp.resolve("copied-" + name);
    run(List.of(skopeo.toString(), "copy", "--all", "--preserve-digests", "--src-tls-verify=false", ref, "oci:" + out + ":x"));
    return LayoutStore.open(out).resolve("", "x").orElseThrow().digest();
  }

  private static String run(List<String> cmd) throws Exception {
    return ProcessRunner.run(cmd, 120).assertOk().out();
  }

  /** airlock in a child JVM, where AIRLOCK_PASSWORD can be set; returns its output. */
  private String childJvm(String... args) throws Exception {
    Path log = tmp.resolve("child.log");
    ProcessBuilder pb = new ProcessBuilder(ProcessRunner.airlockJvm("256m", args)).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().put("AIRLOCK_PASSWORD", PASSWORD);
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("airlock %s finished", args[0]).isTrue();
    String out = Files.readString(log);
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}
