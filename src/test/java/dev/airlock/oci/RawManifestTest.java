package dev.airlock.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RawManifestTest {
  static final String CFG = "sha256:" + "1".repeat(64);
  static final String L1 = "sha256:" + "2".repeat(64);
  static final String SUBJ = "sha256:" + "3".repeat(64);

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void unknownFieldsSubjectAndArtifactTypeRoundTripByteForByte() throws Exception {
    // odd spacing, key order, unknown fields and a float: re-serialising would change every one of them
    String text = "{ \"schemaVersion\" : 2,\n  \"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\n"
        + "  \"artifactType\": \"application/spdx+json\", \"x-unknown\": {\"nested\": [1, 2.50, true]},\n"
        + "  \"config\": {\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + CFG + "\",\"size\":2,\"data\":\"e30=\"},\n"
        + "  \"layers\": [{\"mediaType\":\"application/spdx+json\",\"digest\":\"" + L1 + "\",\"size\":123,"
        + "\"annotations\":{\"org.opencontainers.image.title\":\"sbom.json\"},\"futureField\":\"kept\"}],\n"
        + "  \"subject\": {\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + SUBJ + "\",\"size\":527},\n"
        + "  \"annotations\": {\"b\":\"2\",\"a\":\"1\"}\n}\n";
    byte[] bytes = utf8(text);
    RawManifest m = RawManifest.of(bytes, null, "test manifest");
    assertThat(m.bytes()).isEqualTo(bytes);
    assertThat(m.digest()).isEqualTo(Digest.sha256(bytes));
    assertThat(m.size()).isEqualTo(bytes.length);
    assertThat(m.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(m.artifactType()).isEqualTo("application/spdx+json");
    assertThat(m.subject().digest()).isEqualTo(Digest.parse(SUBJ));
    assertThat(m.subject().size()).isEqualTo(527);
    assertThat(m.config().mediaType()).isEqualTo(MediaTypes.OCI_EMPTY);
    assertThat(m.layers()).singleElement().satisfies(l -> {
      assertThat(l.annotation(Descriptor.TITLE)).isEqualTo("sbom.json");
      assertThat(l.size()).isEqualTo(123);
    });
    assertThat(m.annotations()).containsExactly(java.util.Map.entry("b", "2"), java.util.Map.entry("a", "1"));
    assertThat(m.children()).extracting(Descriptor::digest).containsExactly(Digest.parse(CFG), Digest.parse(L1));
    assertThat(m.descriptor().artifactType()).isEqualTo("application/spdx+json");
    // the digest-checked constructor keeps the same bytes
    RawManifest again = RawManifest.of(bytes, MediaTypes.OCI_MANIFEST, m.digest(), "again");
    assertThat(again.bytesUnsafe()).isEqualTo(bytes);
    // and the bytes survive a copy through a stream
    assertThat(Json.readCapped(new ByteArrayInputStream(bytes), Json.MANIFEST_CAP, "x")).isEqualTo(bytes);
  }

  @Test
  void artifactTypeFallsBackToConfigMediaType() {
    String helm = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" + MediaTypes.HELM_CONFIG + "\",\"digest\":\"" + CFG
        + "\",\"size\":1},\"layers\":[]}";
    RawManifest m = RawManifest.of(utf8(helm), MediaTypes.OCI_MANIFEST, "chart");
    assertThat(m.artifactType()).isEqualTo(MediaTypes.HELM_CONFIG);
    String image = helm.replace(MediaTypes.HELM_CONFIG, MediaTypes.OCI_CONFIG);
    assertThat(RawManifest.of(utf8(image), null, "image").artifactType()).isNull();
  }

  @Test
  void indexWithPlatforms() {
    String idx = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST_LIST + "\",\"manifests\":["
        + "{\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",\"digest\":\"" + CFG + "\",\"size\":10,"
        + "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}}]}";
    RawManifest m = RawManifest.of(utf8(idx), null, "index");
    assertThat(m.isIndex()).isTrue();
    assertThat(m.config()).isNull();
    assertThat(m.layers()).isEmpty();
    assertThat(m.manifests()).singleElement().satisfies(d -> assertThat(d.platform().toString()).isEqualTo("linux/arm64/v8"));
  }

  @Test
  void schema1IsRefusedWithAClearMessage() {
    String s1 = "{\"schemaVersion\":1,\"name\":\"library/x\",\"tag\":\"1\",\"fsLayers\":[],\"history\":[]}";
    assertThatThrownBy(() -> RawManifest.of(utf8(s1), null, "manifest x:1"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("schema 1").hasMessageContaining("manifest x:1");
    assertThatThrownBy(() -> RawManifest.of(utf8(s1), MediaTypes.DOCKER_SCHEMA1_SIGNED, "m"))
        .hasMessageContaining("schema 1");
    // even when it claims a v2 media type in the header
    assertThatThrownBy(() -> RawManifest.of(utf8(s1), MediaTypes.DOCKER_MANIFEST, "m")).hasMessageContaining("schema 1");
  }

  @Test
  void unknownMediaTypeIsRefused() {
    String odd = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.example.thing+json\",\"config\":{}}";
    assertThatThrownBy(() -> RawManifest.of(utf8(odd), null, "m"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("unsupported manifest media type")
        .hasMessageContaining("application/vnd.example.thing+json");
  }

  @Test
  void malformedInputGivesOneLineErrors() {
    assertThatThrownBy(() -> RawManifest.of(utf8("{\"schemaVersion\":2,"), null, "m"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("not valid JSON").hasMessageNotContaining("\n");
    assertThatThrownBy(() -> RawManifest.of(utf8("[1]"), null, "m")).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> RawManifest.of(utf8("{\"a\":1,\"a\":2}"), null, "m")).hasMessageContaining("not valid JSON");
    String badDigest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
        + "\",\"config\":{\"digest\":\"sha256:../../etc/passwd\",\"size\":1},\"layers\":[]}";
    assertThatThrownBy(() -> RawManifest.of(utf8(badDigest), null, "m")).hasMessageContaining("config");
    String negative = "{\"schemaVersion\":2,\"config\":{\"digest\":\"" + CFG + "\",\"size\":-1},\"layers\":[]}";
    assertThatThrownBy(() -> RawManifest.of(utf8(negative), null, "m")).hasMessageContaining("size");
    String noManifests = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\"}";
    assertThatThrownBy(() -> RawManifest.of(utf8(noManifests), null, "m")).hasMessageContaining("manifests");
  }

  @Test
  void digestCheckedWrapRefusesOtherBytes() throws Exception {
    byte[] a = utf8("{\"schemaVersion\":2,\"manifests\":[]}");
    assertThatThrownBy(() -> RawManifest.of(a, null, Digest.parse(SUBJ), "m"))
        .isInstanceOf(DigestMismatchException.class).hasMessageContaining(SUBJ);
    Digest sha512 = Digest.of(Digest.Algorithm.SHA512, Digest.Algorithm.SHA512.newMessageDigest().digest(a));
    assertThat(RawManifest.of(a, null, sha512, "m").digest()).isEqualTo(sha512);
  }

  @Test
  void verifyingStreamChecksSizeAndDigestAtEnd() throws Exception {
    byte[] data = utf8("hello");
    Digest d = Digest.sha256(data);
    try (VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(data), d, 5, "b")) {
      assertThat(in.readAllBytes()).isEqualTo(data);
      assertThat(in.verified()).isTrue();
    }
    assertThatThrownBy(() -> new VerifyingInputStream(new ByteArrayInputStream(utf8("hellO")), d, 5, "b").readAllBytes())
        .isInstanceOf(DigestMismatchException.class).hasMessageContaining(d.toString());
    assertThatThrownBy(() -> new VerifyingInputStream(new ByteArrayInputStream(utf8("hell")), d, 5, "b").readAllBytes())
        .isInstanceOf(DigestMismatchException.class).hasMessageContaining("4 bytes");
    assertThatThrownBy(() -> new VerifyingInputStream(new ByteArrayInputStream(utf8("hello!")), d, 5, "b").readAllBytes())
        .isInstanceOf(DigestMismatchException.class).hasMessageContaining("size");
  }
}
