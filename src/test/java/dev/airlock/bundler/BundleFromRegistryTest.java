package dev.airlock.bundler;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.store.archive.TarLayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.transfer.GraphCopier;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images pushed into a real registry by skopeo (OCI multi-arch index, a Docker v2s2 image written by skopeo,
 * a cosign-format .sig tag), an OCI 1.1 referrer (fallback tag: distribution 2.8 has no referrers API),
 * a chart pushed by real helm and a chart served from an HTTP repository, bundled; read back by skopeo
 * and helm.
 */
class BundleFromRegistryTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir Path tmp;

  @Test
  void bundlesImagesChartsAndReferrersFromARealRegistry() throws Exception {
    Path skopeo = Peers.skopeo();
    Path helm = Peers.helm();
    String host = registry.hostPort();
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    byte[] shared = TestImages.layer("base.txt", "shared base");
    RawManifest amd64 = TestImages.image(src, Platform.parse("linux/amd64"), shared, TestImages.layer("x", "amd"));
    RawManifest arm64 = TestImages.image(src, Platform.parse("linux/arm64"), shared, TestImages.layer("x", "arm"));
    RawManifest s390x = TestImages.image(src, Platform.parse("linux/s390x"), shared, TestImages.layer("x", "s390"));
    RawManifest index = TestImages.index(src, List.of(amd64, arm64, s390x),
        List.of(Platform.parse("linux/amd64"), Platform.parse("linux/arm64"), Platform.parse("linux/s390x")));
    TestImages.tag(src, index, "app");
    RawManifest toolOci = TestImages.image(src, Platform.parse("linux/amd64"), shared, TestImages.layer("t", "tool"));
    TestImages.tag(src, toolOci, "tool");
    RawManifest sig = TestImages.cosignSignature(src, index.digest());
    RawManifest sbom = TestImages.spdxReferrer(src, index, "openssl", "3.3.2");

    String layout = "oci:" + tmp.resolve("src");
    push(skopeo, "--all", "--preserve-digests", layout + ":app", "docker://" + host + "/team/app:1.0");
    push(skopeo, "--format", "v2s2", layout + ":tool", "docker://" + host + "/team/tool:2.0");
    push(skopeo, "--preserve-digests", layout + ":" + index.digest().tagForm() + ".sig",
        "docker://" + host + "/team/app:" + index.digest().tagForm() + ".sig");
    try (RegistryStore reg = RegistryStore.open(host, RegistryOptions.anonymous());
        GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults().withReferrers(false))) {
      c.copy(src, "", sbom.digest().toString(), "team/app", null);
    }
    RawManifest tool;
    try (RegistryStore reg = RegistryStore.open(host, RegistryOptions.anonymous())) {
      tool = reg.getManifest("team/tool", "2.0");
      assertThat(reg.getManifest("team/app", "1.0").digest()).isEqualTo(index.digest());
    }
    assertThat(tool.mediaType()).isEqualTo("application/vnd.docker.distribution.manifest.v2+json");

    // a chart that uses both images (values and the artifacthub annotation), pushed by helm
    Path charts = Files.createDirectories(tmp.resolve("charts"));
    Path repoDir = Files.createDirectories(tmp.resolve("repo"));
    for (String version : List.of("0.1.0", "0.2.0", "1.0.0")) {
      Path dir = Files.createDirectories(charts.resolve(version).resolve("demo"));
      Files.createDirectories(dir.resolve("templates"));
      Files.writeString(dir.resolve("Chart.yaml"), "apiVersion: v2\nname: demo\nversion: " + version
          + "\nappVersion: \"1.0\"\ndescription: demo chart\nannotations:\n  artifacthub.io/images: |\n"
          + "    - name: tool\n      image: " + host + "/team/tool:2.0\n");
      Files.writeString(dir.resolve("values.yaml"), "image:\n  repository: " + host + "/team/app\n  tag: \"\"\n"
          + "sidecar:\n  image: \"{{ .Values.x }}\"\n");
      Files.writeString(dir.resolve("templates/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
      ProcessRunner.run(List.of(helm.toString(), "package", dir.toString(), "-d", repoDir.toString())).assertOk();
    }
    ProcessRunner.run(List.of(helm.toString(), "push", repoDir.resolve("demo-0.1.0.tgz").toString(),
        "oci://" + host + "/charts", "--plain-http")).assertOk();
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    String repoUrl = "http://127.0.0.1:" + http.getAddress().getPort() + "/stable";
    ProcessRunner.run(List.of(helm.toString(), "repo", "index", repoDir.toString(), "--url", repoUrl)).assertOk();
    http.createContext("/stable/", ex -> {
      Path f = repoDir.resolve(ex.getRequestURI().getPath().substring("/stable/".length())).normalize();
      if (!f.startsWith(repoDir) || !Files.isRegularFile(f)) {
        ex.sendResponseHeaders(404, -1);
      } else {
        ex.sendResponseHeaders(200, Files.size(f));
        try (var out = ex.getResponseBody()) {
          Files.copy(f, out);
        }
      }
      ex.close();
    });
    http.start();
    try {
      Files.writeString(tmp.resolve("bundle.yaml"), """
          apiVersion: airlock.dev/v1
          kind: Bundle
          metadata: {name: registry-test}
          spec:
            platforms: [linux/amd64, linux/arm64]
            images:
              - ref: HOST/team/app:1.0
              - ref: HOST/team/tool:2.0
            charts:
              - ref: oci://HOST/charts/demo:0.1.0
                images: true
              - repo: REPO
                name: demo
                version: ">=0.1.0 <1.0.0"
          """.replace("HOST", host).replace("REPO", repoUrl));
      Path out = tmp.resolve("out/b.tar");
      CommandResult r = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", out.toString());
      assertThat(r.exitCode()).as(r.err()).isZero();
      assertThat(r.err()).contains("chart demo 0.1.0: found 2 image(s)", "chart demo >=0.1.0 <1.0.0 resolved to 0.2.0");

      // skopeo reads the OCI images by their full source reference, digests as in the registry
      String raw = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw",
          "oci-archive:" + out + ":" + host + "/team/app:1.0")).assertOk().out();
      assertThat(Digest.sha256(raw.getBytes(StandardCharsets.UTF_8))).isEqualTo(index.digest());
      String sigRaw = ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw",
          "oci-archive:" + out + ":" + host + "/team/app:" + index.digest().tagForm() + ".sig")).assertOk().out();
      assertThat(Digest.sha256(sigRaw.getBytes(StandardCharsets.UTF_8))).isEqualTo(sig.digest());
      try (TarLayoutStore bundle = TarLayoutStore.open(out)) {
        // the Docker-typed image (skopeo 1.9 addresses only OCI-typed index.json entries by name)
        assertThat(bundle.getManifest(host + "/team/tool", "2.0").digest()).isEqualTo(tool.digest());
        assertThat(bundle.hasBlob("", sbom.digest())).isTrue();
        assertThat(bundle.hasBlob("", s390x.digest())).isFalse();
        // the HTTP chart, converted to an OCI chart, goes back into a registry and helm pulls it
        try (RegistryStore reg = RegistryStore.open(host, RegistryOptions.anonymous());
            GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults().withReferrers(false))) {
          c.copy(bundle, "", "127.0.0.1:" + http.getAddress().getPort() + "/stable/demo:0.2.0", "mirror/demo", "0.2.0");
        }
      }
      Path pulled = Files.createDirectories(tmp.resolve("pulled"));
      ProcessRunner.run(List.of(helm.toString(), "pull", "oci://" + host + "/mirror/demo", "--version", "0.2.0",
          "--plain-http", "-d", pulled.toString())).assertOk();
      assertThat(Files.readAllBytes(pulled.resolve("demo-0.2.0.tgz")))
          .isEqualTo(Files.readAllBytes(repoDir.resolve("demo-0.2.0.tgz")));

      // the lock reproduces the same bytes: charts from both kinds of source and the images they use
      Path again = tmp.resolve("again/b.tar");
      CommandResult r2 = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", again.toString(),
          "--lock", tmp.resolve("out/b.tar.lock.yaml").toString());
      assertThat(r2.exitCode()).as(r2.err()).isZero();
      assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(out));

      List<String> names = new ArrayList<>();
      try (TarArchiveInputStream t = new TarArchiveInputStream(Files.newInputStream(out))) {
        TarArchiveEntry e;
        while ((e = t.getNextEntry()) != null) {
          names.add(e.getName());
        }
      }
      assertThat(names).doesNotHaveDuplicates().contains("blobs/sha256/" + Digest.sha256(shared).hex());

      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + tmp.resolve("out/b.tar.catalog.db"))) {
        assertThat(BundleFromLayoutTest.query(c, "SELECT image_ref || ' ' || found_in FROM chart_images "
            + "WHERE chart_version = '0.1.0' ORDER BY 1")).containsExactly(
            host + "/team/app:1.0 values", host + "/team/tool:2.0 annotation");
        assertThat(BundleFromLayoutTest.query(c, "SELECT kind || ' ' || via FROM referrers ORDER BY 1"))
            .containsExactly("sbom referrers", "signature cosign-tag");
        assertThat(BundleFromLayoutTest.query(c, "SELECT name || ' ' || version FROM charts ORDER BY version"))
            .containsExactly("demo 0.1.0", "demo 0.2.0");
        assertThat(BundleFromLayoutTest.query(c, "SELECT name FROM sbom_packages")).containsExactly("openssl");
      }
    } finally {
      http.stop(0);
    }
  }

  private static void push(Path skopeo, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(skopeo.toString(), "copy", "--dest-tls-verify=false"));
    cmd.addAll(List.of(args));
    ProcessRunner.run(cmd).assertOk();
  }
}
