package dev.airlock.sitesign;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.transfer.GraphCopier;
import dev.airlock.verify.dsse.Dsse;
import dev.airlock.verify.dsse.Statement;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code import --sign-with} against a real docker-registry (2.8: no referrers API, so the signatures go under the
 * {@code sha256-<hex>} fallback tag): a multi-platform index filtered to one platform by the bundle (a filtered
 * index at the target) and a plain image; every one signed with the site key after the proof; {@code verify-image}
 * with site.pub passes and names the admitting bundle, with another key fails (exit 3), and a forged or tampered
 * signature fails. The bytes are checked against cosign's bundle spec (specs/BUNDLE_SPEC.md) and the structure of
 * the shared Sigstore vectors (mediaType, verificationMaterial, dsseEnvelope with an in-toto payload).
 */
class SiteSigningEndToEndTest {
  @RegisterExtension static RealRegistry source = RealRegistry.plain();
  @RegisterExtension static RealRegistry site = RealRegistry.plain();
  @TempDir static Path tmp;

  static final String PASSWORD = "site-pass";
  static RawManifest index;
  static RawManifest amd;
  static RawManifest app;
  static RawManifest unsigned;
  static CommandResult imported;
  static Path sitePub;
  static Path otherPub;
  static Path keyFile;
  static Path bundle;

  @BeforeAll
  static void importWithTheSiteKey() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    index = TestImages.multiArch(l, "multi:1");
    amd = RawManifest.of(l.getManifest("", index.manifests().get(0).digest().toString()).bytes(), null, "amd");
    app = TestImages.image(l, Platform.parse("linux/amd64"), TestImages.layer("app", "1.0"));
    unsigned = TestImages.image(l, Platform.parse("linux/amd64"), TestImages.layer("other", "2.0"));
    push(l, index, "team/multi", "1");
    push(l, app, "team/app", "1.0");
    push(l, unsigned, "team/unsigned", "1");
    SigningKey siteKey = SigningKey.generate();
    keyFile = tmp.resolve("site.key");
    Files.writeString(keyFile, siteKey.encryptedPem(PASSWORD.toCharArray()));
    sitePub = tmp.resolve("site.pub");
    Files.writeString(sitePub, siteKey.publicKeyPem());
    otherPub = tmp.resolve("other.pub");
    Files.writeString(otherPub, SigningKey.generate().publicKeyPem());

    Path spec = tmp.resolve("b.yaml");
    Files.writeString(spec, "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: weekly}\nspec:\n"
        + "  platforms: [linux/amd64]\n  images:\n    - ref: " + source.hostPort() + "/team/multi:1\n    - ref: "
        + source.hostPort() + "/team/app:1.0\n");
    bundle = tmp.resolve("weekly.tar");
    CommandResult b = CommandResult.run("bundle", spec.toString(), "-o", bundle.toString());
    assertThat(b.exitCode()).as(b.err()).isZero();

    List<String> cmd = new ArrayList<>(List.of("env", "AIRLOCK_PASSWORD=" + PASSWORD));
    cmd.addAll(ProcessRunner.airlockJvm("256m", "import", bundle.toString(), "--to", site.hostPort(), "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString(), "--sign-with", keyFile.toString(), "--sign-legacy-tag"));
    var r = ProcessRunner.run(cmd, 180);
    imported = new CommandResult(r.exitCode(), r.out(), r.err());
    assertThat(imported.exitCode()).as(imported.err() + imported.out()).isZero();
    CommandResult u = CommandResult.run("copy", source.hostPort() + "/team/unsigned:1", site.hostPort() + "/team/unsigned:1");
    assertThat(u.exitCode()).as(u.err()).isZero();
  }

  @Test
  void everyImportedImageIsSignedAndVerifiesWithTheSitePublicKey() throws Exception {
    String filtered = filteredIndex();
    assertThat(filtered).isNotEqualTo(index.digest().toString()); // docker-registry refuses sparse indexes
    assertThat(imported.out()).contains("site signature: " + site.hostPort() + "/team/multi@" + filtered + " signed with key")
        .contains("site signature: " + site.hostPort() + "/team/multi@" + amd.digest())
        .contains("site signature: " + site.hostPort() + "/team/app@" + app.digest())
        .contains("tag " + app.digest().tagForm() + ".sig");
    for (String ref : List.of("/team/multi:1", "/team/multi@" + amd.digest(), "/team/app:1.0")) {
      CommandResult v = CommandResult.run("verify-image", site.hostPort() + ref, "--key", sitePub.toString());
      assertThat(v.exitCode()).as(ref + ": " + v.err() + v.out()).isZero();
      assertThat(v.out()).contains("ok  sigstore bundle").contains("bundle weekly (root sha256:")
          .contains("into " + site.hostPort() + ": unsigned bundle allowed").contains("Verified OK");
    }
    CommandResult legacy = CommandResult.run("verify-image", site.hostPort() + "/team/app:1.0", "--key", sitePub.toString(),
        "--legacy");
    assertThat(legacy.exitCode()).as(legacy.err()).isZero();
    assertThat(legacy.out()).contains("ok  legacy " + app.digest().tagForm() + ".sig").contains("2 signature(s)");
  }

  @Test
  void aWrongPasswordStopsTheImportBeforeAnythingIsPushed() throws Exception {
    List<String> cmd = new ArrayList<>(List.of("env", "AIRLOCK_PASSWORD=not-it"));
    cmd.addAll(ProcessRunner.airlockJvm("256m", "import", bundle.toString(), "--to", site.hostPort() + "/wrongpw",
        "--allow-unsigned", "--catalog", tmp.resolve("history.db").toString(), "--sign-with", keyFile.toString()));
    var r = ProcessRunner.run(cmd, 120);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err().strip()).doesNotContain("\n").contains("wrong password");
    try (RegistryStore reg = RegistryStore.open(site.hostPort(), RegistryOptions.anonymous())) {
      assertThat(reg.repositories()).noneMatch(repo -> repo.startsWith("wrongpw/"));
    }
  }

