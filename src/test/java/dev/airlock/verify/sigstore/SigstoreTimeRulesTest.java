package dev.airlock.verify.sigstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.InvalidInputException;
import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.SharedTestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Sigstore client specification's time and trusted-root rules that airlock checks itself: every
 * validity window has its start (a root without one is refused), the entry's log is in the root and was
 * valid when the entry was integrated, no entry from the future, and the integrated time within the
 * signing certificate's validity.
 */
class SigstoreTimeRulesTest {
  @TempDir Path tmp;
  static final CertificateIdentity APPU = new CertificateIdentity("appu@google.com", null, "https://accounts.google.com");
  /** bundle.v3.sigstore's integrated time. */
  static final Instant INTEGRATED = Instant.ofEpochSecond(1697034484L);

  private static byte[] file(String name) throws Exception {
    return Files.readAllBytes(SharedTestData.sigstore("bundles/" + name));
  }

  private static byte[] rootWith(Consumer<ObjectNode> change) throws Exception {
    ObjectNode root = (ObjectNode) Json.tree(file("trusted_root.json"), "root");
    change.accept(root);
    return Json.write(root);
  }

  @Test
  void everyValidityWindowMustHaveItsStart() throws Exception {
    TrustRoot.of(file("trusted_root.json"), "shared", null);
    for (String where : new String[] {"tlogs", "ctlogs", "certificateAuthorities", "timestampAuthorities"}) {
      byte[] broken = rootWith(r -> {
        ObjectNode first = (ObjectNode) r.path(where).get(0);
        ObjectNode validFor = (ObjectNode) (where.endsWith("logs") ? first.path("publicKey").path("validFor") : first.path("validFor"));
        validFor.remove("start");
      });
      assertThatThrownBy(() -> TrustRoot.of(broken, "broken.json", null)).as(where)
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("malformed trusted root")
          .hasMessageContaining("no validFor.start");
    }
    Path broken = tmp.resolve("no-start.json");
    Files.write(broken, rootWith(r -> ((ObjectNode) r.path("tlogs").get(0).path("publicKey").path("validFor")).remove("start")));
    CommandResult cli = CommandResult.run("verify-blob", SharedTestData.sigstore("bundles/artifact.txt").toString(),
        "--bundle", SharedTestData.sigstore("bundles/bundle.v3.sigstore").toString(), "--trusted-root", broken.toString(),
        "--certificate-identity", "appu@google.com", "--certificate-oidc-issuer", "https://accounts.google.com");
    assertThat(cli.exitCode()).isEqualTo(1);
    assertThat(cli.err()).contains("no validFor.start");
  }

  @Test
  void anEntryFromTheFutureIsRefused() throws Exception {
    Digest art = Digest.sha256(Files.readAllBytes(SharedTestData.sigstore("bundles/artifact.txt")));
    TrustRoot root = TrustRoot.of(file("trusted_root.json"), "shared", null);
    SigstoreBundleVerifier.verifyKeyless(art, file("bundle.v3.sigstore"), root, APPU, INTEGRATED.plusSeconds(1));
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(art, file("bundle.v3.sigstore"), root, APPU,
        INTEGRATED.minusSeconds(3600))).isInstanceOf(VerificationException.class).hasMessageContaining("in the future");
  }

  @Test
  void theLogMustBeValidWhenTheEntryWasIntegrated() throws Exception {
    Digest art = Digest.sha256(Files.readAllBytes(SharedTestData.sigstore("bundles/artifact.txt")));
    TrustRoot ended = TrustRoot.of(rootWith(r -> ((ObjectNode) r.path("tlogs").get(0).path("publicKey").path("validFor"))
        .put("end", "2022-01-01T00:00:00Z")), "ended.json", null);
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(art, file("bundle.v3.sigstore"), ended, APPU))
        .isInstanceOf(VerificationException.class);
    TrustRoot late = TrustRoot.of(rootWith(r -> ((ObjectNode) r.path("tlogs").get(0).path("publicKey").path("validFor"))
        .put("start", "2024-01-01T00:00:00Z")), "late.json", null);
    assertThatThrownBy(() -> SigstoreBundleVerifier.verifyKeyless(art, file("bundle.v3.sigstore"), late, APPU))
        .isInstanceOf(VerificationException.class);
    // the rule itself, apart from what sigstore-java already refuses
    TrustedRootWindows.Window w = new TrustedRootWindows.Window(Instant.parse("2024-01-01T00:00:00Z"), null);
    assertThatThrownBy(() -> TlogEntryRules.checkTime(INTEGRATED, w, "rekor", null, INTEGRATED.plusSeconds(60)))
        .hasMessageContaining("outside the validity [2024-01-01T00:00:00Z, open] of log rekor");
    TlogEntryRules.checkTime(INTEGRATED, new TrustedRootWindows.Window(Instant.parse("2021-01-12T11:53:27Z"), null), "rekor",
        null, INTEGRATED.plusSeconds(60));
  }

  @Test
  void theIntegratedTimeMustLieWithinTheCertificate() throws Exception {
    X509Certificate leaf = TlogEntryRules.leaf(Json.tree(file("bundle.v3.sigstore"), "b").path("verificationMaterial"));
    Instant now = INTEGRATED.plusSeconds(86400);
    TlogEntryRules.checkTime(INTEGRATED, null, "rekor", leaf, now);
    Instant after = leaf.getNotAfter().toInstant().plusSeconds(1);
    assertThatThrownBy(() -> TlogEntryRules.checkTime(after, null, "rekor", leaf, now))
        .hasMessageContaining("outside the signing certificate's validity");
    Instant before = leaf.getNotBefore().toInstant().minusSeconds(1);
    assertThatThrownBy(() -> TlogEntryRules.checkTime(before, null, "rekor", leaf, now))
        .hasMessageContaining("outside the signing certificate's validity");
  }
}
