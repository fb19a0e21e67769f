package dev.airlock.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.oci.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleLockTest {
  @TempDir Path tmp;

  @Test
  void roundTripsAndRefusesUnknownFields() throws Exception {
    Digest d = Digest.sha256(new byte[] {1});
    BundleLock lock = BundleLock.of("n", "2026-01-01T00:00:00Z", List.of(
        BundleLock.Entry.of("image", "alpine:3", "docker.io/library/alpine:3", d, "application/vnd.oci.image.index.v1+json"),
        BundleLock.Entry.of("chart", "https://c#x@1.x", "c/x:1.2.0", d, "m").withChart("1.2.0", "https://c/x-1.2.0.tgz", d)));
    Path f = tmp.resolve("l.yaml");
    Files.write(f, lock.toYaml());
    assertThat(BundleLock.read(f)).isEqualTo(lock);
    assertThat(lock.toYaml()).isEqualTo(BundleLock.read(f).toYaml());
    Files.writeString(f, Files.readString(f).replace("kind: BundleLock", "kind: BundleLock\nextra: 1"));
    assertThatThrownBy(() -> BundleLock.read(f)).hasMessageContaining("l.yaml:").hasMessageContaining("extra");
  }

  /** The lock written token by token is byte for byte what binding the record with the same YAML mapper gives. */
  @Test
  void writtenAsTheRecordBindingWritesIt() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper bound = new com.fasterxml.jackson.databind.ObjectMapper(
        com.fasterxml.jackson.dataformat.yaml.YAMLFactory.builder()
            .disable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build());
    Digest d = Digest.sha256(new byte[] {2});
    List<String> awkward = List.of("plain", "123", "1.5", "true", "null", "~", "yes", "a: b", "#x", "- y", "'q'",
        "\"dq\"", "line\nbreak", " lead", "trail ", "", "é ünïcode", "tab\there", "{}", "[a]", "*ref", "&anchor",
        "!tag", "%pct", "@at", "`tick", "a #b", "2026-01-01T00:00:00Z", "0x1F", "1e3", ".inf", "-", "?", ":", "a:b");
    for (String v : awkward) {
      BundleLock lock = BundleLock.of(v, "2026-01-01T00:00:00Z", List.of(
          BundleLock.Entry.of("image", v, v, d, v),
          new BundleLock.Entry("chart", "k", v, d.toString(), null, v, null, v),
          new BundleLock.Entry(v, v, "r", d.toString(), null, null, v, null)));
      String expected = new String(bound.writeValueAsBytes(lock), java.nio.charset.StandardCharsets.UTF_8);
      if (v.equals(".inf")) {
        // the record binding leaves it plain, and Jackson's YAML parser then refuses it as a malformed number
        expected = expected.replace(": .inf\n", ": \".inf\"\n");
      }
      assertThat(new String(lock.toYaml(), java.nio.charset.StandardCharsets.UTF_8)).as("value %s", v).isEqualTo(expected);
      Path f = tmp.resolve("l.yaml");
      Files.write(f, lock.toYaml());
      assertThat(BundleLock.read(f)).as("value %s read back", v).isEqualTo(lock);
    }
    for (String v : List.of(".inf", "-.inf", "+.Inf", ".INF", ".nan", ".NaN", ".NAN", "-.INF")) {
      BundleLock lock = BundleLock.of(v, "2026-01-01T00:00:00Z", List.of(BundleLock.Entry.of("image", v, v, d, v)));
      Path f = tmp.resolve("special.yaml");
      Files.write(f, lock.toYaml());
      assertThat(BundleLock.read(f)).as("special float %s read back", v).isEqualTo(lock);
    }
    BundleLock empty = new BundleLock(BundleSpec.API_VERSION, BundleLock.KIND, null, "2026-01-01T00:00:00Z", List.of());
    assertThat(empty.toYaml()).isEqualTo(bound.writeValueAsBytes(empty));
  }
}