  @Test
  void anotherKeyOrAnUnsignedImageFailsWithExitThree() {
    CommandResult v = CommandResult.run("verify-image", site.hostPort() + "/team/app:1.0", "--key", otherPub.toString(),
        "--legacy");
    assertThat(v.exitCode()).isEqualTo(3);
    assertThat(v.err().strip()).doesNotContain("\n").contains("verifies with the 1 key(s)")
        .contains("DSSE signature does not verify");
    CommandResult none = CommandResult.run("verify-image", site.hostPort() + "/team/unsigned:1", "--key", sitePub.toString());
    assertThat(none.exitCode()).isEqualTo(3);
    assertThat(none.err()).contains("no signature of ").contains("no Sigstore bundle referrer");
  }

  @Test
  void theSignatureIsWhatCosignWritesAndRecordsTheAdmission() throws Exception {
    try (RegistryStore reg = RegistryStore.open(site.hostPort(), RegistryOptions.anonymous())) {
      List<Descriptor> refs = reg.referrers("team/app", app.digest(), MediaTypes.SIGSTORE_BUNDLE_V03);
      assertThat(refs).hasSize(1);
      assertThat(refs.get(0).annotations()).containsEntry(SiteSignature.CONTENT_ANNOTATION, "dsse-envelope")
          .containsEntry(SiteSignature.PREDICATE_TYPE_ANNOTATION, "https://sigstore.dev/cosign/sign/v1")
          .containsKey(Descriptor.CREATED).containsEntry(SiteSignature.BUNDLE_ANNOTATION, "weekly");
      // the fallback tag index of the referrers tag schema (docker-registry has no referrers API)
      assertThat(reg.getManifest("team/app", app.digest().tagForm()).manifests()).extracting(Descriptor::digest)
          .contains(refs.get(0).digest());
      RawManifest m = reg.getManifest("team/app", refs.get(0).digest().toString());
      assertThat(m.artifactType()).isEqualTo("application/vnd.dev.sigstore.bundle.v0.3+json");
      assertThat(m.config().mediaType()).isEqualTo("application/vnd.oci.empty.v1+json");
      assertThat(m.config().size()).isEqualTo(2);
      assertThat(m.subject().digest()).isEqualTo(app.digest());
      assertThat(m.subject().mediaType()).isEqualTo(app.mediaType());
      assertThat(m.layers()).hasSize(1);
      Descriptor layer = m.layers().get(0);
      assertThat(layer.mediaType()).isEqualTo("application/vnd.dev.sigstore.bundle.v0.3+json");
      assertThat(layer.annotation(Descriptor.TITLE)).isEqualTo(layer.digest().tagForm() + ".sigstore.json");
      byte[] bundle;
      try (InputStream in = reg.openBlob("team/app", layer)) {
        bundle = in.readAllBytes();
      }
      JsonNode b = Json.tree(bundle, "bundle");
      // the shape of the shared vectors' v0.3 DSSE bundles (bundle.dsse.sigstore), keyed: a public key hint
      assertThat(b.path("mediaType").asText()).isEqualTo("application/vnd.dev.sigstore.bundle.v0.3+json");
      assertThat(b.path("verificationMaterial").path("publicKey").path("hint").asText())
          .isEqualTo(PublicKeys.keyId(PublicKeys.load(sitePub)));
      assertThat(b.path("dsseEnvelope").path("payloadType").asText()).isEqualTo("application/vnd.in-toto+json");
      Dsse env = Dsse.fromJson(b.path("dsseEnvelope"), "envelope");
      assertThat(env.verifiedBy(PublicKeys.load(sitePub))).isTrue();
      assertThat(env.verifiedBy(PublicKeys.load(otherPub))).isFalse();
      Statement st = Statement.parse(env.payload(), "statement");
      assertThat(Json.tree(env.payload(), "statement").path("_type").asText()).isEqualTo("https://in-toto.io/Statement/v1");
      assertThat(st.predicateType()).isEqualTo("https://sigstore.dev/cosign/sign/v1");
      assertThat(st.subjects()).containsEntry(site.hostPort() + "/team/app", app.digest());
      Admission a = Admission.fromPredicate(st.predicate());
      assertThat(a.bundleName()).isEqualTo("weekly");
      assertThat(a.bundleFile()).isEqualTo("weekly.tar");
      assertThat(a.bundleSignatureVerified()).isFalse();
      assertThat(a.target()).isEqualTo(site.hostPort());
      assertThat(a.verification()).contains("integrity");
      // no transparency log entry: the site signs offline (cosign verify needs --insecure-ignore-tlog=true, and
      // sigstore-java's Bundle reader, which is for keyless bundles, refuses it; docs/verification.md)
      assertThat(b.path("verificationMaterial").path("tlogEntries").size()).isZero();
    }
  }

