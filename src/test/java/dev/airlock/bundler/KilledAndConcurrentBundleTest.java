package dev.airlock.bundler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22, section 4: a kill while bundle deletes its working directory never blocks a re-run; the files
 * beside a bundle are always those of the tarball at the path; two runs on one output: the second says who
 * holds it.
 */
class KilledAndConcurrentBundleTest {
  @TempDir Path tmp;

  @BeforeEach
  void source() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    RawManifest a = TestImages.image(l, Platform.parse("linux/amd64"), TestImages.layer("f", "generation A"));
    TestImages.tag(l, a, "a");
    RawManifest b = TestImages.image(l, Platform.parse("linux/amd64"), TestImages.layer("f", "generation B"));
    TestImages.tag(l, b, "b");
    for (String g : List.of("a", "b")) {
      Files.writeString(tmp.resolve(g + ".yaml"), "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: site}\n"
          + "spec:\n  images:\n    - layout: ./src:" + g + "\n      name: registry.example/team/app:1\n");
    }
  }

  @AfterEach
  void noHook() {
    Bundler.publishing = target -> { };
  }

  private CommandResult bundle(String generation, Path out, String... more) {
    List<String> args = new ArrayList<>(List.of("bundle", tmp.resolve(generation + ".yaml").toString(), "-o", out.toString()));
    args.addAll(List.of(more));
    return CommandResult.run(args.toArray(String[]::new));
  }

  private static void ok(CommandResult r) {
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aWorkDirectoryPartlyDeletedByAKilledRunIsRecovered() throws Exception {
    Path out = tmp.resolve("out/b.tar");
    ok(bundle("a", out));
    byte[] clean = Files.readAllBytes(out);
    Path lock = tmp.resolve("out/b.tar.lock.yaml");
    Files.delete(out);

    // what a kill during the old reverse-order delete left: oci-layout gone first, blobs and .bundle still there
    Path work = tmp.resolve("out/b.tar.work");
    Files.createDirectories(work.resolve("blobs/sha256"));
    Files.writeString(work.resolve("blobs/sha256/" + "0".repeat(64)), "left over");
    Files.createDirectories(work.resolve(".bundle"));
    Files.writeString(work.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[]}");
    CommandResult r = bundle("a", out, "--lock", lock.toString());
    ok(r);
    assertThat(Files.readAllBytes(out)).isEqualTo(clean);
    assertThat(work).doesNotExist();

    // what a kill during this airlock's delete leaves: the renamed directory, half deleted
    Path doomed = tmp.resolve("out/b.tar.work" + WorkDirectory.DELETING + "999999999-1");
    Files.createDirectories(doomed.resolve("blobs/sha256"));
    Files.writeString(doomed.resolve(WorkDirectory.MARKER), "");
    ok(bundle("a", out, "--lock", lock.toString()));
    assertThat(doomed).doesNotExist();
    assertThat(names(tmp.resolve("out"))).containsExactly("b.tar", "b.tar.catalog.db", "b.tar.lock.yaml", "b.tar.sha256");

    // a directory holding something airlock did not put there is never removed
    Files.createDirectories(work);
    Files.writeString(work.resolve("notes.txt"), "mine");
    CommandResult refused = bundle("a", out, "--lock", lock.toString());
    assertThat(refused.exitCode()).isNotZero();
    assertThat(refused.err()).contains("is not an OCI image layout");
    assertThat(work.resolve("notes.txt")).hasContent("mine");
  }

  @Test
  void theWorkDirectoryIsRenamedBeforeItIsDeleted() throws Exception {
    Path out = tmp.resolve("out/b.tar");
    List<String> seen = new ArrayList<>();
    Bundler.publishing = target -> {
      if (target.getFileName().toString().equals("b.tar")) {
        seen.addAll(names(tmp.resolve("out")));
      }
    };
    ok(bundle("a", out));
    assertThat(seen).as("the working layout, marked, while the run holds its lock")
        .contains("b.tar.work", "b.tar.work.lock");
    assertThat(names(tmp.resolve("out"))).containsExactly("b.tar", "b.tar.catalog.db", "b.tar.lock.yaml", "b.tar.sha256");
  }

  /** The tarball, .sha256, catalog and lock of one generation, bundled alone. */
  private record Set(byte[] tar, byte[] sums, byte[] catalog, byte[] lock) {
    static Set of(Path out) throws IOException {
      return new Set(read(out), read(out.resolveSibling(out.getFileName() + ".sha256")),
          read(Bundler.catalogFor(out)), read(Bundler.lockFileFor(out)));
    }

    private static byte[] read(Path p) throws IOException {
      return Files.exists(p) ? Files.readAllBytes(p) : null;
    }

    boolean same(Set o) {
      return Arrays.equals(tar, o.tar) && Arrays.equals(sums, o.sums) && Arrays.equals(catalog, o.catalog)
          && Arrays.equals(lock, o.lock);
    }
  }

  @Test
  void aKillAtAnyStepOfPublishingLeavesATarballOnlyBesideItsOwnFiles() throws Exception {
    ok(bundle("a", tmp.resolve("refA/b.tar")));
    ok(bundle("b", tmp.resolve("refB/b.tar")));
    Path lockA = tmp.resolve("refA/b.tar.lock.yaml");
    Path lockB = tmp.resolve("refB/b.tar.lock.yaml");
    Set a = Set.of(tmp.resolve("refA/b.tar"));
    Set b = Set.of(tmp.resolve("refB/b.tar"));
    assertThat(a.tar()).isNotEqualTo(b.tar());

    List<String> order = new ArrayList<>();
    Path probe = tmp.resolve("probe/b.tar");
    ok(bundle("a", probe, "--lock", lockA.toString()));
    Bundler.publishing = target -> order.add(target.getFileName().toString().replaceAll("^\\.b\\.tar\\..*\\.tmp$", "(old b.tar)"));
    ok(bundle("b", probe, "--lock", lockB.toString()));
    assertThat(order).as("the old tarball away, the files beside, the tarball last")
        .containsExactly("(old b.tar)", "b.tar.sha256", "b.tar.catalog.db", "b.tar.lock.yaml", "b.tar");

    for (int kill = 0; kill < order.size(); kill++) {
      Path out = tmp.resolve("kill-" + kill + "/b.tar");
      Bundler.publishing = target -> { };
      ok(bundle("a", out, "--lock", lockA.toString()));
      assertThat(Set.of(out).same(a)).isTrue();
      int at = kill;
      int[] step = {0};
      Bundler.publishing = target -> {
        if (step[0]++ == at) {
          throw new IOException("killed at step " + at);
        }
      };
      CommandResult killed = bundle("b", out, "--lock", lockB.toString());
      assertThat(killed.exitCode()).as("step " + kill).isNotZero();
      Set after = Set.of(out);
      if (after.tar() != null) {
        assertThat(after.same(a) || after.same(b)).as("step %d: a tarball beside files of another", kill).isTrue();
      }
      Bundler.publishing = target -> { };
      ok(bundle("b", out, "--lock", lockB.toString()));
      assertThat(Set.of(out).same(b)).as("re-run after a kill at step %d", kill).isTrue();
      assertThat(names(out.getParent())).containsExactly("b.tar", "b.tar.catalog.db", "b.tar.lock.yaml", "b.tar.sha256");
    }
  }

  @Test
  void aSecondRunOnTheSameOutputSaysWhoHoldsIt() throws Exception {
    Path out = tmp.resolve("out/b.tar");
    Path work = Bundler.defaultWorkDir(out);
    try (WorkDirectory held = WorkDirectory.claim(work, true, "test")) {
      assertThatThrownBy(() -> WorkDirectory.claim(work, true, "again")).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("is in use by another airlock bundle run (pid " + ProcessHandle.current().pid() + " on ");
      CommandResult second = bundle("a", out);
      assertThat(second.exitCode()).isNotZero();
      assertThat(second.err().strip()).startsWith("airlock: the working directory " + work + " is in use by another"
          + " airlock bundle run (pid " + ProcessHandle.current().pid() + " on ").contains("started 20").doesNotContain("\n");
    }
    ok(bundle("a", out)); // free again
  }

  @Test
  void aLockHeldByAnotherProcessNamesThatProcess() throws Exception {
    assumeTrue(new java.io.File("/usr/bin/python3").canExecute(), "python3 is missing");
    Path out = tmp.resolve("out/b.tar");
    Path work = Bundler.defaultWorkDir(out);
    Files.createDirectories(out.getParent());
    Path lockFile = work.resolveSibling(work.getFileName() + ".lock");
    // another process takes the same kind of lock (POSIX fcntl, as FileChannel.lock) and writes who it is
    Process other = new ProcessBuilder("/usr/bin/python3", "-c", String.join("\n",
        "import fcntl, os, sys, time",
        "f = open(sys.argv[1], 'a+')",
        "fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)",
        "f.truncate(0); f.write('pid %d on elsewhere, started now\\n' % os.getpid()); f.flush()",
        "print('locked', flush=True)",
        "time.sleep(60)"), lockFile.toString()).redirectErrorStream(true).start();
    try {
      String first = new String(other.getInputStream().readNBytes(7));
      assertThat(first).isEqualTo("locked\n".substring(0, 7));
      CommandResult second = bundle("a", out);
      assertThat(second.exitCode()).isNotZero();
      assertThat(second.err()).contains("is in use by another airlock bundle run (pid " + other.pid() + " on elsewhere");
    } finally {
      other.destroyForcibly();
      other.waitFor(10, TimeUnit.SECONDS);
    }
    ok(bundle("a", out));
    assertThat(lockFile).doesNotExist();
  }

  @Test
  void verifySpoolsOfKilledProcessesAreSweptByTheNextRun() throws Exception {
    Path parent = Files.createDirectory(tmp.resolve("t"));
    // a pid that is not alive: the largest a Linux system gives is 4194304
    Path stale = Files.createDirectories(parent.resolve("airlock-verify-p4194399-77/blobs/sha256"));
    Path live = Files.createDirectories(parent.resolve("airlock-verify-p" + ProcessHandle.current().parent()
        .map(ProcessHandle::pid).orElse(1L) + "-78"));
    Path mine = dev.airlock.files.OwnedTempDirs.create(parent, "airlock-verify-");
    assertThat(stale.getParent().getParent()).doesNotExist();
    assertThat(live).as("its owner is alive").exists();
    assertThat(mine.getFileName().toString()).startsWith("airlock-verify-p" + ProcessHandle.current().pid() + "-");
    dev.airlock.files.OwnedTempDirs.delete(mine);
    assertThat(mine).doesNotExist();
  }
}
