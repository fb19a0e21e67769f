package dev.airlock.cli;

import static dev.airlock.testing.TestImages.layer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.store.Location;
import dev.airlock.testing.TestImages;
import dev.airlock.store.archive.DockerArchiveStore;
import dev.airlock.store.archive.TarLayoutStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocationsTest {
  @TempDir Path dir;

  @Test
  void opensLocalLocationsWithTheirReference() throws Exception {
    Path root = dir.resolve("l");
    LayoutStore s = LayoutStore.openOrCreate(root);
    RawManifest img = TestImages.image(s, Platform.of("linux", "amd64", null), layer("x"));
    s.putManifest("", img, "example.com/a:1");
    try (Locations.OpenedLocation o = Locations.open(Location.parse("oci:" + root + ":example.com/a:1"))) {
      assertThat(o.store()).isInstanceOf(LayoutStore.class);
      assertThat(o.repository()).isEmpty();
      assertThat(o.reference()).isEqualTo("example.com/a:1");
      assertThat(o.store().getManifest(o.repository(), o.reference()).digest()).isEqualTo(img.digest());
    }
    try (Locations.OpenedLocation o = Locations.open(Location.parse("oci:" + root + ":@" + img.digest()))) {
      assertThat(o.reference()).isEqualTo(img.digest().toString());
    }
    try (Locations.OpenedLocation o = Locations.open(Location.parse("oci:" + root))) {
      assertThat(o.hasReference()).isFalse();
    }
    // writing: only oci: directories, created when absent
    try (Locations.OpenedLocation o = Locations.open(Location.parse("oci:" + dir.resolve("new")), Locations.Mode.WRITE)) {
      assertThat(Files.exists(dir.resolve("new/oci-layout"))).isTrue();
    }
    assertThatThrownBy(() -> Locations.open(Location.parse("oci-archive:" + dir.resolve("x.tar")), Locations.Mode.WRITE))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("can only be read");
    try (Locations.OpenedLocation o = Locations.open(Location.parse("example.com/team/a:1"))) {
      assertThat(o.store()).isInstanceOf(dev.airlock.registry.RegistryStore.class);
      assertThat(o.repository()).isEqualTo("team/a");
      assertThat(o.reference()).isEqualTo("1");
    }
  }

  @Test
  void aLocalPathWithoutATransportIsRefusedWithTheLocationToWriteNotSentToDockerHub() throws Exception {
    Path tar = Files.writeString(dir.resolve("bundle.tar"), "x");
    assertThatThrownBy(() -> Location.parse(tar.toString()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("location '" + tar + "' is a local file; write oci-archive:" + tar + " (or docker-archive:" + tar
            + "), or docker://" + tar + " for a registry");
    Path layout = Files.createDirectories(dir.resolve("layout"));
    assertThatThrownBy(() -> Location.parse(layout.toString()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("location '" + layout + "' is a local directory; write oci:" + layout + ",");
    // a name that is no local path stays a registry reference
    assertThat(Location.parse("example.com/absent/app:1").isRegistry()).isTrue();
  }

  @Test
  void opensArchives() throws Exception {
    Path root = dir.resolve("l");
    LayoutStore s = LayoutStore.openOrCreate(root);
    TestImages.multiArch(s, "example.com/m:1");
    Path tar = dir.resolve("l.tar");
    try (var out = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(Files.newOutputStream(tar));
        var files = Files.walk(root)) {
      for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
        var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(root.relativize(p).toString());
        e.setSize(Files.size(p));
        out.putArchiveEntry(e);
        Files.copy(p, out);
        out.closeArchiveEntry();
      }
    }
    try (Locations.OpenedLocation o = Locations.open(Location.parse("oci-archive:" + tar + ":example.com/m:1"))) {
      assertThat(o.store()).isInstanceOf(TarLayoutStore.class);
      assertThat(o.store().tags("")).isEqualTo(List.of("example.com/m:1"));
    }
    // a docker-archive holding an OCI layout (as Docker 25+ writes) is read as that layout
    try (Locations.OpenedLocation o = Locations.open(Location.parse("docker-archive:" + tar + ":example.com/m:1"))) {
      assertThat(((DockerArchiveStore) o.store()).generatedManifests()).isFalse();
      assertThat(o.reference()).isEqualTo("example.com/m:1");
      assertThat(o.store().resolve("", o.reference())).isPresent();
    }
  }
}
