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
}
