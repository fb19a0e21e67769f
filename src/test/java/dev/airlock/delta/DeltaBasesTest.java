package dev.airlock.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Digest;
import dev.airlock.receipt.DigestInventory;
import dev.airlock.receipt.ReceiptWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several sites: a blob is left out only when every receipt holds it, with the same size. */
class DeltaBasesTest {
  @TempDir Path tmp;

  static Digest d(String s) {
    return Digest.sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  Path receipt(String name, String target, Object... blobs) throws Exception {
    try (DigestInventory inv = DigestInventory.create()) {
      for (int i = 0; i < blobs.length; i += 2) {
        inv.addBlob(d((String) blobs[i]), (Long) blobs[i + 1]);
      }
      return ReceiptWriter.write(inv, target, Instant.parse("2026-12-02T10:00:00Z"), "airlock test", null,
          tmp.resolve(name)).file();
    }
  }

  @Test
  void aBlobIsLeftOutOnlyWhenEveryReceiptHoldsItWithTheSameSize() throws Exception {
    Path east = receipt("east.json", "east:5000", "base", 100L, "app", 20L, "sized", 7L);
    Path west = receipt("west.json", "west:5000", "base", 100L, "sized", 8L);
    try (DeltaBases both = DeltaBases.open(List.of(east, west), List.of(), true)) {
      assertThat(both.everyHas(d("base"), 100)).isTrue();
      assertThat(both.everyHas(d("app"), 20)).as("only east has it").isFalse();
      assertThat(both.everyHas(d("sized"), 7)).as("west has another size").isFalse();
      assertThat(both.everyHas(d("base"), 101)).isFalse();
      assertThat(both.bases()).extracting(DeltaBases.Base::target).containsExactly("east:5000", "west:5000");
      assertThat(both.bases()).allMatch(b -> b.kind().equals("receipt") && b.blobs() > 0);
    }
    try (DeltaBases one = DeltaBases.open(List.of(east), List.of(), true)) {
      assertThat(one.everyHas(d("app"), 20)).isTrue();
    }
  }

  @Test
  void aMissingOrForeignSinceFileIsOneLine() throws Exception {
    assertThatThrownBy(() -> DeltaBases.open(List.of(tmp.resolve("none.json")), List.of(), true))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("does not exist");
    Path text = tmp.resolve("notes.txt");
    Files.writeString(text, "not a receipt");
    assertThatThrownBy(() -> DeltaBases.open(List.of(text), List.of(), true))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("is neither a receipt");
  }
}
