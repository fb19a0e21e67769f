package dev.airlock.charts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Json;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/** What airlock reads from a chart archive (.tgz): its Chart.yaml and default values.yaml. */
public record ChartContents(String name, String version, String appVersion, JsonNode chartYaml, JsonNode values) {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final int CHART_YAML_CAP = 1024 * 1024;
  private static final int VALUES_CAP = 8 * 1024 * 1024;

  /**
   * Reads a chart archive as a stream; only the top-level Chart.yaml and values.yaml are kept. The JDK gzip
   * reader is used: Helm writes a gzip extra field that commons-compress 1.28 rejects.
   */
  public static ChartContents read(InputStream tgz, String what) throws IOException {
    JsonNode chart = null;
    JsonNode values = null;
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new java.util.zip.GZIPInputStream(tgz, 1 << 16))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        String[] parts = e.getName().split("/");
        if (!e.isFile() || parts.length != 2) {
          continue;
        }
        if (parts[1].equals("Chart.yaml") && chart == null) {
          chart = yaml(Json.readCapped(tar, CHART_YAML_CAP, what + " Chart.yaml"), what + " Chart.yaml");
        } else if (parts[1].equals("values.yaml") && values == null) {
          values = yaml(Json.readCapped(tar, VALUES_CAP, what + " values.yaml"), what + " values.yaml");
        }
      }
    } catch (IOException e) {
      if (e instanceof dev.airlock.oci.DigestMismatchException) {
        throw e;
      }
      throw new InvalidInputException(what + " is not a valid chart archive (.tgz): " + e.getMessage());
    }
    if (chart == null || !chart.isObject()) {
      throw new InvalidInputException(what + " has no Chart.yaml at its top level; is it a Helm chart?");
    }
    String name = chart.path("name").asText(null);
    String version = chart.path("version").asText(null);
    if (name == null || version == null) {
      throw new InvalidInputException(what + ": Chart.yaml has no name or version");
    }
    return new ChartContents(name, version, chart.path("appVersion").asText(null), chart,
        values == null || values.isNull() ? ChartContents.YAML.createObjectNode() : values);
  }

  private static JsonNode yaml(byte[] bytes, String what) {
    try {
      JsonNode n = YAML.readTree(bytes);
      return n == null ? YAML.createObjectNode() : n;
    } catch (IOException e) {
      throw new InvalidInputException(what + " is not valid YAML: " + Json.firstLine(e.getMessage()));
    }
  }
}
