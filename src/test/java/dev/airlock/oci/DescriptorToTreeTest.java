package dev.airlock.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Descriptor.toTree gives the tree (and so the bytes) Jackson's valueToTree gives, for every shape. */
class DescriptorToTreeTest {
  private static final Digest D = Digest.parse("sha256:" + "cd".repeat(32));

  private static void same(Descriptor d) throws Exception {
    JsonNode jackson = Json.MAPPER.valueToTree(d);
    JsonNode ours = d.toTree();
    assertThat(ours).as("%s", d).isEqualTo(jackson);
    assertThat(new String(Json.write(ours), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(new String(Json.write(jackson), java.nio.charset.StandardCharsets.UTF_8));
    assertThat(Json.MAPPER.writeValueAsString(ours)).isEqualTo(Json.MAPPER.writeValueAsString(d));
  }

  @Test
  void everyShapeAsJacksonWritesIt() throws Exception {
    Map<String, String> ann = new LinkedHashMap<>();
    ann.put("z", "1");
    ann.put("org.opencontainers.image.ref.name", "x:1");
    ann.put("a", "");
    Map<String, String> withNull = new LinkedHashMap<>(ann);
    withNull.put("n", null);
    List<Platform> platforms = new ArrayList<>(Arrays.asList(null, Platform.of("linux", "arm64", "v8"),
        new Platform("amd64", "windows", "10.0.17763", List.of("win32k"), null),
        new Platform(null, null, null, null, null), new Platform("", "", "", List.of(), ""),
        new Platform("a", "b", null, Arrays.asList("f", null), null)));
    for (String mediaType : Arrays.asList(null, "", "application/vnd.oci.image.manifest.v1+json")) {
      for (Digest digest : Arrays.asList(null, D)) {
        for (long size : new long[] {0, -1, 527, 9007199254740993L, Long.MAX_VALUE}) {
          for (List<String> urls : Arrays.asList(null, List.<String>of(), List.of("https://x/y", "é"))) {
            for (Map<String, String> a : Arrays.asList(null, Map.<String, String>of(), ann, withNull)) {
              for (Platform p : platforms) {
                for (String artifactType : Arrays.asList(null, "", "application/spdx+json")) {
                  same(new Descriptor(mediaType, digest, size, urls, a, p, artifactType));
                }
              }
            }
          }
        }
      }
    }
  }
}
