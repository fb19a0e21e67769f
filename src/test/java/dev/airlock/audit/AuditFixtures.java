package dev.airlock.audit;

import static dev.airlock.testing.TestImages.layer;
import static dev.airlock.testing.TestImages.utf8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.bundle.SpecReader;
import dev.airlock.bundler.Bundler;
import dev.airlock.bundler.KeySignatureHook;
import dev.airlock.bundler.OpenedSourceStores;
import dev.airlock.charts.ChartRepository;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.SharedTestData;
import dev.airlock.testing.TestImages;
import dev.airlock.verify.dsse.Dsse;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import dev.airlock.verify.policy.CosignSignatureVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test content for the audit commands, bundled by the real bundler from OCI layouts:
 * <ul>
 *   <li>{@link #APP}: an index (linux/amd64, linux/arm64/v8, and linux/s390x, which the spec filters out) with an
 *       SPDX SBOM (openssl and zlib1g as Debian packages, and a package whose name and version are markup) and a
 *       keyed cosign {@code .sig} whose Rekor bundle annotation logs the signer's public key;
 *   <li>{@link #API}: an image with a CycloneDX SBOM (openssl 3.0.13, and log4j-core nested in a component) and a
 *       keyless cosign {@code .sig} (the Fulcio certificate of the shared Sigstore vectors, appu@google.com);
 *   <li>{@link #WEB}: an image with a keyless cosign {@code .att} whose predicate is a CycloneDX SBOM (busybox) and
 *       the shared Sigstore DSSE bundle (SLSA provenance) as an OCI 1.1 referrer;
 *   <li>{@link #NOTARY}: the shared Notation layout e2e-valid-signature (a JWS signature by CN=e2e);
 *   <li>{@link #FILES}: a directory packed as an artifact.
 * </ul>
 * Everything is deterministic (no random signature), so the same variant gives the same bundle bytes, except
 * when an image key is given. Variant 1 differs from variant 0 in one image only: APP's amd64 top layer, and
 * openssl upgraded in its SBOM.
 */
public final class AuditFixtures {
  public static final Instant CREATED = Instant.parse("2026-11-30T08:00:00Z");
  public static final String APP = "registry.example/team/app:1.0";
  public static final String API = "registry.example/team/api:2.1";
  public static final String WEB = "registry.example/team/web:3.0";
  public static final String NOTARY = "registry.example/notation/e2e:v1";
  public static final String FILES = "registry.example/team/config:v1";
  public static final String MARKUP = "<script>document.body.setAttribute('data-pwned','1')</script>";
  public static final String MARKUP_VERSION = "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">";
  public static final String KEYLESS_IDENTITY = "appu@google.com";
  public static final String KEYLESS_ISSUER = "https://accounts.google.com";
  public static final String NOTATION_SUBJECT = "CN=e2e,O=Notary,L=Seattle,ST=WA,C=US";

  /** What a built bundle is made of. */
  public record Built(Path bundle, Path spec, RawManifest app, RawManifest api, String imageKeyId) {}

  private AuditFixtures() {}

  public static String openssl(int variant) {
    return variant == 0 ? "3.0.11-1~deb12u2" : "3.0.15-1~deb12u1";
  }

  /**
   * Builds the source layouts and spec in {@code dir}, and bundles them to {@code dir/NAME.tar}, created at
   * {@link #CREATED}. {@code bundleKey} signs the bundle (null: unsigned); {@code imageKey} makes APP's signature
   * a real one (null: a fixed fake signature, its Rekor annotation logging the shared cosign.pub).
   */
  public static Built bundle(Path dir, String name, int variant, SigningKey bundleKey, SigningKey imageKey)
      throws Exception {
    return bundle(dir, name, variant, bundleKey, imageKey, "");
  }

  /** As above; {@code extraSpec} is appended to the spec's {@code spec:} section (e.g. a chart entry). */
  public static Built bundle(Path dir, String name, int variant, SigningKey bundleKey, SigningKey imageKey,
      String extraSpec) throws Exception {
    Files.createDirectories(dir);
    Path src = dir.resolve("src-" + variant);
    LayoutStore l = LayoutStore.openOrCreate(src);
    byte[] base = layer("base.txt", "shared base layer");
    Platform amd64 = Platform.parse("linux/amd64");
    Platform arm64 = Platform.parse("linux/arm64/v8");
    Platform s390x = Platform.parse("linux/s390x");
    RawManifest appAmd = TestImages.image(l, amd64, base, layer("app", "amd64 app, build " + (variant + 1)));
    RawManifest appArm = TestImages.image(l, arm64, base, layer("app", "arm64 app"));
    RawManifest appS390x = TestImages.image(l, s390x, base, layer("app", "s390x app"));
    RawManifest app = TestImages.index(l, List.of(appAmd, appArm, appS390x), List.of(amd64, arm64, s390x));
    TestImages.tag(l, app, "app");
    TestImages.referrer(l, app, MediaTypes.SPDX_JSON, utf8(spdx(variant)));
    PublicKeysAndSignature sig = keyedSignature(imageKey, "registry.example/team/app", app.digest());
    cosignTag(l, app.digest(), ".sig", MediaTypes.COSIGN_SIMPLESIGNING, sig.payload(), sig.annotations());

    RawManifest api = TestImages.image(l, amd64, base, layer("api", "api server"));
    TestImages.tag(l, api, "api");
    TestImages.referrer(l, api, MediaTypes.CYCLONEDX_JSON, utf8(CYCLONEDX));
    byte[] apiPayload = TestImages.simpleSigningPayload("registry.example/team/api", api.digest());
    Map<String, String> keyless = new LinkedHashMap<>();
    keyless.put(CosignSignatureVerifier.SIGNATURE_ANNOTATION, "MEUCIQDfakefakefake=");
    keyless.put(CosignSignatureVerifier.CERTIFICATE_ANNOTATION, sharedLeafPem());
    cosignTag(l, api.digest(), ".sig", MediaTypes.COSIGN_SIMPLESIGNING, apiPayload, keyless);

    RawManifest web = TestImages.image(l, amd64, base, layer("web", "web frontend"));
    TestImages.tag(l, web, "web");
    ObjectNode statement = Json.MAPPER.createObjectNode();
    statement.put("_type", "https://in-toto.io/Statement/v1");
    statement.putArray("subject").addObject().put("name", "registry.example/team/web")
        .putObject("digest").put("sha256", web.digest().hex());
    statement.put("predicateType", "https://cyclonedx.org/bom");
    statement.set("predicate", Json.tree(utf8(BUSYBOX_BOM), "bom"));
    byte[] envelope = Json.write(new Dsse(MediaTypes.IN_TOTO, Json.write(statement),
        List.of(new Dsse.Signature("", utf8("fake-signature")))).toJson());
    Map<String, String> att = new LinkedHashMap<>();
    att.put("predicateType", "https://cyclonedx.org/bom");
    att.put(CosignSignatureVerifier.CERTIFICATE_ANNOTATION, sharedLeafPem());
    cosignTag(l, web.digest(), ".att", MediaTypes.DSSE_ENVELOPE, envelope, att);
    TestImages.referrer(l, web, MediaTypes.SIGSTORE_BUNDLE_V03,
        Files.readAllBytes(SharedTestData.sigstore("bundles/bundle.dsse.sigstore")));

    Path files = Files.createDirectories(dir.resolve("files")); // the same name: the artifact keeps its digest
    Files.writeString(files.resolve("notes.txt"), "release notes\n");
    Path notation = SharedTestData.dir().resolve("notation/layouts/e2e-valid-signature");
    Path spec = dir.resolve(name + ".yaml");
    Files.writeString(spec, """
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: NAME}
        spec:
          platforms: [linux/amd64, linux/arm64]
          images:
            - layout: ./SRC:app
              name: APP
            - layout: ./SRC:api
              name: API
            - layout: ./SRC:web
              name: WEB
            - layout: NOTATION:v1
              name: NOTARY
          artifacts:
            - path: ./FILESDIR
              mediaType: application/vnd.cncf.flux.content.v1.tar+gzip
              name: FILES
        """.replace("NAME", name).replace("SRC", src.getFileName().toString()).replace("NOTATION", notation.toString())
        .replace("FILESDIR", files.getFileName().toString()).replace("APP", APP).replace("API", API).replace("WEB", WEB)
        .replace("NOTARY", NOTARY).replace("FILES", FILES) + extraSpec);
    Path out = dir.resolve(name + ".tar");
    try (OpenedSourceStores stores = new OpenedSourceStores(RegistryOptions.defaults())) {
      new Bundler(stores, new ChartRepository(), bundleKey == null ? null : new KeySignatureHook(bundleKey), null, "test")
          .bundle(new Bundler.Request(SpecReader.read(spec), dir, out, null, false, null, 2, CREATED));
    }
    return new Built(out, spec, app, api, sig.keyId());
  }

  static String spdx(int variant) {
    return """
        {"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "app",
         "packages": [
          {"SPDXID": "SPDXRef-1", "name": "openssl", "versionInfo": "OPENSSL",
           "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                             "referenceLocator": "pkg:deb/debian/openssl@OPENSSL?arch=amd64"}]},
          {"SPDXID": "SPDXRef-2", "name": "zlib1g", "versionInfo": "1:1.2.13.dfsg-1",
           "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                             "referenceLocator": "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64"}]},
          {"SPDXID": "SPDXRef-3", "name": MARKUP, "versionInfo": MARKVERSION}
         ]}
        """.replace("OPENSSL", openssl(variant)).replace("MARKUP", quote(MARKUP)).replace("MARKVERSION", quote(MARKUP_VERSION));
  }

  static final String CYCLONEDX = """
      {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
       "components": [
         {"type": "library", "name": "openssl", "version": "3.0.13", "purl": "pkg:generic/openssl@3.0.13"},
         {"type": "application", "name": "api-server", "version": "2.1.0",
          "components": [{"type": "library", "group": "org.apache.logging.log4j", "name": "log4j-core",
                          "version": "2.17.1", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"}]}
       ]}
      """;

  static final String BUSYBOX_BOM = """
      {"bomFormat": "CycloneDX", "specVersion": "1.4",
       "components": [{"type": "library", "name": "busybox", "version": "1.36.1", "purl": "pkg:apk/alpine/busybox@1.36.1-r2"}]}
      """;

  private static String quote(String s) {
    return new String(Json.write(Json.MAPPER.getNodeFactory().textNode(s)), StandardCharsets.UTF_8);
  }

  /** The simple-signing payload, its signature annotation and a Rekor bundle annotation logging the key. */
  record PublicKeysAndSignature(byte[] payload, Map<String, String> annotations, String keyId) {}

  static PublicKeysAndSignature keyedSignature(SigningKey key, String repository, Digest image) throws IOException {
    byte[] payload = TestImages.simpleSigningPayload(repository, image);
    String publicPem = key != null ? key.publicKeyPem()
        : Files.readString(SharedTestData.sigstore("keyed-simplesigning/cosign.pub"));
    String signature = key != null ? Base64.getEncoder().encodeToString(key.sign(payload)) : "MEUCIQDfakefakefake=";
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("apiVersion", "0.0.1").put("kind", "hashedrekord");
    ObjectNode spec = body.putObject("spec");
    spec.putObject("data").putObject("hash").put("algorithm", "sha256").put("value", Digest.sha256(payload).hex());
    ObjectNode s = spec.putObject("signature");
    s.put("content", signature);
    s.putObject("publicKey").put("content", Base64.getEncoder().encodeToString(utf8(publicPem)));
    ObjectNode rekor = Json.MAPPER.createObjectNode();
    rekor.put("SignedEntryTimestamp", "bm90IGNoZWNrZWQ=");
    rekor.putObject("Payload").put("body", Base64.getEncoder().encodeToString(Json.write(body)))
        .put("integratedTime", 1764489600L).put("logIndex", 1).put("logID", "00");
    Map<String, String> a = new LinkedHashMap<>();
    a.put(CosignSignatureVerifier.SIGNATURE_ANNOTATION, signature);
    a.put(CosignSignatureVerifier.BUNDLE_ANNOTATION, new String(Json.write(rekor), StandardCharsets.UTF_8));
    return new PublicKeysAndSignature(payload, a, PublicKeys.keyId(PublicKeys.parsePem(publicPem, "key")));
  }

  /** A cosign tag-scheme manifest {@code sha256-<hex><suffix>} with one layer. */
  static RawManifest cosignTag(LayoutStore l, Digest subject, String suffix, String layerType, byte[] content,
      Map<String, String> annotations) throws IOException {
    Descriptor layer = l.putBytes(layerType, content).withAnnotations(annotations);
    Descriptor config = l.putBytes(MediaTypes.OCI_CONFIG, TestImages.COSIGN_CONFIG);
    return TestImages.store(l, TestImages.manifest(null, config, List.of(layer), null), subject.tagForm() + suffix);
  }

  /** The Fulcio leaf certificate of the shared Sigstore vectors (appu@google.com, https://accounts.google.com), PEM. */
  static String sharedLeafPem() throws IOException {
    JsonNode b = Json.tree(Files.readAllBytes(SharedTestData.sigstore("bundles/bundle.v3.sigstore")), "bundle");
    String der = b.path("verificationMaterial").path("certificate").path("rawBytes").asText();
    return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(Base64.getDecoder().decode(der)) + "\n-----END CERTIFICATE-----\n";
  }
}
