package dev.airlock.store.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.store.archive.TarFixtures.Item;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarIndexTest {
  @TempDir Path dir;

  TarIndex scan(Path tar) throws IOException {
    try (FileChannel ch = FileChannel.open(tar, StandardOpenOption.READ)) {
      return TarIndex.scan(ch, "test.tar");
    }
  }

  Path tar(Item... items) throws IOException {
    Path t = dir.resolve("t" + System.nanoTime() + ".tar");
    TarFixtures.write(t, List.of(items));
    return t;
  }

  @Test
  void indexesOffsetsWithoutReadingData() throws IOException {
    String longName = "blobs/sha256/" + "x".repeat(150) + "/file"; // needs a pax header
    Path t = tar(Item.dir("./"), Item.dir("./blobs/"), Item.file("./a.txt", "hello"), Item.file(longName, "long one"),
        Item.file("b//c/./d.txt", "x".repeat(1000)), Item.symlink("link", "a.txt"));
    TarIndex idx = scan(t);
    assertThat(idx.entries()).extracting(TarEntry::name)
        .containsExactly("blobs", "a.txt", longName, "b/c/d.txt", "link");
    byte[] all = Files.readAllBytes(t);
    TarEntry a = idx.get("a.txt");
    assertThat(new String(all, (int) a.dataOffset(), (int) a.size(), StandardCharsets.UTF_8)).isEqualTo("hello");
    TarEntry l = idx.get(longName);
    assertThat(new String(all, (int) l.dataOffset(), (int) l.size(), StandardCharsets.UTF_8)).isEqualTo("long one");
    assertThat(idx.get("b/c/d.txt").size()).isEqualTo(1000);
    assertThat(idx.get("link").isLink()).isTrue();
    assertThat(idx.get("link").linkTarget()).isEqualTo("a.txt");
    assertThat(idx.get("blobs").type()).isEqualTo(TarEntry.Type.DIRECTORY);
    try (ArchiveFile f = ArchiveFile.open(t); InputStream in = f.open(idx.get("b/c/d.txt"))) {
      assertThat(in.readAllBytes()).hasSize(1000);
    }
  }

  @Test
  void readsWhatGnuTarWritesInGnuAndPosixFormats() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src/" + "d".repeat(120)));
    Files.writeString(src.resolve("f".repeat(120) + ".txt"), "deep");
    for (String format : List.of("gnu", "posix", "ustar")) {
      Path t = dir.resolve(format + ".tar");
      var r = dev.airlock.testing.ProcessRunner.run(List.of("tar", "--format=" + format, "-C", dir.resolve("src").toString(),
          "-cf", t.toString(), "."), 60);
      if (format.equals("ustar")) {
        continue; // names too long for plain ustar: GNU tar refuses them, nothing to read
      }
      r.assertOk();
      TarEntry e = scan(t).get("d".repeat(120) + "/" + "f".repeat(120) + ".txt");
      assertThat(e).as(format).isNotNull();
      assertThat(new String(Arrays.copyOfRange(Files.readAllBytes(t), (int) e.dataOffset(), (int) (e.dataOffset() + e.size())),
          StandardCharsets.UTF_8)).isEqualTo("deep");
    }
  }

  @Test
  void refusesPathTraversalAndAbsoluteNames() throws IOException {
    assertThatThrownBy(() -> scan(tar(Item.file("../evil", "x")))).isInstanceOf(InvalidInputException.class)
        .hasMessage("test.tar: entry '../evil' escapes the archive (path traversal)");
    assertThatThrownBy(() -> scan(tar(Item.file("blobs/../../evil", "x")))).hasMessageContaining("path traversal");
    assertThatThrownBy(() -> scan(tar(Item.file("/etc/passwd", "x")))).hasMessageContaining("absolute path");
  }

  @Test
  void refusesDuplicates() throws IOException {
    assertThatThrownBy(() -> scan(tar(Item.file("a", "1"), Item.file("./a", "2"))))
        .hasMessage("test.tar: entry 'a' appears more than once");
  }

  @Test
  void refusesTruncatedArchives() throws IOException {
    Path t = tar(Item.file("a", "x".repeat(3000)), Item.file("b", "y"));
    byte[] all = Files.readAllBytes(t);
    Path cutData = dir.resolve("cut-data.tar");
    Files.write(cutData, Arrays.copyOf(all, 1500));
    assertThatThrownBy(() -> scan(cutData)).hasMessageContaining("truncated").hasMessageContaining("entry 'a'");
    // cut exactly after the last entry: the end-of-archive marker is missing
    Path cutEnd = dir.resolve("cut-end.tar");
    Files.write(cutEnd, Arrays.copyOf(all, 512 + 3072 + 512 + 512));
    assertThatThrownBy(() -> scan(cutEnd)).hasMessageContaining("truncated").hasMessageContaining("end-of-archive");
    Path cutHeader = dir.resolve("cut-header.tar");
    Files.write(cutHeader, Arrays.copyOf(all, 100));
    assertThatThrownBy(() -> scan(cutHeader)).hasMessageContaining("truncated");
  }

  @Test
  void refusesSomethingThatIsNotATar() throws IOException {
    Path t = dir.resolve("not.tar");
    Files.write(t, ("{\"this\":\"is json\"}" + " ".repeat(2000)).getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> scan(t)).isInstanceOf(InvalidInputException.class).hasMessageContaining("not a tar file?");
  }

  @Test
  void refusesDeviceEntries() throws IOException {
    Path t = tar(new Item("dev/null", new byte[0], (byte) '3', null));
    assertThatThrownBy(() -> scan(t)).hasMessageContaining("unsupported type '3'");
  }
}
