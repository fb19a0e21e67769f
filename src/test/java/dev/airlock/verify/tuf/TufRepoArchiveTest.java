package dev.airlock.verify.tuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.VerificationException;
import dev.airlock.testing.SharedTestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TufRepoArchiveTest {
  @TempDir Path tmp;

  private static byte[] write(Path dir) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TufRepoArchive.write(dir, out);
    return out.toByteArray();
  }

  @Test
  void deterministicSortedFlatAndRoundTrips() throws Exception {
    Path repo = SharedTestData.sigstore("tuf-repo");
    byte[] a = write(repo);
    assertThat(write(repo)).isEqualTo(a);
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(a))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        assertThat(e.isFile()).isTrue();
        assertThat(e.getModTime().getTime()).isZero();
        assertThat(e.getLongUserId()).isZero();
        assertThat(e.getLongGroupId()).isZero();
        assertThat(e.getMode() & 07777).isEqualTo(0644);
        names.add(e.getName());
      }
    }
    assertThat(names).isSorted().contains("1.root.json", "timestamp.json",
        "targets/6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66.trusted_root.json");
    assertThat(names.get(0)).isEqualTo("1.root.json");

    Path out = tmp.resolve("x");
    TufRepoArchive.extract(new ByteArrayInputStream(a), out);
    try (Stream<Path> s = Files.walk(repo)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        assertThat(Files.readAllBytes(out.resolve(repo.relativize(p).toString()))).isEqualTo(Files.readAllBytes(p));
      }
    }
    assertThat(write(out)).isEqualTo(a);
  }

  @Test
  void writerRefusesLinksAndStrangeEntries() throws Exception {
    Path repo = Files.createDirectories(tmp.resolve("repo/targets"));
    Files.writeString(repo.resolveSibling("1.root.json"), "{}");
    Files.createSymbolicLink(repo.resolve("abc.trusted_root.json"), Path.of("/etc/passwd"));
    assertThatThrownBy(() -> write(tmp.resolve("repo"))).isInstanceOf(InvalidInputException.class).hasMessageContaining("link");
    Files.delete(repo.resolve("abc.trusted_root.json"));
    Files.createDirectories(tmp.resolve("repo/other"));
    assertThatThrownBy(() -> write(tmp.resolve("repo"))).isInstanceOf(InvalidInputException.class).hasMessageContaining("not a regular file");
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertThatThrownBy(() -> write(empty)).isInstanceOf(InvalidInputException.class).hasMessageContaining("N.root.json");
  }

  private static byte[] tar(String name, byte type, String linkTarget, int size) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      TarArchiveEntry e = linkTarget == null ? new TarArchiveEntry(name, true) : new TarArchiveEntry(name, type);
      if (linkTarget != null) {
        e.setLinkName(linkTarget);
      } else {
        e.setSize(size);
      }
      t.putArchiveEntry(e);
      if (linkTarget == null) {
        t.write(new byte[size]);
      }
      t.closeArchiveEntry();
    }
    return out.toByteArray();
  }

  @Test
  void extractRefusesUnsafeEntries() throws Exception {
    int n = 0;
    for (byte[] bad : List.of(
        tar("../1.root.json", (byte) 0, null, 2),
        tar("/etc/1.root.json", (byte) 0, null, 2),
        tar("targets/../../x.json", (byte) 0, null, 2),
        tar("a/b/c.json", (byte) 0, null, 2),
        tar("1.root.json", TarArchiveEntry.LF_SYMLINK, "/etc/passwd", 0),
        tar("1.root.json", TarArchiveEntry.LF_LINK, "timestamp.json", 0),
        tar("big.json", (byte) 0, null, (int) TufRepoArchive.MAX_FILE_BYTES + 1))) {
      Path dest = tmp.resolve("bad-" + n++);
      assertThatThrownBy(() -> TufRepoArchive.extract(new ByteArrayInputStream(bad), dest))
          .isInstanceOf(VerificationException.class);
      assertThat(Files.exists(dest.getParent().resolve("1.root.json"))).isFalse();
    }
  }
}
