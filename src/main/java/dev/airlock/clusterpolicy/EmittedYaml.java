package dev.airlock.clusterpolicy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Kubernetes objects as one multi-document YAML file ({@code kubectl apply -f} takes it): a comment, then
 * {@code ---} before each object; every string quoted (so no value turns into a number, a boolean or an
 * alias), multi-line values (PEM, JSON) as literal blocks.
 */
final class EmittedYaml {
  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
      .disable(YAMLGenerator.Feature.SPLIT_LINES)
      .build());

  private EmittedYaml() {}

  static byte[] write(List<JsonNode> docs, String header) {
    StringBuilder b = new StringBuilder(header);
    for (JsonNode d : docs) {
      try {
        b.append("---\n").append(YAML.writeValueAsString(d));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }
}
