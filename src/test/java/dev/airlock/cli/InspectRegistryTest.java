package dev.airlock.cli;

import static dev.airlock.testing.TestImages.layer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Json;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code airlock inspect} against a real registry, like {@code skopeo inspect}. */
class InspectRegistryTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir Path tmp;

  @Test
  void inspectsAnIndexInARealRegistryWithItsDigests() throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    Platform amd = Platform.parse("linux/amd64");
    Platform arm = Platform.parse("linux/arm64");
    RawManifest a = TestImages.image(src, amd, layer("base"), layer("a"));
    RawManifest b = TestImages.image(src, arm, layer("base"), layer("b"));
    RawManifest idx = TestImages.index(src, List.of(a, b), List.of(amd, arm));
    TestImages.tag(src, idx, "app");
    String ref = registry.hostPort() + "/team/app:1";
    CommandResult copy = CommandResult.run("copy", "oci:" + tmp.resolve("src") + ":app", ref);
    assertThat(copy.exitCode()).as(copy.err()).isZero();

    CommandResult r = CommandResult.run("inspect", "-o", "json", ref);
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains(idx.digest().toString(), a.digest().toString(), b.digest().toString(), "arm64");
    JsonNode report = Json.MAPPER.readTree(r.out()).path("refs").path(0);
    assertThat(report.path("repository").asText()).isEqualTo("team/app");
    assertThat(report.path("manifest").path("manifests")).hasSize(2)
        .allSatisfy(child -> assertThat(child.path("present").asBoolean()).as("a child manifest the registry holds").isTrue());
    assertThat(report.path("uniqueBlobs").asInt()).as("index, 2 manifests, 2 configs, 3 layers").isEqualTo(8);

    CommandResult text = CommandResult.run("inspect", ref);
    assertThat(text.exitCode()).as(text.err()).isZero();
    assertThat(text.out().lines()).contains("team/app:1");
    assertThat(text.out()).doesNotContain("not in this store");

    CommandResult missing = CommandResult.run("inspect", registry.hostPort() + "/team/app:nope");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err().strip()).startsWith("airlock: ").contains("nope").doesNotContain("\n");
  }
}
