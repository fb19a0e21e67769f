package dev.airlock.charts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * What airlock reads from a chart archive (.tgz): its Chart.yaml, default values.yaml, and those of the
 * sub-charts it carries in {@code charts/} (as directories or as .tgz).
 */
public record ChartContents(String name, String version, String appVersion, JsonNode chartYaml, JsonNode values,
    List<ChartContents> subcharts) {
  private static final int MAX_SUBCHARTS = 64;
  private static final int MAX_DEPTH = 3;

  public ChartContents(String name, String version, String appVersion, JsonNode chartYaml, JsonNode values) {
    this(name, version, appVersion, chartYaml, values, List.of());
  }

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final int CHART_YAML_CAP = 1024 * 1024;
  private static final int VALUES_CAP = 8 * 1024 * 1024;

  /**
   * Reads a chart archive as a stream; only Chart.yaml and values.yaml files are kept. The JDK gzip
   * reader is used: Helm writes a gzip extra field that commons-compress 1.28 rejects.
   */
  public static ChartContents read(InputStream tgz, String what) throws IOException {
    return read(tgz, what, 0);
  }

  private static ChartContents read(InputStream tgz, String what, int depth) throws IOException {
    JsonNode chart = null;
    JsonNode values = null;
    List<ChartContents> subcharts = new ArrayList<>();
    Map<String, JsonNode[]> dirSubcharts = new TreeMap<>();
    TarArchiveInputStream tar;
    try {
      tar = new TarArchiveInputStream(new java.util.zip.GZIPInputStream(tgz, 1 << 16));
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        String[] parts = e.getName().split("/");
        if (!e.isFile()) {
          continue;
        }
        if (depth < MAX_DEPTH && parts.length == 3 && parts[1].equals("charts") && parts[2].endsWith(".tgz")
            && subcharts.size() < MAX_SUBCHARTS) {
          subcharts.add(read(new java.io.FilterInputStream(tar) {
            @Override
            public void close() {}
          }, what + " " + parts[2], depth + 1));
          continue;
        }
        if (parts.length == 4 && parts[1].equals("charts") && dirSubcharts.size() < MAX_SUBCHARTS) {
          JsonNode[] cv = dirSubcharts.computeIfAbsent(parts[2], k -> new JsonNode[2]);
          if (parts[3].equals("Chart.yaml")) {
            cv[0] = yaml(Json.readCapped(tar, CHART_YAML_CAP, what + " " + e.getName()), what + " " + e.getName());
          } else if (parts[3].equals("values.yaml")) {
            cv[1] = yaml(Json.readCapped(tar, VALUES_CAP, what + " " + e.getName()), what + " " + e.getName());
          }
          continue;
        }
        if (parts.length != 2) {
          continue;
        }
        if (parts[1].equals("Chart.yaml") && chart == null) {
          chart = yaml(Json.readCapped(tar, CHART_YAML_CAP, what + " Chart.yaml"), what + " Chart.yaml");
        } else if (parts[1].equals("values.yaml") && values == null) {
          values = yaml(Json.readCapped(tar, VALUES_CAP, what + " values.yaml"), what + " values.yaml");
        }
      }
      if (depth == 0) {
        tar.close();
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
    for (JsonNode[] cv : dirSubcharts.values()) {
      if (cv[0] != null && cv[0].isObject()) {
        subcharts.add(new ChartContents(cv[0].path("name").asText(""), cv[0].path("version").asText(""),
            cv[0].path("appVersion").asText(null), cv[0], cv[1] == null ? YAML.createObjectNode() : cv[1]));
      }
    }
    return new ChartContents(name, version, chart.path("appVersion").asText(null), chart,
        values == null || values.isNull() ? ChartContents.YAML.createObjectNode() : values, List.copyOf(subcharts));
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
