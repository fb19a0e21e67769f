package dev.airlock.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReferenceTest {
  static final String D = "sha256:" + "b".repeat(64);

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
    // input | registry | repository | tag | digest?
    "alpine | docker.io | library/alpine | - | false",
    "alpine:3.20 | docker.io | library/alpine | 3.20 | false",
    "docker.io/alpine | docker.io | library/alpine | - | false",
    "index.docker.io/library/alpine:1 | docker.io | library/alpine | 1 | false",
    "registry-1.docker.io/bitnami/redis:7 | docker.io | bitnami/redis | 7 | false",
    "bitnami/redis | docker.io | bitnami/redis | - | false",
    "docker://quay.io/a/b:c | quay.io | a/b | c | false",
    "localhost/foo | localhost | foo | - | false",
    "localhost:5000/foo/bar:v1 | localhost:5000 | foo/bar | v1 | false",
    "127.0.0.1:5000/x | 127.0.0.1:5000 | x | - | false",
    "[::1]:5000/team/app:1.0 | [::1]:5000 | team/app | 1.0 | false",
    "[fe80::1]/app | [fe80::1] | app | - | false",
    "Registry.Example/app | Registry.Example | app | - | false",
    "myhost:443/a/b/c/d | myhost:443 | a/b/c/d | - | false",
    "a.b/x__y/z-z/w.w/v--v:T_a.g-1 | a.b | x__y/z-z/w.w/v--v | T_a.g-1 | false",
  })
  void parsesTheDockerGrammar(String in, String registry, String repo, String tag, boolean digest) {
    Reference r = Reference.parse(in);
    assertThat(r.registry()).isEqualTo(registry);
    assertThat(r.repository()).isEqualTo(repo);
    assertThat(r.tag()).isEqualTo(tag);
    assertThat(r.digest() != null).isEqualTo(digest);
  }

  @Test
  void tagAndDigestTogether() {
    Reference r = Reference.parse("localhost:5000/app:1.0@" + D);
    assertThat(r.tag()).isEqualTo("1.0");
    assertThat(r.digest()).isEqualTo(Digest.parse(D));
    assertThat(r.identifier()).isEqualTo(D);
    assertThat(r.toString()).isEqualTo("localhost:5000/app:1.0@" + D);
    Reference digestOnly = Reference.parse("localhost:5000/app@" + D);
    assertThat(digestOnly.tag()).isNull();
    assertThat(digestOnly.withDefaultTag().tag()).isNull();
    assertThat(Reference.parse("app").withDefaultTag().toString()).isEqualTo("docker.io/library/app:latest");
    assertThat(Reference.parse("app").identifier()).isEqualTo("latest");
  }

  @Test
  void roundTripsThroughToString() {
    for (String s : new String[] {"docker.io/library/alpine:3", "[::1]:5000/a/b@" + D, "localhost:5000/x:y"}) {
      assertThat(Reference.parse(Reference.parse(s).toString())).isEqualTo(Reference.parse(s));
    }
    assertThat(Reference.parse("alpine").name()).isEqualTo("docker.io/library/alpine");
    assertThat(Reference.parse("alpine").apiHost()).isEqualTo("registry-1.docker.io");
    assertThat(Reference.parse("localhost:5000/a").apiHost()).isEqualTo("localhost:5000");
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "", " ", "Alpine", "docker.io/Library/alpine", "localhost:5000/Foo", "app:", "app:-tag", "app:.tag",
    "app:tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt", "app@sha256:abc", "app@md5:d41d8cd98f00b204e9800998ecf8427e", "/app", "app/",
    "a//b", "a/../b", "-a/b", "a_/b", "host:port/app", "[::1/app", "exa mple.com/app", "app@",
    "localhost:123456/app", "a..b/x", "-host.com/app"
  })
  void refusesMalformed(String s) {
    assertThatThrownBy(() -> Reference.parse(s)).isInstanceOf(InvalidInputException.class)
        .hasMessageNotContaining("\n");
  }

  @Test
  void refusesTooLongNames() {
    String longRepo = "a/".repeat(127) + "b"; // 255 chars of path alone
    assertThatThrownBy(() -> Reference.parse("example.com/" + longRepo))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("255");
    String ok = "x".repeat(255 - "example.com/".length());
    assertThat(Reference.parse("example.com/" + ok).repository()).hasSize(ok.length());
  }

  @Test
  void uppercaseRepositoryIsRefusedWithAClearMessage() {
    assertThatThrownBy(() -> Reference.parse("example.com/MyApp:1"))
        .hasMessageContaining("repository 'MyApp'").hasMessageContaining("lowercase");
  }

  @Test
  void withTagAndRepository() {
    Reference r = Reference.parse("a.io/x/y:1");
    assertThat(r.withTag("2").toString()).isEqualTo("a.io/x/y:2");
    assertThat(r.withRepository("b.io:5000", "z").toString()).isEqualTo("b.io:5000/z:1");
    assertThatThrownBy(() -> r.withTag("bad tag")).isInstanceOf(InvalidInputException.class);
  }
}
