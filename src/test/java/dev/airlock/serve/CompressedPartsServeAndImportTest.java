package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.bundle.parts.CompressedVolumesTest;
import dev.airlock.oci.Digest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A set of compressed parts (part format version 2: 34 MiB, half of it text, in 4 MiB volumes, one layer larger
 * than two volumes) used by the real peers: imported into docker-registry and pulled back by skopeo with the
 * source digests, served and pulled by skopeo, audited and inspected.
 */
class CompressedPartsServeAndImportTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir static Path tmp;
  static Path parts;
  static Digest app;

  @BeforeAll
  static void bundle() throws Exception {
    CompressedVolumesTest.source(tmp, "src", 5);
    app = LayoutStore.open(tmp.resolve("src")).resolve("", "app").orElseThrow().digest();
    parts = Files.createDirectories(tmp.resolve("parts"));
    CommandResult r = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o",
        parts.resolve("site.tar").toString(), "--volume-size", "4MiB", "--compress", "zstd");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(CompressedVolumesTest.partFiles(parts)).hasSizeGreaterThan(4);
  }

  @Test
  void importOfTheSetIntoDockerRegistryGivesTheSourceDigests() throws Exception {
    CommandResult r = CommandResult.run("import", parts.toString(), "--to", registry.hostPort(), "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    Path out = tmp.resolve("pulled");
    ProcessRunner.run(List.of(Peers.skopeo().toString(), "copy", "--all", "--preserve-digests", "--src-tls-verify=false",
        "docker://" + registry.hostPort() + "/site/app:1", "oci:" + out + ":x")).assertOk();
    assertThat(LayoutStore.open(out).resolve("", "x").orElseThrow().digest()).isEqualTo(app);
    LayoutStore.open(out).verifyAllBlobs();
  }

  @Test
  void serveOfTheSetIsPulledBySkopeo() throws Exception {
    Path any = CompressedVolumesTest.partFiles(parts).get(2); // any one part, the others beside it
    try (RegistryServer server = RegistryServer.start(ServedContent.open(any), "127.0.0.1:0", false, 8)) {
      Path out = tmp.resolve("served");
      ProcessRunner.run(List.of(Peers.skopeo().toString(), "copy", "--all", "--preserve-digests",
          "--src-tls-verify=false", "docker://" + server.hostPort() + "/registry.example/site/app:1",
          "oci:" + out + ":x")).assertOk();
      assertThat(LayoutStore.open(out).resolve("", "x").orElseThrow().digest()).isEqualTo(app);
    }
  }

  @Test
  void auditAndInspectReadTheSet() {
    CommandResult audit = CommandResult.run("audit", parts.toString());
    assertThat(audit.exitCode()).as(audit.out() + audit.err()).isZero();
    assertThat(audit.out()).contains("registry.example/site/app:1").contains(app.toString());
    CommandResult insp = CommandResult.run("inspect", "oci-archive:" + parts, "--allow-unsigned");
    assertThat(insp.exitCode()).as(insp.out() + insp.err()).isZero();
    assertThat(insp.out()).contains("registry.example/site/app:1").contains("compressed archive");
    CommandResult bare = CommandResult.run("inspect", "oci-archive:" + parts);
    assertThat(bare.exitCode()).isEqualTo(2);
    assertThat(bare.err()).contains("is compressed").contains("--key PUB");
  }
}
