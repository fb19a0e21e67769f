package dev.airlock.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Reference;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReferenceMappingTest {
  @Test
  void dropsTheHostByDefaultKeepsItOnRequest() {
    Reference r = Reference.parse("docker.io/library/alpine:3.20");
    assertThat(new ReferenceMapper(null, false, false).map(r)).isEqualTo("library/alpine");
    assertThat(new ReferenceMapper("/mirror/", false, false).map(r)).isEqualTo("mirror/library/alpine");
    assertThat(new ReferenceMapper("mirror", true, false).map(r)).isEqualTo("mirror/docker.io/library/alpine");
    assertThat(new ReferenceMapper(null, true, false).map(Reference.parse("localhost:5000/a/b:1"))).isEqualTo("localhost_5000/a/b");
  }

  @Test
  void flatteningIsReversibleAndCannotCollide() {
    assertThat(FlatNames.flatten("a/b/c")).isEqualTo("a-b-c");
    List<String> paths = List.of("a/b/c", "a-b/c", "a/b-c", "a-b-c", "a--b/c", "a/b--c", "my-app/x", "my/app-x",
        "ghcr.io/acme/tools/app", "x/y__z/w.v");
    Map<String, String> seen = new HashMap<>();
    for (String p : paths) {
      String flat = FlatNames.flatten(p);
      assertThat(FlatNames.unflatten(flat)).isEqualTo(p);
      assertThat(flat).doesNotContain("/");
      assertThat(seen.put(flat, p)).as("collision of " + p).isNull();
    }
    Reference r = Reference.parse("ghcr.io/acme/tools/my-app:1");
    assertThat(new ReferenceMapper("m", true, true).map(r)).isEqualTo("m/ghcr.io-acme-tools-my--app");
    assertThatThrownBy(() -> FlatNames.unflatten("a---b")).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void refusesAnInvalidPrefix() {
    assertThatThrownBy(() -> new ReferenceMapper("Bad/../x", false, false)).isInstanceOf(InvalidInputException.class);
  }
}
