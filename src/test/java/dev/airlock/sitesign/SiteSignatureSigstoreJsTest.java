package dev.airlock.sitesign;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.importer.BundleImporter;
import dev.airlock.importer.BundleVerifier;
import dev.airlock.importer.IntegrityVerifier;
import dev.airlock.importer.ReferenceMapper;
import dev.airlock.importer.RegistryTargets;
import dev.airlock.importer.SampleContent;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.verify.keys.SigningKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An independent check of the site signature's bytes: every Sigstore bundle referrer {@code import --sign-with}
 * wrote (into an {@code oci:} layout, the real importer) is verified by sigstore-js, the npm sigstore client's
 * verifier ({@code @sigstore/verify} 3.1.1 with {@code @sigstore/bundle} 4.0.0, installed by
 * scripts/install-peers.sh), offline with the site public key as its only trust material
 * (src/test/node/verify-site-bundle.js): it parses the bundle v0.3 as the protobuf-specs define it, checks the DSSE
 * signature over its PAE with the key its hint names, and the statement must name the image. Another key, one
 * flipped signature byte, another image's digest: refused.
 */
class SiteSignatureSigstoreJsTest {
  @TempDir Path tmp;

  @Test
  void sigstoreJsVerifiesEverySiteSignatureAirlockWrote() throws Exception {
    Path modules = Peers.sigstoreJs();
    Path bundle = tmp.resolve("bundle");
    SampleContent.write(bundle);
    SigningKey key = SigningKey.generate();
    ImportSigning signing = new ImportSigning(key, false, "airlock test",
        Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC));
    Path out = tmp.resolve("out");
    new BundleImporter(new IntegrityVerifier(), RegistryTargets.UNAVAILABLE).afterProof(signing).run(bundle,
        new BundleImporter.Options("oci:" + out, new ReferenceMapper(null, false, false),
            new BundleVerifier.Request(List.of(), null, true), false, 2, null, null, null));
    Path pub = Files.writeString(tmp.resolve("site.pub"), key.publicKeyPem());
    Path otherPub = Files.writeString(tmp.resolve("other.pub"), SigningKey.generate().publicKeyPem());
    LayoutStore l = LayoutStore.open(out);
    assertThat(signing.signed()).hasSizeGreaterThanOrEqualTo(5);
    Path first = null;
    Digest firstImage = null;
    for (SiteSigner.Signed s : signing.signed()) {
      Descriptor layer = l.getManifest(s.repository(), s.referrer().toString()).layers().get(0);
      assertThat(layer.mediaType()).isEqualTo(MediaTypes.SIGSTORE_BUNDLE_V03);
      Path file = tmp.resolve("bundle-" + s.image().hex() + ".json");
      try (var in = l.openBlob(s.repository(), layer)) {
        Files.write(file, in.readAllBytes());
      }
      JsonNode r = run(modules, file, pub, s.image());
      assertThat(r.path("verified").asBoolean()).as(s + ": " + r).isTrue();
      assertThat(r.path("mediaType").asText()).isEqualTo("application/vnd.dev.sigstore.bundle.v0.3+json");
      assertThat(r.path("payloadType").asText()).isEqualTo("application/vnd.in-toto+json");
      assertThat(r.path("predicateType").asText()).isEqualTo(SiteSignature.PREDICATE_TYPE);
      if (first == null) {
        first = file;
        firstImage = s.image();
      }
    }

    // refusals: another key; one flipped signature byte; the right bundle for another image
    assertThat(run(modules, first, otherPub, firstImage).path("verified").asBoolean()).isFalse();
    ObjectNode tampered = (ObjectNode) Json.tree(Files.readAllBytes(first), "bundle");
    ObjectNode sig = (ObjectNode) tampered.path("dsseEnvelope").path("signatures").get(0);
    byte[] raw = Base64.getDecoder().decode(sig.path("sig").asText());
    raw[raw.length / 2] ^= 1;
    sig.put("sig", Base64.getEncoder().encodeToString(raw));
    Path flipped = Files.write(tmp.resolve("flipped.json"), Json.write(tampered));
    JsonNode f = run(modules, flipped, pub, firstImage);
    assertThat(f.path("verified").asBoolean()).as(f.toString()).isFalse();
    Digest another = signing.signed().get(signing.signed().size() - 1).image();
    JsonNode w = run(modules, first, pub, another);
    assertThat(w.path("verified").asBoolean()).isFalse();
    assertThat(w.path("error").asText()).contains("the statement does not name " + another);
  }

  private static JsonNode run(Path modules, Path bundle, Path key, Digest image) throws Exception {
    Path script = Path.of(System.getProperty("user.dir"), "src/test/node/verify-site-bundle.js");
    List<String> cmd = new ArrayList<>(List.of("env", "NODE_PATH=" + modules, "node", script.toString(),
        bundle.toString(), key.toString(), image.toString()));
    var r = ProcessRunner.run(cmd, 60);
    assertThat(r.exitCode()).as(r.out() + r.err()).isIn(0, 1);
    JsonNode j = Json.tree(r.out().strip().getBytes(StandardCharsets.UTF_8), "sigstore-js output");
    assertThat(j.path("verified").asBoolean()).isEqualTo(r.exitCode() == 0);
    return j;
  }
}
