package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.bundle.parts.VolumesTest;
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
 * A set of parts (30 MiB in 4 MiB volumes, one layer larger than a volume) read in place by the real peers:
 * imported into docker-registry and pulled back by skopeo with the source digests, and served and pulled by
 * skopeo; nothing reassembled on disk.
 */
class PartsServeAndImportTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir static Path tmp;
  static Path parts;
  static Digest app;

  @BeforeAll
  static void bundle() throws Exception {
    VolumesTest.source(tmp, "src", 5);
    app = LayoutStore.open(tmp.resolve("src")).resolve("", "app").orElseThrow().digest();
    parts = Files.createDirectories(tmp.resolve("parts"));
    CommandResult r = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o",
        parts.resolve("site.tar").toString(), "--volume-size", "4MiB");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(VolumesTest.partFiles(parts)).hasSizeGreaterThan(7);
  }

  @Test
  void importOfTheSetIntoDockerRegistryGivesTheSourceDigests() throws Exception {
    long before = diskUsed();
    CommandResult r = CommandResult.run("import", parts.toString(), "--to", registry.hostPort(), "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(diskUsed() - before).as("nothing reassembled beside the parts").isLessThan(1 << 20);
    Path out = tmp.resolve("pulled");
    ProcessRunner.run(List.of(Peers.skopeo().toString(), "copy", "--all", "--preserve-digests", "--src-tls-verify=false",
        "docker://" + registry.hostPort() + "/site/app:1", "oci:" + out + ":x")).assertOk();
    assertThat(LayoutStore.open(out).resolve("", "x").orElseThrow().digest()).isEqualTo(app);
  }

  @Test
  void serveOfTheSetIsPulledBySkopeo() throws Exception {
    Path any = VolumesTest.partFiles(parts).get(3); // any one part, the others beside it
    try (RegistryServer server = RegistryServer.start(ServedContent.open(any), "127.0.0.1:0", false, 8)) {
      Path out = tmp.resolve("served");
      ProcessRunner.run(List.of(Peers.skopeo().toString(), "copy", "--all", "--preserve-digests",
          "--src-tls-verify=false", "docker://" + server.hostPort() + "/registry.example/site/app:1",
          "oci:" + out + ":x")).assertOk();
      assertThat(LayoutStore.open(out).resolve("", "x").orElseThrow().digest()).isEqualTo(app);
    }
  }

  private static long diskUsed() throws Exception {
    try (var s = Files.walk(parts)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
