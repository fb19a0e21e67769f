package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The build's class-data training run must keep working as the commands change (each must exit 0). */
class CdsTrainingTest {
  @TempDir Path tmp;

  /** As the build runs it (scripts/cds-archive.sh): its own JVM, with the password its signing steps use. */
  @Test
  void everyTrainingCommandSucceedsAsTheBuildRunsIt() throws Exception {
    Path log = tmp.resolve("training.log");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-cp", System.getProperty("java.class.path"), CdsTraining.class.getName())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("AIRLOCK_PASSWORD", "cds-training");
    Process p = pb.start();
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    List<String> ran = out.lines().filter(l -> l.startsWith("trained: airlock ")).map(l -> l.substring(17)).toList();
    // every command, the signing and policy paths included
    for (String prefix : List.of("key generate", "bundle ", "verify ", "import ", "inspect ", "audit ", "audit --imports",
        "copy ", "verify-blob --help", "serve --help", "serve ", "mirror ", "receipt ", "diff ", "verify-image ",
        "extract-self ", "help verify")) {
      assertThat(ran).as(out).anyMatch(c -> c.startsWith(prefix));
    }
    assertThat(ran).anyMatch(c -> c.startsWith("bundle ") && c.contains("--key"));
    assertThat(ran).anyMatch(c -> c.startsWith("verify ") && c.contains("--key") && c.contains("--policy"));
    for (String c : Main.commandNames()) { // each command's full model, through the command line
      assertThat(ran).as(out).contains(c + " --help");
    }
    // the registry paths: read over HTTP from serve; pushed into docker-registry when the tests' peer is there
    assertThat(ran).anyMatch(c -> c.startsWith("copy 127.0.0.1:"));
    dev.airlock.testing.Peers.dockerRegistry(); // skips here (fails with AIRLOCK_REQUIRE_PEERS=1) without it
    assertThat(ran).as(out).anyMatch(c -> c.startsWith("import ") && c.contains("--to 127.0.0.1:"));
    assertThat(ran).as(out).anyMatch(c -> c.startsWith("mirror ") && c.contains("--to 127.0.0.1:"));
  }

  /** Without a password (a plain in-process run) it still runs, without the signing steps. */
  @Test
  void withoutAPasswordTheUnsignedPathsRun() {
    assertThatCode(() -> CdsTraining.main(new String[0])).doesNotThrowAnyException();
  }
}
