package dev.airlock.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.testing.CommandResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Binary garbage and several YAML documents as a spec are refused in airlock's words. */
class SpecHostileInputTest {
  private static final String SPEC = "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata:\n  name: t\nspec:\n"
      + "  images:\n    - ref: docker.io/library/alpine:3.20\n";

  @Test
  void binaryGarbageIsNotAUtf8YamlFile(@TempDir Path tmp) throws Exception {
    byte[] garbage = new byte[4096];
    new Random(7).nextBytes(garbage);
    garbage[0] = (byte) 0xa9;
    Path spec = tmp.resolve("bundle.yaml");
    Files.write(spec, garbage);
    assertThatThrownBy(() -> SpecReader.read(spec)).isInstanceOf(InvalidInputException.class)
        .hasMessage("bundle.yaml is not a UTF-8 YAML file");

    CommandResult r = CommandResult.run("bundle", spec.toString(), "-o", tmp.resolve("out.tar").toString());
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.err().strip()).isEqualTo("airlock: bundle.yaml is not a UTF-8 YAML file");
    assertThat(r.err()).doesNotContain("CharConversionException").doesNotContain("\tat ");
  }

  @Test
  void nulBytesInValidUtf8AreRefusedToo() {
    byte[] b = (SPEC + "\0\0").getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SpecReader.parse(b, "b.yaml")).hasMessageStartingWith("b.yaml is not a UTF-8 YAML file");
  }

  @Test
  void severalDocumentsAreRefusedNamingTheLine() {
    String two = SPEC + "---\n" + SPEC.replace("name: t", "name: other");
    assertThatThrownBy(() -> SpecReader.parse(two.getBytes(StandardCharsets.UTF_8), "b.yaml"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("b.yaml:9: a bundle spec is one YAML document");
    // one document, with or without a leading '---', still reads
    assertThat(SpecReader.parse(("---\n" + SPEC).getBytes(StandardCharsets.UTF_8), "b.yaml").name()).isEqualTo("t");
    assertThat(SpecReader.parse(SPEC.getBytes(StandardCharsets.UTF_8), "b.yaml").images()).hasSize(1);
  }
}
