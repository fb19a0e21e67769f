package dev.airlock.bundle.parts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.store.archive.TarEntry;
import dev.airlock.store.archive.TarIndex;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.TestImages;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An incomplete set names exactly the images that need its missing parts: three images (one of a layer larger than
 * a volume) in 64 KiB volumes; for every part removed in turn, and for two parts at once, the images named equal
 * those with a blob in a removed part (found from the whole set's tar index); import refuses before writing
 * anything and says the same, and so does verify of the directory.
 */
class IncompleteSetTest {
  @TempDir static Path tmp;
  static Path dir;
  static List<Path> files;
  /** For each part number, the images (ref names) with a blob in it, from the whole set. */
  static Map<Integer, SortedSet<String>> truth;
  /** The part holding the start of index.json. */
  static int indexPart;

  @BeforeAll
  static void bundle() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    Platform p = Platform.parse("linux/amd64");
    TestImages.tag(l, TestImages.image(l, p, TestImages.randomLayer(11, 150_000), TestImages.layer("a", "1")), "a");
    TestImages.tag(l, TestImages.image(l, p, TestImages.randomLayer(12, 40_000), TestImages.randomLayer(13, 30_000)), "b");
    TestImages.tag(l, TestImages.image(l, p, TestImages.randomLayer(14, 90_000), TestImages.layer("c", "1")), "c");
    Files.writeString(tmp.resolve("bundle.yaml"), "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: site}\n"
        + "spec:\n  images:\n"
        + "    - {layout: ./src:a, name: registry.example/t/a:1}\n"
        + "    - {layout: ./src:b, name: registry.example/t/b:1}\n"
        + "    - {layout: ./src:c, name: registry.example/t/c:1}\n");
    dir = Files.createDirectories(tmp.resolve("parts"));
    CommandResult r = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o",
        dir.resolve("site.tar").toString(), "--volume-size", "64KiB");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    files = VolumesTest.partFiles(dir);
    assertThat(files).hasSizeGreaterThan(5);
    truth = truth();
  }

  /** Image to blobs from the whole set's index.json; each blob's range to the parts it overlaps. */
  static Map<Integer, SortedSet<String>> truth() throws Exception {
    Map<Integer, SortedSet<String>> out = new TreeMap<>();
    try (FileChannel ch = PartSet.open(dir)) {
      TarIndex index = TarIndex.scan(ch, "set");
      JsonNode json = Json.tree(read(ch, index.get("index.json")), "index.json");
      List<PartManifest.Range> ranges = PartFile.open(files.get(0)).manifest().partList();
      long at = index.get("index.json").dataOffset();
      indexPart = ranges.stream().filter(r -> r.offset() <= at && at < r.end()).findFirst().orElseThrow().part();
      Set<Digest> images = new HashSet<>();
      for (JsonNode m : json.path("manifests")) {
        String name = m.path("annotations").path(Descriptor.REF_NAME).asText(null);
        if (name != null && !name.equals(BundleFormat.ROOT_REF_NAME)) {
          images.add(Digest.parse(m.path("digest").asText()));
        }
      }
      for (JsonNode m : json.path("manifests")) {
        String name = m.path("annotations").path(Descriptor.REF_NAME).asText(null);
        if (name == null) {
          continue; // the metadata manifest: walked from the root
        }
        boolean root = BundleFormat.ROOT_REF_NAME.equals(name);
        String label = root ? "the bundle's own metadata" : name;
        Deque<Descriptor> todo = new ArrayDeque<>();
        todo.add(Descriptor.of(m.path("mediaType").asText(), Digest.parse(m.path("digest").asText()), 0));
        Set<Digest> seen = new HashSet<>();
        while (!todo.isEmpty()) {
          Descriptor d = todo.poll();
          if ((root && images.contains(d.digest())) || !seen.add(d.digest())) {
            continue;
          }
          TarEntry e = index.get("blobs/sha256/" + d.digest().hex());
          for (PartManifest.Range r : ranges) {
            if (r.offset() < e.dataOffset() + Math.max(1, e.size()) && r.end() > e.dataOffset()) {
              out.computeIfAbsent(r.part(), k -> new TreeSet<>()).add(label);
            }
          }
          if (MediaTypes.isManifest(d.mediaType())) {
            todo.addAll(RawManifest.of(read(ch, e), d.mediaType(), "m").children());
          }
        }
      }
    }
    return out;
  }

  static byte[] read(FileChannel ch, TarEntry e) throws Exception {
    ByteBuffer b = ByteBuffer.allocate((int) e.size());
    while (b.hasRemaining()) {
      ch.read(b, e.dataOffset() + b.position());
    }
    return b.array();
  }

  @Test
  void eachPartRemovedNamesExactlyTheImagesWithABlobInIt() throws Exception {
    int n = files.size();
    // at least one part holds only some of the images, so naming them says something
    assertThat(truth.values()).anyMatch(s -> s.stream().filter(x -> x.startsWith("registry.example")).count() < 3);
    int named = 0;
    for (int k = 1; k <= n; k++) {
      IncompleteSet.Needs needs = without(Set.of(k));
      if (k == indexPart) {
        assertThat(needs.images()).isEmpty();
        assertThat(needs.describe()).contains("index.json lies in a missing part");
        continue;
      }
      assertThat(needs.unknown()).as(needs.describe()).isNull();
      assertThat(needs.images()).as("part " + k + " removed").isEqualTo(expected(Set.of(k)));
      named++;
    }
    assertThat(named).isEqualTo(n - 1);
    // two parts apart: the same images; an image whose manifest is in one may not be said to need the other
    Set<Integer> two = Set.of(2, n - 2);
    IncompleteSet.Needs needs = without(two);
    assertThat(needs.images().keySet()).isEqualTo(expected(two).keySet());
    needs.images().forEach((img, parts) -> assertThat(expected(two).get(img)).containsAll(parts));
  }

  @Test
  void importAndVerifyOfTheIncompleteSetSayWhichImagesNeedTheMissingPart() throws Exception {
    int k = 2;
    Path copy = Files.createDirectories(tmp.resolve("missing-2"));
    for (Path f : files) {
      if (!f.equals(files.get(k - 1))) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    Path target = tmp.resolve("layout");
    CommandResult imp = CommandResult.run("import", copy.toString(), "--to", "oci:" + target, "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString());
    assertThat(imp.exitCode()).as(imp.out() + imp.err()).isEqualTo(3);
    assertThat(imp.err()).contains("part 2 is missing").contains("nothing was imported");
    assertThat(imp.err().lines().filter(s -> s.startsWith("airlock: ")).toList()).hasSize(1);
    assertThat(target).doesNotExist();
    CommandResult v = CommandResult.run("verify", copy.toString(), "--allow-unsigned");
    assertThat(v.exitCode()).isEqualTo(3);
    assertThat(v.err()).contains("missing part 2");
    // the images in declared order: compare as sets, each with its part
    for (String img : expected(Set.of(k)).keySet()) {
      assertThat(imp.err()).contains(img + " (part 2)");
      assertThat(v.err()).contains(img + " (part 2)");
    }
    assertThat(expected(Set.of(k))).isNotEmpty();
    // -o json: every part by number with its status and bytes
    CommandResult whole = CommandResult.run("verify", dir.toString(), "--allow-unsigned", "-o", "json");
    assertThat(whole.exitCode()).as(whole.out() + whole.err()).isZero();
    JsonNode all = Json.tree(whole.out().getBytes(java.nio.charset.StandardCharsets.UTF_8), "json").path("parts");
    assertThat(all).hasSize(files.size());
    for (int i = 0; i < files.size(); i++) {
      assertThat(all.get(i).path("part").asInt()).isEqualTo(i + 1);
      assertThat(all.get(i).path("status").asText()).isEqualTo("ok");
      assertThat(all.get(i).path("bytes").asLong()).isEqualTo(Files.size(files.get(i)));
    }
    CommandResult broken = CommandResult.run("verify", copy.toString(), "--allow-unsigned", "-o", "json");
    assertThat(broken.exitCode()).isEqualTo(3);
    JsonNode some = Json.tree(broken.out().getBytes(java.nio.charset.StandardCharsets.UTF_8), "json").path("parts");
    assertThat(some).hasSize(files.size());
    assertThat(some.get(1).path("status").asText()).isEqualTo("missing");
    assertThat(some.get(1).path("file").isNull()).isTrue();
    assertThat(some.get(0).path("status").asText()).isEqualTo("ok");
  }

  /** What is named when the parts {@code removed} are absent. */
  static IncompleteSet.Needs without(Set<Integer> removed) throws Exception {
    PartFile[] present = new PartFile[files.size()];
    PartManifest ref = null;
    for (int i = 0; i < files.size(); i++) {
      if (!removed.contains(i + 1)) {
        present[i] = PartFile.open(files.get(i));
        ref = present[i].manifest();
      }
    }
    return IncompleteSet.of(present, ref);
  }

  static Map<String, SortedSet<Integer>> expected(Set<Integer> removed) {
    Map<String, SortedSet<Integer>> out = new TreeMap<>();
    for (int k : removed) {
      for (String img : truth.getOrDefault(k, new TreeSet<>())) {
        out.computeIfAbsent(img, x -> new TreeSet<>()).add(k);
      }
    }
    return out;
  }
}
