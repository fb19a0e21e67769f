package dev.airlock.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.MediaTypes;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TreeHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * index.json is outside the bundle signature (issue 22): an entry changed in any field while its digest is
 * kept must fail {@code verify} and {@code import} alike (exit 3, one line naming the entry and the field),
 * and the import must push nothing. The bundle is the signed v1 fixture written by airlock itself
 * (entries: 0 multiarch:1.0 index, 1 tools:1.0 manifest, 2 SPDX referrer, 3 metadata, 4 root, 5 signature),
 * rewritten by airlock's own tar writer with only index.json edited.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IndexJsonBindingTest {
  static final Path V1 = Path.of("src/test/resources/fixtures/bundle-v1");
  static final Path KEY = V1.resolve("fixture.pub");
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir static Path tmp;
  static RewrittenBundle fixture;

  @BeforeAll
  static void unpack() throws IOException {
    fixture = RewrittenBundle.unpack(V1.resolve("v1-full.tar"), Files.createDirectories(tmp.resolve("unpacked")));
  }

  static ObjectNode entry(ObjectNode index, int i) {
    return (ObjectNode) index.path("manifests").get(i);
  }

  static Stream<Arguments> tamperings() {
    return Stream.of(
        Arguments.of("media type octet-stream", 1, "'mediaType'",
            (Consumer<ObjectNode>) i -> entry(i, 1).put("mediaType", "application/octet-stream")),
        Arguments.of("OCI manifest relabelled as an index", 1, "'mediaType'",
            (Consumer<ObjectNode>) i -> entry(i, 1).put("mediaType", MediaTypes.OCI_INDEX)),
        Arguments.of("OCI manifest relabelled as Docker v2", 1, "'mediaType'",
            (Consumer<ObjectNode>) i -> entry(i, 1).put("mediaType", MediaTypes.DOCKER_MANIFEST)),
        Arguments.of("OCI index relabelled as a Docker manifest list", 0, "'mediaType'",
            (Consumer<ObjectNode>) i -> entry(i, 0).put("mediaType", MediaTypes.DOCKER_MANIFEST_LIST)),
        Arguments.of("artifactType added", 1, "'artifactType'",
            (Consumer<ObjectNode>) i -> entry(i, 1).put("artifactType", "application/vnd.evil.v1")),
        Arguments.of("artifactType changed", 2, "'artifactType'",
            (Consumer<ObjectNode>) i -> entry(i, 2).put("artifactType", "application/vnd.cyclonedx+json")),
        Arguments.of("platform added", 1, "'platform'",
            (Consumer<ObjectNode>) i -> entry(i, 1).putObject("platform").put("os", "linux").put("architecture", "arm64")),
        Arguments.of("urls added", 1, "'urls'",
            (Consumer<ObjectNode>) i -> entry(i, 1).putArray("urls").add("https://evil.example/tools")),
        Arguments.of("source annotation added", 1, "annotation 'org.opencontainers.image.source'",
            (Consumer<ObjectNode>) i -> ((ObjectNode) entry(i, 1).path("annotations"))
                .put("org.opencontainers.image.source", "https://evil.example")),
        Arguments.of("annotation on an untagged referrer", 2, "'annotations'",
            (Consumer<ObjectNode>) i -> entry(i, 2).putObject("annotations").put("org.opencontainers.image.source", "https://evil.example")),
        Arguments.of("unknown field added", 1, "'data'",
            (Consumer<ObjectNode>) i -> entry(i, 1).put("data", "e30=")),
        Arguments.of("size changed", 1, "'size'",
            (Consumer<ObjectNode>) i -> entry(i, 1).put("size", entry(i, 1).path("size").asLong() + 1)),
        Arguments.of("metadata manifest annotated", 3, "'annotations'",
            (Consumer<ObjectNode>) i -> entry(i, 3).putObject("annotations").put("org.example.note", "x")),
        Arguments.of("root entry annotated", 4, "annotation 'org.opencontainers.image.source'",
            (Consumer<ObjectNode>) i -> ((ObjectNode) entry(i, 4).path("annotations"))
                .put("org.opencontainers.image.source", "https://evil.example")),
        Arguments.of("root entry relabelled", 4, "'mediaType'",
            (Consumer<ObjectNode>) i -> entry(i, 4).put("mediaType", MediaTypes.DOCKER_MANIFEST_LIST)),
        Arguments.of("signature entry given a platform", 5, "'platform'",
            (Consumer<ObjectNode>) i -> entry(i, 5).putObject("platform").put("os", "linux").put("architecture", "amd64")));
  }

  @Order(1)
  @ParameterizedTest(name = "{0}")
  @MethodSource("tamperings")
  void anEntryChangedInOneFieldFailsVerifyAndImportAlikeAndNothingIsPushed(String what, int entry, String field,
      Consumer<ObjectNode> edit) throws IOException {
    Path bad = fixture.write(tmp.resolve(what.replace(' ', '-') + ".tar"), edit);
    CommandResult v = CommandResult.run("verify", bad.toString(), "--key", KEY.toString());
    assertThat(v.exitCode()).as(v.out() + v.err()).isEqualTo(3);
    String line = v.err().strip();
    assertThat(line.lines()).hasSize(1);
    assertThat(line).contains("index.json entry " + entry + " ").contains(field);

    String before = TreeHash.of(registry.storage());
    CommandResult im = CommandResult.run("import", bad.toString(), "--to", registry.hostPort(), "--key", KEY.toString(),
        "--catalog", tmp.resolve("history.db").toString());
    assertThat(im.exitCode()).as(im.out() + im.err()).isEqualTo(v.exitCode());
    assertThat(im.err()).contains("index.json entry " + entry + " ").contains(field).contains("nothing was imported");
    assertThat(TreeHash.of(registry.storage())).isEqualTo(before);
  }

  @Test
  @Order(2)
  void retaggedEntriesFailVerifyAndImport() throws IOException {
    // the ref names of the two images swapped: each digest now stands at the other's tag
    Path bad = fixture.write(tmp.resolve("retagged.tar"), i -> {
      ObjectNode a = (ObjectNode) entry(i, 0).path("annotations");
      ObjectNode b = (ObjectNode) entry(i, 1).path("annotations");
      String ra = a.path("org.opencontainers.image.ref.name").asText();
      a.put("org.opencontainers.image.ref.name", b.path("org.opencontainers.image.ref.name").asText());
      b.put("org.opencontainers.image.ref.name", ra);
    });
    CommandResult v = CommandResult.run("verify", bad.toString(), "--key", KEY.toString());
    assertThat(v.exitCode()).isEqualTo(3);
    assertThat(v.err()).contains("index.json does not match the bundle root");
    String before = TreeHash.of(registry.storage());
    CommandResult im = CommandResult.run("import", bad.toString(), "--to", registry.hostPort(), "--key", KEY.toString(),
        "--catalog", tmp.resolve("history.db").toString());
    assertThat(im.exitCode()).isEqualTo(3);
    assertThat(TreeHash.of(registry.storage())).isEqualTo(before);
  }

  @Test
  @Order(3)
  void anEntryListedTwiceFails() throws IOException {
    Path bad = fixture.write(tmp.resolve("twice.tar"), i -> i.withArray("manifests").add(entry(i, 1).deepCopy()));
    CommandResult v = CommandResult.run("verify", bad.toString(), "--key", KEY.toString());
    assertThat(v.exitCode()).isEqualTo(3);
    assertThat(v.err()).contains("index.json lists").contains("twice");
  }

  @Test
  @Order(3)
  void aFieldBesideTheEntriesFails() throws IOException {
    Path bad = fixture.write(tmp.resolve("top-level.tar"), i -> i.putObject("annotations")
        .put("org.opencontainers.image.source", "https://evil.example"));
    CommandResult v = CommandResult.run("verify", bad.toString(), "--key", KEY.toString());
    assertThat(v.exitCode()).isEqualTo(3);
    assertThat(v.err()).contains("index.json has a field 'annotations'");
  }

  @Test
  @Order(4)
  void theRewrittenBundleUntouchedIsTheFixtureAndImports() throws Exception {
    Path same = fixture.write(tmp.resolve("same.tar"));
    assertThat(Files.mismatch(same, V1.resolve("v1-full.tar"))).isEqualTo(-1L);
    CommandResult im = CommandResult.run("import", same.toString(), "--to", registry.hostPort(), "--key", KEY.toString(),
        "--catalog", tmp.resolve("history.db").toString());
    assertThat(im.exitCode()).as(im.out() + im.err()).isZero();
  }
}
