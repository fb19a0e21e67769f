package dev.airlock.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.verify.keys.SigningKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole mission through the real CLI against two real registries: a connected-side registry filled by
 * skopeo, helm and {@code airlock copy} (multi-arch index sharing a base layer, a keyed cosign {@code .sig},
 * an SPDX referrer, a helm chart), then {@code key generate}, a signed {@code bundle}, {@code verify} with an
 * image policy, {@code import} into the internal registry, read back by skopeo and helm, {@code audit}; and the
 * fail-closed paths: a flipped byte in a layer, and a bundle checked against the wrong key.
 */
class MissionEndToEndTest {
  private static final String PASSWORD = "mission-password";

  @RegisterExtension static RealRegistry source = RealRegistry.plain();
  @RegisterExtension static RealRegistry target = RealRegistry.plain();
  @TempDir Path tmp;

  @Test
  void bundleVerifyImportAuditAndFailClosed() throws Exception {
    Path skopeo = Peers.skopeo();
    Path helm = Peers.helm();
    String src = source.hostPort();
    String dst = target.hostPort();

    // 1. the connected side: content in the source registry
    LayoutStore layout = LayoutStore.openOrCreate(tmp.resolve("layout"));
    byte[] base = TestImages.layer("base.txt", "shared base layer");
    byte[] amdTop = TestImages.layer("app", "amd64 binary");
    RawManifest amd = TestImages.image(layout, Platform.parse("linux/amd64"), base, amdTop);
    RawManifest arm = TestImages.image(layout, Platform.parse("linux/arm64"), base,
        TestImages.layer("app", "arm64 binary"));
    RawManifest index = TestImages.index(layout, List.of(amd, arm),
        List.of(Platform.parse("linux/amd64"), Platform.parse("linux/arm64")));
    layout.putManifest("", index, "app");
    SigningKey imageKey = SigningKey.generate();
    Files.writeString(tmp.resolve("image.pub"), imageKey.publicKeyPem());
    String sigTag = index.digest().tagForm() + ".sig";
    RawManifest sig = TestImages.cosignSignature(layout, sigTag, src + "/app", index.digest(), imageKey);
    RawManifest sbom = TestImages.spdxReferrer(layout, index, "zlib", "1.3.1");

    String oci = "oci:" + tmp.resolve("layout");
    run(List.of(skopeo.toString(), "copy", "--all", "--preserve-digests", "--dest-tls-verify=false",
        oci + ":app", "docker://" + src + "/app:1.0"));
    run(List.of(skopeo.toString(), "copy", "--preserve-digests", "--dest-tls-verify=false",
        oci + ":" + sigTag, "docker://" + src + "/app:" + sigTag));
    CommandResult copy = CommandResult.run("copy", "--referrers", oci + ":app", src + "/app:1.0");
    assertThat(copy.exitCode()).as(copy.out() + copy.err()).isZero();

    Path chartDir = Files.createDirectories(tmp.resolve("chart/tiny/templates"));
    Files.writeString(chartDir.resolveSibling("Chart.yaml"), "apiVersion: v2\nname: tiny\nversion: 0.1.0\nappVersion: \"1.0\"\n");
    Files.writeString(chartDir.resolveSibling("values.yaml"), "replicas: 1\n");
    Files.writeString(chartDir.resolve("cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tiny\n");
    Path packaged = Files.createDirectories(tmp.resolve("packaged"));
    run(List.of(helm.toString(), "package", chartDir.getParent().toString(), "-d", packaged.toString()));
    Path tgz = packaged.resolve("tiny-0.1.0.tgz");
    run(List.of(helm.toString(), "push", tgz.toString(), "oci://" + src + "/charts", "--plain-http"));

    // 2. key, signed bundle, offline verify with a policy, import
    childJvm("key", "generate", "--output-key-prefix", tmp.resolve("airlock").toString());
    String pub = tmp.resolve("airlock.pub").toString();
    Files.writeString(tmp.resolve("bundle.yaml"), """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: mission}
        spec:
          images:
            - ref: SRC/app:1.0
          charts:
            - ref: oci://SRC/charts/tiny:0.1.0
        """.replace("SRC", src));
    Path bundle = tmp.resolve("out/b.tar");
    childJvm("bundle", tmp.resolve("bundle.yaml").toString(), "-o", bundle.toString(), "--key", tmp.resolve("airlock.key").toString());
    Files.writeString(tmp.resolve("policy.yaml"), """
        apiVersion: airlock.dev/v1
        images:
          - match: "SRC/app:*"
            rules:
              - signedBy: [image.pub]
              - sbom: true
        """.replace("SRC", src));
    String policy = tmp.resolve("policy.yaml").toString();
    CommandResult verify = CommandResult.run("verify", bundle.toString(), "--key", pub, "--policy", policy);
    assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
    assertThat(verify.out()).contains("signed by image.pub", "cosign signature " + sig.digest().toString().substring(0, 19),
        "SBOM referrer " + sbom.digest().toString().substring(0, 19), "PASS policy");

    Path history = tmp.resolve("history.db");
    CommandResult imported = importBundle(bundle, dst, pub, policy, history);
    assertThat(imported.exitCode()).as(imported.out() + imported.err()).isZero();

    // 3. the internal registry holds the same digests; helm and skopeo read them back
    String mirror = "docker://" + dst + "/mirror/app";
    assertThat(rawDigest(skopeo, mirror + ":1.0")).isEqualTo(index.digest());
    for (RawManifest child : List.of(amd, arm)) {
      assertThat(rawDigest(skopeo, mirror + "@" + child.digest())).isEqualTo(child.digest());
    }
    assertThat(rawDigest(skopeo, mirror + ":" + sigTag)).isEqualTo(sig.digest());
    String fallback = inspectRaw(skopeo, mirror + ":" + index.digest().tagForm());
    assertThat(fallback).contains(sbom.digest().toString());
    Path pulled = Files.createDirectories(tmp.resolve("pulled"));
    run(List.of(helm.toString(), "pull", "oci://" + dst + "/mirror/charts/tiny", "--version", "0.1.0", "--plain-http",
        "-d", pulled.toString()));
    assertThat(Files.readAllBytes(pulled.resolve("tiny-0.1.0.tgz"))).isEqualTo(Files.readAllBytes(tgz));

    CommandResult audit = CommandResult.run("audit", bundle.toString(), "-o", "json");
    assertThat(audit.exitCode()).as(audit.err()).isZero();
    assertThat(audit.out()).contains(index.digest().toString(), sig.digest().toString(), sbom.digest().toString());
    assertThat(Json.MAPPER.readTree(audit.out()).path("dedupSavedBytes").asLong()).as("the shared base layer, stored once")
        .isEqualTo(base.length);

    CommandResult again = importBundle(bundle, dst, pub, policy, history);
    assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
    assertThat(again.out()).contains("blobs pushed 0 (0 B)", "manifests pushed 0,");
    CommandResult imports = CommandResult.run("audit", "--imports", "--catalog", history.toString(), "-o", "json");
    assertThat(imports.exitCode()).as(imports.err()).isZero();
    JsonNode records = Json.MAPPER.readTree(imports.out());
    assertThat(records).hasSize(2);
    assertThat(records.get(1).path("images").findValuesAsText("source")).contains(src + "/app:1.0");

    // 4. fail closed: one flipped byte in a layer, or the wrong key, and nothing reaches the target
    Path tampered = tmp.resolve("tampered/b.tar");
    Files.createDirectories(tampered.getParent());
    byte[] tar = Files.readAllBytes(bundle);
    int at = indexOf(tar, amdTop);
    assertThat(at).as("layer bytes in the bundle").isPositive();
    tar[at + amdTop.length / 2] ^= 1;
    Files.write(tampered, tar);
    String before = treeHash(target.storage());
    CommandResult bad = importBundle(tampered, dst, pub, policy, history);
    assertThat(bad.exitCode()).as(bad.out() + bad.err()).isEqualTo(3);
    assertThat(bad.err()).contains("nothing was imported", "blob " + Digest.sha256(amdTop) + " is corrupted");
    assertThat(treeHash(target.storage())).isEqualTo(before);

    SigningKey other = SigningKey.generate();
    Files.writeString(tmp.resolve("other.pub"), other.publicKeyPem());
    CommandResult wrongKey = CommandResult.run("verify", bundle.toString(), "--key", tmp.resolve("other.pub").toString());
    assertThat(wrongKey.exitCode()).as(wrongKey.out() + wrongKey.err()).isEqualTo(3);
    assertThat(wrongKey.err()).contains("bundle signature", "does not verify");
    // the image policy is enforced too: the right bundle key, but the image signed by another key
    Files.writeString(tmp.resolve("other-policy.yaml"), Files.readString(tmp.resolve("policy.yaml")).replace("image.pub", "other.pub"));
    CommandResult wrongSigner = CommandResult.run("verify", bundle.toString(), "--key", pub,
        "--policy", tmp.resolve("other-policy.yaml").toString());
    assertThat(wrongSigner.exitCode()).as(wrongSigner.out() + wrongSigner.err()).isEqualTo(3);
    assertThat(wrongSigner.out()).contains("FAIL");
  }

  private static CommandResult importBundle(Path bundle, String dst, String pub, String policy, Path history) {
    return CommandResult.run("import", bundle.toString(), "--to", dst + "/mirror", "--key", pub, "--policy", policy,
        "--catalog", history.toString());
  }

  // ---- peers and checks

  private static String run(List<String> cmd) throws Exception {
    return ProcessRunner.run(cmd, 120).assertOk().out();
  }

  private static String inspectRaw(Path skopeo, String ref) throws Exception {
    return run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false", ref));
  }

  private static Digest rawDigest(Path skopeo, String ref) throws Exception {
    return Digest.sha256(inspectRaw(skopeo, ref).getBytes(StandardCharsets.UTF_8));
  }

  /** airlock in a child JVM, where AIRLOCK_PASSWORD can be set. */
  private void childJvm(String... args) throws Exception {
    Path log = tmp.resolve("child.log");
    ProcessBuilder pb = new ProcessBuilder(ProcessRunner.airlockJvm("256m", args)).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().put("AIRLOCK_PASSWORD", PASSWORD);
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("airlock %s finished", args[0]).isTrue();
    assertThat(p.exitValue()).as(Files.readString(log)).isZero();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** sha256 over every file's relative path and bytes under {@code root}, in sorted order. */
  private static String treeHash(Path root) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path f : files) {
      md.update(root.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
      md.update(Files.readAllBytes(f));
    }
    return files.size() + " files " + java.util.HexFormat.of().formatHex(md.digest());
  }
}
