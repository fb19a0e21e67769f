package dev.airlock.verify;

import static dev.airlock.testing.TestImages.manifest;
import static dev.airlock.testing.TestImages.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.testing.TestImages;
import dev.airlock.verify.keys.SigningKey;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules on descriptors the signature does cover (issue 22): a manifest's own media type must be the one the
 * descriptor reaching it gives, and {@code urls} are allowed only on foreign (non-distributable) layers.
 */
class SignedDescriptorRulesTest {
  static final SigningKey KEY = SigningKey.generate();
  @TempDir Path tmp;

  VerificationReport verify(TestBundle.Extras extras) throws Exception {
    Path bundle = TestBundle.build(tmp, KEY, null, Instant.parse("2026-01-01T00:00:00Z"), null, extras);
    return OfflineVerifier.verify(bundle, VerifyOptions.withKeys(List.of(KEY.publicKey())));
  }

  @Test
  void anOciManifestTaggedAsADockerManifestFails() throws Exception {
    VerificationReport r = verify((b, root) -> root.add(Descriptor.of(MediaTypes.DOCKER_MANIFEST, b.image.digest(),
        b.image.size()).withAnnotation(Descriptor.REF_NAME, "example.test/team/app:docker")));
    assertThat(r.passed()).isFalse();
    assertThat(r.firstFailure()).contains("describes manifest").contains("'" + MediaTypes.DOCKER_MANIFEST + "'")
        .contains("but it is '" + MediaTypes.OCI_MANIFEST + "'");
  }

  @Test
  void anIndexChildDescribedWithAnotherMediaTypeFails() throws Exception {
    VerificationReport r = verify((b, root) -> {
      var child = Descriptor.of(MediaTypes.OCI_INDEX, b.image.digest(), b.image.size())
          .withPlatform(Platform.of("linux", "amd64", null));
      var index = b.put(MediaTypes.OCI_INDEX, Json.write(TestImages.index(List.of(child))))
          .withAnnotation(Descriptor.REF_NAME, "example.test/team/multi:1");
      root.add(index);
    });
    assertThat(r.passed()).isFalse();
    assertThat(r.firstFailure()).contains("describes manifest").contains("as '" + MediaTypes.OCI_INDEX + "'");
  }

  @Test
  void urlsOnAnOrdinaryLayerFail() throws Exception {
    VerificationReport r = verify((b, root) -> {
      var config = b.put(MediaTypes.OCI_CONFIG, TestImages.config(Platform.of("linux", "amd64", null), "urls", List.of()));
      var layer = b.put(MediaTypes.OCI_LAYER_GZIP, utf8("a layer that names a url"));
      var withUrls = new Descriptor(layer.mediaType(), layer.digest(), layer.size(), List.of("https://evil.example/l"),
          null, null, null);
      root.add(b.put(MediaTypes.OCI_MANIFEST, Json.write(manifest(null, config, List.of(withUrls), null)))
          .withAnnotation(Descriptor.REF_NAME, "example.test/team/urls:1"));
    });
    assertThat(r.passed()).isFalse();
    assertThat(r.firstFailure()).contains("gives urls for").contains("only on foreign (non-distributable) layers");
  }

  @Test
  void aForeignLayerWithUrlsMayBeAbsent() throws Exception {
    VerificationReport r = verify((b, root) -> {
      var config = b.put(MediaTypes.DOCKER_CONFIG, TestImages.config(Platform.of("windows", "amd64", null), "w", List.of()));
      var foreign = new Descriptor(MediaTypes.DOCKER_FOREIGN_LAYER, dev.airlock.oci.Digest.sha256(utf8("not carried")), 11,
          List.of("https://mcr.example/base.tar.gz"), null, null, null);
      root.add(b.put(MediaTypes.DOCKER_MANIFEST, Json.write(manifest(null, config, List.of(foreign), null)))
          .withAnnotation(Descriptor.REF_NAME, "example.test/team/windows:1"));
    });
    assertThat(r.firstFailure()).isNull();
    assertThat(r.passed()).isTrue();
  }
}
