package dev.airlock.manifestlists;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FilteredIndexTest {
  static final String A = "sha256:" + "a".repeat(64);
  static final String B = "sha256:" + "b".repeat(64);
  static final String C = "sha256:" + "c".repeat(64);

  /** Pretty-printed, with fields in an unusual order and an annotation of its own, as registries serve them. */
  static RawManifest original() {
    String json = "{\n  \"manifests\": [\n"
        + "    {\"digest\": \"" + A + "\", \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"size\": 10,"
        + " \"platform\": {\"os\": \"linux\", \"architecture\": \"amd64\"}},\n"
        + "    {\"digest\": \"" + B + "\", \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"size\": 11,"
        + " \"platform\": {\"os\": \"linux\", \"architecture\": \"arm64\", \"variant\": \"v8\"}},\n"
        + "    {\"digest\": \"" + C + "\", \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\", \"size\": 12,"
        + " \"platform\": {\"os\": \"linux\", \"architecture\": \"s390x\"}, \"annotations\": {\"x\": \"\\u003cy\\u003e\"}}\n"
        + "  ],\n  \"schemaVersion\": 2,\n  \"mediaType\": \"application/vnd.oci.image.index.v1+json\",\n"
        + "  \"annotations\": {\"org.opencontainers.image.created\": \"2026-01-01T00:00:00Z\"}\n}\n";
    return RawManifest.of(json.getBytes(StandardCharsets.UTF_8), null, "test index");
  }

  @Test
  void keepsOnlyTheCarriedChildrenAndNamesTheOriginal() {
    RawManifest o = original();
    FilteredIndex f = FilteredIndex.of(o, Set.of(Digest.parse(A), Digest.parse(C)));
    RawManifest m = f.filtered();
    assertThat(m.digest()).isNotEqualTo(o.digest());
    assertThat(m.mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
    assertThat(m.manifests()).extracting(d -> d.digest().toString()).containsExactly(A, C);
    assertThat(f.leftOut()).extracting(d -> d.digest().toString()).containsExactly(B);
    assertThat(m.annotations()).containsEntry(FilteredIndex.ANNOTATION_FILTERED_FROM, o.digest().toString())
        .containsEntry("org.opencontainers.image.created", "2026-01-01T00:00:00Z");
    assertThat(FilteredIndex.filteredFrom(m)).isEqualTo(o.digest());
    assertThat(FilteredIndex.filteredFrom(o)).isNull();
    // every other field and field order as it was; the children's own annotations too
    String text = new String(m.bytesUnsafe(), StandardCharsets.UTF_8);
    assertThat(text).startsWith("{\"manifests\":[{\"digest\":\"" + A + "\"").contains("\"schemaVersion\":2")
        .contains("\"annotations\":{\"x\":\"<y>\"}")
        .endsWith("\"annotations\":{\"org.opencontainers.image.created\":\"2026-01-01T00:00:00Z\","
            + "\"dev.airlock.index.filtered-from\":\"" + o.digest() + "\"}}");
  }

  @Test
  void theSameInputGivesTheSameBytesAndADockerListStaysADockerList() {
    RawManifest o = original();
    assertThat(FilteredIndex.of(o, Set.of(Digest.parse(A))).filtered().digest())
        .isEqualTo(FilteredIndex.of(original(), Set.of(Digest.parse(A))).filtered().digest());
    String list = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST_LIST + "\",\"manifests\":["
        + "{\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",\"digest\":\"" + A + "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
        + "{\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",\"digest\":\"" + B + "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\"}}]}";
    RawManifest d = FilteredIndex.of(RawManifest.of(list.getBytes(StandardCharsets.UTF_8), null, "list"), Set.of(Digest.parse(B)))
        .filtered();
    assertThat(d.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST_LIST);
    assertThat(d.manifests()).extracting(x -> x.digest().toString()).containsExactly(B);
  }

  @Test
  void anIndexWithNothingLeftOutIsNotFiltered() {
    assertThatThrownBy(() -> FilteredIndex.of(original(), Set.of(Digest.parse(A), Digest.parse(B), Digest.parse(C))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nothing to filter");
  }
}
