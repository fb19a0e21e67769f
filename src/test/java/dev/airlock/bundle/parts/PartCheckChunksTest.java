package dev.airlock.bundle.parts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.testing.CommandResult;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The import's check of a set ({@code chunks} false: split blobs' chunks hashed only when a part's data fails)
 * passes and fails exactly where the full check does, names the same chunk, and still gives each part file's
 * SHA-256 for the checksum file; the set is checked on several threads with its reports in part order.
 */
class PartCheckChunksTest {
  @TempDir Path tmp;

  @Test
  void theImportsCheckFailsWhereTheFullOneDoesAndNamesTheSameChunk() throws Exception {
    VolumesTest.source(tmp, "src", 3);
    Path dir = Files.createDirectories(tmp.resolve("parts"));
    CommandResult b = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o",
        dir.resolve("site.tar").toString(), "--volume-size", "4MiB");
    assertThat(b.exitCode()).as(b.out() + b.err()).isZero();
    List<Path> files = VolumesTest.partFiles(dir);
    assertThat(files).hasSizeGreaterThan(4);

    PartSet.SetReport whole = PartSet.check(dir, List.of(), true, false);
    assertThat(whole.ok()).as(whole.problems()).isTrue();
    assertThat(whole.reports()).extracting(PartCheck.Report::file).containsExactlyElementsOf(files);
    for (Path f : files) {
      assertThat(whole.fileDigests().get(f.toAbsolutePath().normalize())).as(f.toString())
          .isEqualTo(PartWriter.sha256(f));
    }

    // a byte flipped inside a chunk of a blob split across parts
    Path chunked = null;
    PartManifest.Chunk chunk = null;
    for (Path f : files) {
      PartFile pf = PartFile.open(f);
      if (!pf.manifest().chunks().isEmpty()) {
        chunked = f;
        chunk = pf.manifest().chunks().get(0);
        break;
      }
    }
    assertThat(chunked).isNotNull();
    PartFile pf = PartFile.open(chunked);
    long at = pf.dataOffset() + (chunk.at() - pf.manifest().data().offset()) + chunk.size() / 2;
    try (RandomAccessFile raf = new RandomAccessFile(chunked.toFile(), "rw")) {
      raf.seek(at);
      int v = raf.read();
      raf.seek(at);
      raf.write(v ^ 0x01);
    }
    PartCheck.Report full = PartCheck.check(chunked, List.of(), true, true);
    PartCheck.Report quick = PartCheck.check(chunked, List.of(), true, false);
    assertThat(full.ok()).isFalse();
    assertThat(quick.failures()).containsExactlyElementsOf(full.failures());
    String named = "chunk of blob " + chunk.blob().shortForm();
    assertThat(quick.failures()).anyMatch(f -> f.startsWith(named));
    assertThat(quick.failures()).anyMatch(f -> f.startsWith("its data (bytes "));

    PartSet.SetReport flipped = PartSet.check(dir, List.of(), true, false);
    int number = pf.manifest().part();
    assertThat(flipped.ok()).isFalse();
    assertThat(flipped.corrupted()).containsOnlyKeys(number);
    assertThat(flipped.problems()).isEqualTo(PartSet.check(dir, List.of(), true, true).problems());
    // the damaged part is read to its end all the same: its file digest is that of its bytes now
    assertThat(flipped.fileDigests().get(chunked.toAbsolutePath().normalize())).isEqualTo(PartWriter.sha256(chunked));
  }
}
