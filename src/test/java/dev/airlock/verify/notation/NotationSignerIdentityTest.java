package dev.airlock.verify.notation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.catalog.AuditReport;
import dev.airlock.catalog.CatalogReader;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundler records the signer of Notation signatures in both envelope formats (JWS and COSE) in the catalog,
 * read offline from the leaf certificate; audit --suggest-policy turns it into a notation rule that verify
 * passes once the rule names the trust store.
 */
class NotationSignerIdentityTest {
  @TempDir Path tmp;

  @Test
  void jwsAndCoseSignersAreRecordedAndTheSuggestedNotationRuleVerifies() throws Exception {
    Instant t0 = Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    NotationTestPki pki = new NotationTestPki(false, t0);
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    RawManifest jwsImage = TestImages.image(l, Platform.parse("linux/amd64"), TestImages.layer("a", "jws"));
    RawManifest coseImage = TestImages.image(l, Platform.parse("linux/amd64"), TestImages.layer("a", "cose"));
    TestImages.tag(l, jwsImage, "jws");
    TestImages.tag(l, coseImage, "cose");
    NotationTestPki.Options signed = NotationTestPki.Options.x509(t0.plusSeconds(3600)).timestamped(t0.plusSeconds(3600));
    NotationTestPki.storeSignature(l, jwsImage, SignatureEnvelope.JWS, pki.jws(jwsImage.descriptor(), signed));
    NotationTestPki.storeSignature(l, coseImage, SignatureEnvelope.COSE, pki.cose(coseImage.descriptor(), signed));
    Files.writeString(tmp.resolve("bundle.yaml"), """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: notation-signers}
        spec:
          images:
            - layout: ./src:jws
              name: registry.example/acme/jws:1
            - layout: ./src:cose
              name: registry.example/acme/cose:1
        """);
    Path bundle = tmp.resolve("b.tar");
    CommandResult b = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", bundle.toString());
    assertThat(b.exitCode()).as(b.out() + b.err()).isZero();

    String leaf = "C=US,ST=WA,O=Acme,OU=CI,CN=builder";
    try (CatalogReader r = CatalogReader.open(tmp.resolve("b.tar.catalog.db"))) {
      List<AuditReport.Signer> signers = r.report().sources().stream().flatMap(s -> s.referrers().stream())
          .flatMap(x -> x.signers().stream()).toList();
      assertThat(signers).extracting(AuditReport.Signer::format).containsExactlyInAnyOrder("notation-jws", "notation-cose");
      assertThat(signers).allSatisfy(s -> {
        assertThat(s.identity()).isEqualTo("certificate");
        assertThat(s.subject()).isEqualTo(leaf);
        assertThat(s.issuer()).isEqualTo("C=US,ST=WA,O=Acme,CN=Test Intermediate");
      });
    }

    CommandResult suggested = CommandResult.run("audit", bundle.toString(), "--suggest-policy");
    assertThat(suggested.exitCode()).as(suggested.out() + suggested.err()).isZero();
    assertThat(suggested.out()).contains("      - notation: {trustStore: \"notation/truststore\", identities:"
        + " [\"x509.subject: C=US, ST=WA, O=Acme, OU=CI, CN=builder\"]}");
    Path store = pki.store(tmp, "ca", NotationTestPki.none());
    Path policy = tmp.resolve("policy.yaml");
    Files.writeString(policy, suggested.out().replace("notation/truststore", store.toString()));
    CommandResult v = CommandResult.run("verify", bundle.toString(), "--allow-unsigned", "--policy", policy.toString());
    assertThat(v.exitCode()).as(v.out() + v.err()).isZero();
    assertThat(v.out()).contains("registry.example/acme/jws:1", "registry.example/acme/cose:1", "Verified.");
  }
}
