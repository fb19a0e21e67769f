package dev.airlock.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Platform;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SpecReaderTest {
  private static final String HEAD = "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata:\n  name: t\nspec:\n";

  private static BundleSpec parse(String body) {
    return SpecReader.parse((HEAD + body).getBytes(StandardCharsets.UTF_8), "b.yaml");
  }

  private static void fails(String body, String... fragments) {
    assertThatThrownBy(() -> parse(body)).isInstanceOf(InvalidInputException.class).message().contains(fragments);
  }

  @Test
  void readsEveryKindOfEntry() {
    BundleSpec s = parse("""
          platforms: [linux/amd64, linux/arm64]
          referrers: {include: [signatures, sboms], cosignTags: false}
          images:
            - ref: docker.io/library/alpine:3.20
            - ref: ghcr.io/fluxcd/source-controller@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
              platforms: [linux/amd64]
            - layout: ./build/oci:app
              name: registry.example/app:1.0
            - archive: oci-archive:./app.tar:app
          charts:
            - repo: https://kyverno.github.io/kyverno
              name: kyverno
              version: ">=3.2.0 <3.3.0"
              images: true
            - ref: oci://ghcr.io/stefanprodan/charts/podinfo:6.7.0
          artifacts:
            - ref: ghcr.io/org/policies:v1
            - path: ./manifests
              mediaType: application/vnd.cncf.flux.content.v1.tar+gzip
        """);
    assertThat(s.name()).isEqualTo("t");
    assertThat(s.platforms()).containsExactly(Platform.parse("linux/amd64"), Platform.parse("linux/arm64"));
    assertThat(s.referrers()).isEqualTo(new BundleSpec.Referrers(true, true, false, false, false));
    assertThat(s.images()).hasSize(4);
    assertThat(s.images().get(1).platforms()).containsExactly(Platform.parse("linux/amd64"));
    assertThat(s.images().get(2).key()).isEqualTo("layout:./build/oci:app");
    assertThat(s.charts().get(0).images()).isTrue();
    assertThat(s.charts().get(0).line()).isEqualTo(16);
    assertThat(s.artifacts().get(1).mediaType()).isEqualTo("application/vnd.cncf.flux.content.v1.tar+gzip");
  }

  @Test
  void referrerDefaults() {
    assertThat(parse("  images: [{ref: a:1}]\n").referrers()).isEqualTo(BundleSpec.Referrers.defaults());
    assertThat(parse("  referrers: {cosignTags: false}\n  images: [{ref: a:1}]\n").referrers())
        .isEqualTo(new BundleSpec.Referrers(true, true, true, false, false));
    assertThat(parse("  referrers: {include: []}\n  images: [{ref: a:1}]\n").referrers().any()).isFalse();
  }

  @Test
  void errorsNameTheLine() {
    fails("  images:\n    - ref: alpine:3\n      tagg: x\n", "b.yaml:8: unknown field 'tagg' in spec.images[0]");
    fails("  imagez: []\n", "b.yaml:6: unknown field 'imagez' in spec");
    fails("  images:\n    - ref: alpine:3\n      platforms: [linux]\n", "b.yaml:8:", "invalid platform 'linux'");
    fails("  images:\n    - ref: alpine:3\n      layout: ./x:y\n", "b.yaml:7: an image needs exactly one of");
    fails("  charts:\n    - ref: https://x/y:1\n", "b.yaml:7:", "must start with oci://");
    fails("  charts:\n    - repo: https://x\n      name: a\n", "b.yaml:7: a chart from a repo needs 'version'");
    fails("  artifacts:\n    - path: ./x\n", "b.yaml:7: an artifact from a path needs 'mediaType'");
    fails("  referrers: {include: [signaturez]}\n", "b.yaml:6:", "unknown referrer kind 'signaturez'");
    fails("  images: []\n", "lists no images, charts or artifacts");
    fails("  images:\n    - ref: a:1\n    - ref: [x\n", "b.yaml:", "not valid YAML");
    assertThatThrownBy(() -> SpecReader.parse("apiVersion: v2\nkind: Bundle\n".getBytes(StandardCharsets.UTF_8), "b.yaml"))
        .hasMessageContaining("b.yaml:1: apiVersion must be airlock.dev/v1");
    assertThatThrownBy(() -> SpecReader.parse((HEAD.replace("name: t", "name: t\n  name: u") + "  images: [{ref: a:1}]\n")
        .getBytes(StandardCharsets.UTF_8), "b.yaml")).hasMessageContaining("b.yaml:5:").hasMessageContaining("Duplicate field 'name'");
  }

  @Test
  void tagFiltersSelectTagsOfARepository() {
    BundleSpec s = parse("""
          images:
            - ref: registry.example/team/api
              tags: {semver: ">=1.2 <2", regex: "^v?[0-9.]+$"}
            - ref: registry.example/team/web
              tags: {regex: "release-.*"}
        """);
    BundleSpec.TagFilter f = s.images().get(0).tags();
    assertThat(f).isEqualTo(new BundleSpec.TagFilter(">=1.2 <2", "^v?[0-9.]+$"));
    assertThat(f.matches("1.2.0")).isTrue();
    assertThat(f.matches("v1.9")).isTrue();
    assertThat(f.matches("2.0.0")).isFalse();
    assertThat(f.matches("1.1.9")).isFalse();
    assertThat(f.matches("latest")).isFalse();
    assertThat(f.matches("1.3.0-rc1")).isFalse(); // the regex, and a pre-release outside the range
    BundleSpec.TagFilter r = s.images().get(1).tags();
    assertThat(r.matches("release-7")).isTrue();
    assertThat(r.matches("xrelease-7")).isFalse(); // the whole tag
    assertThat(s.images().get(0).key()).isEqualTo("registry.example/team/api");
  }

  @Test
  void badTagFiltersAreOneLineErrors() {
    fails("  images:\n    - ref: r.example/a:1.0\n      tags: {semver: '>=1'}\n", "b.yaml:8:", "without tag or digest");
    fails("  images:\n    - ref: r.example/a\n      tags: {}\n", "b.yaml:8:", "'tags' needs 'semver'");
    fails("  images:\n    - ref: r.example/a\n      tags: {semver: 'nope!'}\n", "b.yaml:8:");
    fails("  images:\n    - ref: r.example/a\n      tags: {regex: '(['}\n", "b.yaml:8:", "regex '([' is not valid");
    fails("  images:\n    - ref: r.example/a\n      tags: {semvr: '1'}\n", "b.yaml:8:", "unknown field 'semvr'");
    fails("  images:\n    - layout: ./l:app\n      tags: {regex: '.*'}\n", "it needs 'ref'");
  }

  @Test
  void aLayoutManifestByDigest() {
    String d = "sha256:" + "ab".repeat(32);
    BundleSpec s = parse("  images:\n    - layout: ./build/oci@" + d + "\n");
    assertThat(s.images().get(0).key()).isEqualTo("layout:./build/oci@" + d);
    fails("  images:\n    - layout: ./build/oci@sha256:abc\n", "is not a sha256 digest");
  }
}
