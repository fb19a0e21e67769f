package dev.airlock.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.progress.ProgressListener;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarAssemblyTest {
  @TempDir Path dir;
  private final byte[] index = "{\"schemaVersion\":2,\"manifests\":[]}".getBytes(StandardCharsets.UTF_8);
  private final Map<Digest, byte[]> bytes = new TreeMap<>();
  private final Map<Digest, Long> blobs = new TreeMap<>();

  private void blobs(int... sizes) {
    Random r = new Random(11);
    for (int size : sizes) {
      byte[] b = new byte[size];
      r.nextBytes(b);
      Digest d = Digest.sha256(b);
      bytes.put(d, b);
      blobs.put(d, (long) size);
    }
  }

  /** Blobs of at least 1000 bytes are fetched (from memory, counting opens); smaller ones come from files. */
  private Function<Digest, TarAssembly.Content> content(Map<Digest, Integer> opens, Set<Digest> broken) {
    return d -> {
      byte[] b = bytes.get(d);
      if (b.length < 1000) {
        Path f = dir.resolve("work").resolve(d.hex());
        try {
          Files.createDirectories(f.getParent());
          Files.write(f, b);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        return new TarAssembly.FromFile(f, false);
      }
      return new TarAssembly.Fetched(() -> {
        opens.merge(d, 1, Integer::sum);
        byte[] served = b.clone();
        if (broken.contains(d)) {
          served[served.length / 2] ^= 1;
        }
        return new ByteArrayInputStream(served);
      });
    };
  }

  @Test
  void writesTheSameBytesAsTheStreamingWriterWithBlobsFetchedIntoTheirSlots() throws IOException {
    blobs(0, 1, 511, 512, 513, 5_000, 1_500_000, 3 * 1024 * 1024 + 7, 70_000);
    Map<Digest, Integer> opens = new ConcurrentHashMap<>();
    Path partial = dir.resolve("partial.tar");

    TarAssembly.Result r = TarAssembly.assemble(partial, dir.resolve("journal"), blobs, content(opens, Set.of()), index,
        3, ProgressListener.NONE);

    Path reference = dir.resolve("reference.tar");
    BundleTarWriter.Result w = BundleTarWriter.write(reference, blobs, d -> {
      try {
        Path f = dir.resolve("ref").resolve(d.hex());
        Files.createDirectories(f.getParent());
        Files.write(f, bytes.get(d));
        return f;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, index, false, ProgressListener.NONE);
    assertThat(Files.readAllBytes(partial)).isEqualTo(Files.readAllBytes(reference));
    assertThat(r.digest()).isEqualTo(w.digest());
    assertThat(r.size()).isEqualTo(w.size()).isEqualTo(Files.size(partial));
    assertThat(r.fetched()).isEqualTo(4);
    assertThat(r.reused()).isZero();
    assertThat(opens.values()).containsOnly(1);
  }

  @Test
  void aBadBlobFailsTheRunAndTheNextRunFetchesOnlyWhatIsMissing() throws IOException {
    blobs(100, 2_000, 300_000, 1_200_000, 2_500_000);
    Digest bad = blobs.keySet().stream().filter(d -> blobs.get(d) == 300_000).findFirst().orElseThrow();
    Path partial = dir.resolve("partial.tar");
    Path journal = dir.resolve("journal");
    Map<Digest, Integer> opens = new ConcurrentHashMap<>();

    assertThatThrownBy(() -> TarAssembly.assemble(partial, journal, blobs, content(opens, Set.of(bad)), index, 2,
        ProgressListener.NONE)).isInstanceOf(DigestMismatchException.class).hasMessageContaining(bad.toString());
    assertThat(partial).exists();
    assertThat(Files.readString(journal)).doesNotContain(bad.toString()).contains(
        blobs.keySet().stream().filter(d -> blobs.get(d) == 2_500_000).findFirst().orElseThrow().toString());

    opens.clear();
    TarAssembly.Result again = TarAssembly.assemble(partial, journal, blobs, content(opens, Set.of()), index, 2,
        ProgressListener.NONE);

    assertThat(opens).containsOnlyKeys(bad);
    assertThat(again.fetched()).isEqualTo(1);
    assertThat(again.reused()).isEqualTo(3);
    assertThat(again.digest()).isEqualTo(Digest.sha256(Files.readAllBytes(partial)));
    Path fresh = dir.resolve("fresh.tar");
    TarAssembly.Result clean = TarAssembly.assemble(fresh, dir.resolve("fresh.journal"), blobs,
        content(new ConcurrentHashMap<>(), Set.of()), index, 2, ProgressListener.NONE);
    assertThat(again.digest()).isEqualTo(clean.digest());
  }

  @Test
  void aBlobDamagedInThePartialFileIsCaughtWhenItIsReused() throws IOException {
    blobs(2_000, 400_000);
    Digest victim = blobs.keySet().stream().filter(d -> blobs.get(d) == 400_000).findFirst().orElseThrow();
    Path partial = dir.resolve("partial.tar");
    Path journal = dir.resolve("journal");
    TarAssembly.assemble(partial, journal, blobs, content(new ConcurrentHashMap<>(), Set.of()), index, 2,
        ProgressListener.NONE);
    // as if the run had been killed before the rename: the journal is there, and a byte rotted on disk
    String line = Files.readAllLines(journal).stream().filter(l -> l.startsWith(victim.toString())).findFirst()
        .orElseThrow();
    long offset = Long.parseLong(line.split(" ")[1]);
    byte[] all = Files.readAllBytes(partial);
    all[(int) offset + 10] ^= 1;
    Files.write(partial, all);

    assertThatThrownBy(() -> TarAssembly.assemble(partial, journal, blobs, content(new ConcurrentHashMap<>(), Set.of()),
        index, 2, ProgressListener.NONE)).isInstanceOf(DigestMismatchException.class)
        .hasMessageContaining(victim.toString()).hasMessageContaining("kept from the interrupted run");
    // the failed run's journal no longer lists it: the run after fetches it again and succeeds
    Map<Digest, Integer> opens = new ConcurrentHashMap<>();
    TarAssembly.Result r = TarAssembly.assemble(partial, journal, blobs, content(opens, Set.of()), index, 2,
        ProgressListener.NONE);
    assertThat(opens).containsOnlyKeys(victim);
    assertThat(r.digest()).isEqualTo(Digest.sha256(Files.readAllBytes(partial)));
  }
}