  @Test
  void aForgedOrTamperedSignatureFails() throws Exception {
    try (RegistryStore reg = RegistryStore.open(site.hostPort(), RegistryOptions.anonymous())) {
      Descriptor signed = reg.referrers("team/app", app.digest(), MediaTypes.SIGSTORE_BUNDLE_V03).get(0);
      RawManifest m = reg.getManifest("team/app", signed.digest().toString());
      byte[] bundle;
      try (InputStream in = reg.openBlob("team/app", m.layers().get(0))) {
        bundle = in.readAllBytes();
      }
      RawManifest target = reg.getManifest("team/unsigned", "1");
      // 1. app's genuine signature re-attached to another image: the statement names app, not it
      attach(reg, "team/unsigned", target, bundle);
      CommandResult v = CommandResult.run("verify-image", site.hostPort() + "/team/unsigned:1", "--key", sitePub.toString());
      assertThat(v.exitCode()).isEqualTo(3);
      assertThat(v.err()).contains("the signed statement does not name " + target.digest());
      // 2. a statement naming it, with app's signature bytes: the signature does not cover it
      JsonNode b = Json.tree(bundle, "bundle");
      Dsse env = Dsse.fromJson(b.path("dsseEnvelope"), "env");
      String forged = new String(env.payload(), StandardCharsets.UTF_8).replace(app.digest().hex(), target.digest().hex());
      Dsse tampered = new Dsse(env.payloadType(), forged.getBytes(StandardCharsets.UTF_8), env.signatures());
      var nb = (com.fasterxml.jackson.databind.node.ObjectNode) b.deepCopy();
      nb.set("dsseEnvelope", tampered.toJson());
      attach(reg, "team/unsigned", target, Json.write(nb));
      CommandResult t = CommandResult.run("verify-image", site.hostPort() + "/team/unsigned:1", "--key", sitePub.toString());
      assertThat(t.exitCode()).isEqualTo(3);
      assertThat(t.err()).contains("DSSE signature does not verify").contains("does not name");
      // 3. one flipped signature byte in app's own bundle
      byte[] sig = env.signatures().get(0).sig().clone();
      sig[sig.length / 2] ^= 1;
      var fb = (com.fasterxml.jackson.databind.node.ObjectNode) b.deepCopy();
      fb.set("dsseEnvelope", new Dsse(env.payloadType(), env.payload(), List.of(new Dsse.Signature("", sig))).toJson());
      RawManifest amdAtSite = reg.getManifest("team/multi", amd.digest().toString());
      attach(reg, "team/multi", amdAtSite, Json.write(fb));
      // amd still has its genuine signature: it passes, and the flipped one is reported as not verifying
      CommandResult f = CommandResult.run("verify-image", site.hostPort() + "/team/multi@" + amd.digest(), "--key",
          sitePub.toString());
      assertThat(f.exitCode()).as(f.err()).isZero();
      assertThat(f.out()).contains("1 signature(s)");
    }
  }

  /** Pushes {@code bundle} as a Sigstore bundle referrer of {@code subject}, as a forger with push access could. */
  static void attach(RegistryStore reg, String repo, RawManifest subject, byte[] bundle) throws Exception {
    Descriptor layer = Descriptor.of(MediaTypes.SIGSTORE_BUNDLE_V03, Digest.sha256(bundle), bundle.length);
    reg.putBlob(repo, dev.airlock.verify.BundleSigner.EMPTY_DESCRIPTOR,
        () -> new ByteArrayInputStream(dev.airlock.verify.BundleSigner.EMPTY_CONFIG));
    reg.putBlob(repo, layer, () -> new ByteArrayInputStream(bundle));
    Admission none = new Admission("forged", subject.digest(), null, false, List.of(), null, "", "", java.time.Instant.now(), "");
    reg.putManifest(repo, RawManifest.of(SiteSignature.referrerManifest(subject.descriptor(), layer, none),
        MediaTypes.OCI_MANIFEST, "forged"), null);
  }

  static String filteredIndex() throws Exception {
    try (RegistryStore reg = RegistryStore.open(site.hostPort(), RegistryOptions.anonymous())) {
      return reg.resolve("team/multi", "1").orElseThrow().digest().toString();
    }
  }

  static void push(LayoutStore l, RawManifest m, String repo, String tag) throws Exception {
    try (RegistryStore reg = RegistryStore.open(source.hostPort(), RegistryOptions.anonymous());
        GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults().withReferrers(false))) {
      c.copy(l, "", m.digest().toString(), repo, tag);
    }
  }
}
