package dev.airlock.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Descriptor.fromTree binds exactly what Jackson's convertValue binds, and fails as it fails. */
class DescriptorFromTreeTest {
  private static final String D = "sha256:" + "ab".repeat(32);

  private static JsonNode tree(String json) {
    return Json.tree(json.getBytes(StandardCharsets.UTF_8), "test");
  }

  private static void same(String json) {
    JsonNode n = tree(json);
    assertThat(Descriptor.fromTree(n)).isEqualTo(Json.MAPPER.convertValue(n, Descriptor.class));
  }

  @Test
  void theUsualShapesBindAsJacksonBindsThem() {
    same("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + D + "\",\"size\":527}");
    same("{\"mediaType\":\"m\",\"digest\":\"" + D + "\",\"size\":9007199254740993,\"urls\":[\"https://a/b\"],"
        + "\"annotations\":{\"z\":\"1\",\"a\":\"2\",\"org.opencontainers.image.ref.name\":\"x:1\"},"
        + "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\",\"os.version\":\"10\","
        + "\"os.features\":[\"f\"],\"unknown\":1},\"artifactType\":\"application/spdx+json\",\"extra\":{\"x\":[1]}}");
    same("{}");
    same("{\"mediaType\":null,\"digest\":null,\"size\":null,\"urls\":null,\"annotations\":null,\"platform\":null}");
    same("{\"mediaType\":\"\",\"size\":-1,\"urls\":[],\"annotations\":{},\"platform\":{}}");
  }

  @Test
  void otherShapesGoThroughJacksonWithItsCoercions() {
    same("{\"mediaType\":5,\"digest\":\"" + D + "\",\"size\":\"12\"}");
    same("{\"digest\":\"" + D + "\",\"size\":12.0,\"annotations\":{\"a\":3,\"b\":true}}");
    same("{\"digest\":\"" + D + "\",\"platform\":{\"os\":\"linux\",\"architecture\":7}}");
  }

  @Test
  void platformsBindAsJacksonBindsThem() {
    for (String json : new String[] {"{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}", "{}",
        "{\"os\":\"windows\",\"architecture\":\"amd64\",\"os.version\":\"10.0.17763.1\",\"os.features\":[\"win32k\"],\"x\":2}",
        "{\"os\":null,\"architecture\":5}"}) {
      JsonNode n = tree(json);
      assertThat(Descriptor.platformFromTree(n)).as(json).isEqualTo(Json.MAPPER.convertValue(n, Platform.class));
    }
    JsonNode bad = tree("{\"os\":[1]}");
    Throwable jackson = catchThrowable(() -> Json.MAPPER.convertValue(bad, Platform.class));
    assertThatThrownBy(() -> Descriptor.platformFromTree(bad)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(jackson.getMessage());
  }

  @Test
  void badDescriptorsFailWithJacksonsError() {
    for (String json : new String[] {"{\"digest\":\"sha256:xyz\"}", "{\"digest\":\"md5:" + "a".repeat(32) + "\"}",
        "{\"digest\":\"" + D + "\",\"size\":[1]}", "{\"digest\":\"" + D + "\",\"urls\":\"u\"}",
        "{\"digest\":\"" + D + "\",\"annotations\":[]}", "{\"digest\":\"" + D + "\",\"size\":1e400}",
        "{\"digest\":{\"a\":1}}"}) {
      JsonNode n = tree(json);
      Throwable jackson = catchThrowable(() -> Json.MAPPER.convertValue(n, Descriptor.class));
      assertThat(jackson).as(json).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> Descriptor.fromTree(n)).as(json).isInstanceOf(IllegalArgumentException.class)
          .hasMessage(jackson.getMessage());
    }
  }
}
