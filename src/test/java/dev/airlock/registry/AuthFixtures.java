package dev.airlock.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.transfer.GraphCopier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/** Shared set-up of the auth tests: an htpasswd file (bcrypt $2y$) and a token issuer, made before the registries start. */
final class AuthFixtures {
  private AuthFixtures() {}

  static final Path DIR;
  static final TestTokenIssuer ISSUER;

  static {
    try {
      DIR = Files.createTempDirectory("airlock-auth-");
      String hash = OpenBSDBCrypt.generate("2y", "s3cret".toCharArray(), new SecureRandom().generateSeed(16), 5);
      Files.writeString(DIR.resolve("htpasswd"), "alice:" + hash + "\n");
      ISSUER = new TestTokenIssuer(DIR, "alice", "s3cret");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void roundTrip(RealRegistry registry, RegistryOptions opts, Path tmp, String repo) throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    RawManifest img = TestImages.image(src, Platform.parse("linux/amd64"), TestImages.randomLayers(7, 2));
    TestImages.tag(src, img, "v1");
    RegistryStore reg = RegistryStore.open(registry.hostPort(), opts);
    try (GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults().withReferrers(false))) {
      c.copy(src, "", "v1", repo, "v1");
    }
    RegistryStore again = RegistryStore.open(registry.hostPort(), opts);
    assertThat(again.getManifest(repo, "v1").digest()).isEqualTo(img.digest());
    assertThat(again.tags(repo)).containsExactly("v1");
  }

}
