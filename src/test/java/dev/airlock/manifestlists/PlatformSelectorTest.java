package dev.airlock.manifestlists;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlatformSelectorTest {
  static final String AMD = "sha256:" + "a".repeat(64);
  static final String ARM = "sha256:" + "b".repeat(64);
  static final String ARMV7 = "sha256:" + "c".repeat(64);
  static final String ATT_AMD = "sha256:" + "d".repeat(64);
  static final String ATT_ARM = "sha256:" + "e".repeat(64);

  static String child(String digest, String platform, String annotations) {
    return "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + digest + "\",\"size\":100"
        + (platform == null ? "" : ",\"platform\":" + platform) + (annotations == null ? "" : ",\"annotations\":" + annotations) + "}";
  }

  static String attestation(String digest, String forImage) {
    return child(digest, "{\"architecture\":\"unknown\",\"os\":\"unknown\"}",
        "{\"vnd.docker.reference.digest\":\"" + forImage + "\",\"vnd.docker.reference.type\":\"attestation-manifest\"}");
  }

  /** What docker buildx pushes: two images and one attestation manifest each. */
  static final RawManifest BUILDX = RawManifest.of(("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX
      + "\",\"manifests\":[" + child(AMD, "{\"architecture\":\"amd64\",\"os\":\"linux\"}", null) + ","
      + child(ARM, "{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}", null) + ","
      + child(ARMV7, "{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}", null) + ","
      + attestation(ATT_AMD, AMD) + "," + attestation(ATT_ARM, ARM) + "]}").getBytes(StandardCharsets.UTF_8), null, "idx");

  static List<String> digests(List<Descriptor> ds) {
    return ds.stream().map(d -> d.digest().toString()).toList();
  }

  @Test
  void emptyWantedListSelectsEverything() {
    PlatformSelector.Selection s = PlatformSelector.all().select(BUILDX);
    assertThat(digests(s.selected())).containsExactly(AMD, ARM, ARMV7, ATT_AMD, ATT_ARM);
    assertThat(s.leftOut()).isEmpty();
    assertThat(s.isSparse()).isFalse();
    assertThat(digests(s.attestations())).containsExactly(ATT_AMD, ATT_ARM);
    assertThat(s.unmatched()).isEmpty();
  }

  @Test
  void selectsByNormalisedPlatformAndKeepsTheImagesAttestation() {
    PlatformSelector.Selection s = new PlatformSelector(List.of(Platform.parse("linux/aarch64"))).select(BUILDX);
    assertThat(digests(s.selected())).containsExactly(ARM, ATT_ARM);
    assertThat(digests(s.attestations())).containsExactly(ATT_ARM);
    assertThat(digests(s.leftOut())).containsExactly(AMD, ARMV7, ATT_AMD);
    assertThat(s.leftOut().get(0).platform().toString()).isEqualTo("linux/amd64");
    assertThat(s.isSparse()).isTrue();
  }

  @Test
  void armDefaultsToV7AndUnknownUnknownIsNeverMatchedDirectly() {
    PlatformSelector.Selection s = new PlatformSelector(List.of(Platform.parse("linux/arm"))).select(BUILDX);
    assertThat(digests(s.selected())).containsExactly(ARMV7);
    assertThat(s.attestations()).isEmpty();
    PlatformSelector.Selection u = new PlatformSelector(List.of(Platform.parse("unknown/unknown"))).select(BUILDX);
    assertThat(u.selected()).isEmpty();
    assertThat(u.unmatched()).extracting(Platform::toString).containsExactly("unknown/unknown");
  }

  @Test
  void reportsWantedPlatformsTheIndexLacks() {
    PlatformSelector.Selection s =
        new PlatformSelector(List.of(Platform.parse("linux/amd64"), Platform.parse("linux/s390x"), Platform.parse("windows/amd64")))
            .select(BUILDX);
    assertThat(digests(s.selected())).containsExactly(AMD, ATT_AMD);
    assertThat(s.unmatched()).extracting(Platform::toString).containsExactly("linux/s390x", "windows/amd64");
    assertThatThrownBy(() -> s.requireAllMatched("index example.com/app:1"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("index example.com/app:1 has no image for platforms linux/s390x, windows/amd64");
  }

  @Test
  void childrenWithoutPlatformAreKeptOnlyWhenAllAreWanted() {
    RawManifest idx = RawManifest.of(("{\"schemaVersion\":2,\"manifests\":[" + child(AMD, null, null) + "]}")
        .getBytes(StandardCharsets.UTF_8), null, "idx");
    assertThat(PlatformSelector.all().select(idx).selected()).hasSize(1);
    assertThat(new PlatformSelector(List.of(Platform.parse("linux/amd64"))).select(idx).leftOut()).hasSize(1);
  }

  @Test
  void describesChildren() {
    List<Descriptor> children = BUILDX.manifests();
    assertThat(IndexChildren.describe(children.get(1))).isEqualTo("linux/arm64/v8");
    assertThat(IndexChildren.describe(children.get(3))).isEqualTo("attestation for " + Digest.parse(AMD).shortForm());
    assertThat(IndexChildren.isAttestation(children.get(0))).isFalse();
    assertThat(IndexChildren.attestationSubject(children.get(4))).isEqualTo(Digest.parse(ARM));
  }
}
