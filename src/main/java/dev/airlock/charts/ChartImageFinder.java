package dev.airlock.charts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Reference;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Finds the images a chart uses: the {@code artifacthub.io/images} annotation in Chart.yaml, and image
 * references in the default values: maps with {@code repository} + {@code tag} (optionally
 * {@code registry}, {@code digest}; a missing tag means the chart's appVersion), and plain
 * {@code image: host/path:tag} strings, in the chart and its sub-charts. Templated or incomplete values are
 * skipped.
 */
public final class ChartImageFinder {
  private ChartImageFinder() {}

  public static final String FOUND_IN_ANNOTATION = "annotation";
  public static final String FOUND_IN_VALUES = "values";

  /** An image reference and where it was found. */
  public record FoundImage(String ref, String foundIn) {}

  public static List<FoundImage> find(ChartContents chart) {
    Map<String, String> found = new TreeMap<>();
    String ann = chart.chartYaml().path("annotations").path("artifacthub.io/images").asText(null);
    if (ann != null) {
      try {
        JsonNode list = ChartContents.YAML.readTree(ann);
        if (list != null && list.isArray()) {
          for (JsonNode n : list) {
            add(found, n.path("image").asText(null), FOUND_IN_ANNOTATION);
          }
        }
      } catch (IOException e) {
        // a malformed annotation is the chart author's problem; values may still name the images
      }
    }
    walkChart(chart, found);
    List<FoundImage> out = new ArrayList<>();
    found.forEach((ref, where) -> out.add(new FoundImage(ref, where)));
    return out;
  }

  private static void walkChart(ChartContents chart, Map<String, String> found) {
    walk(chart.values(), chart.appVersion(), found, 0);
    for (ChartContents sub : chart.subcharts()) {
      walkChart(sub, found);
    }
  }

  private static void walk(JsonNode n, String appVersion, Map<String, String> found, int depth) {
    if (depth > 32 || n == null) {
      return;
    }
    if (n.isObject()) {
      JsonNode repo = n.get("repository");
      if (repo != null && repo.isTextual()) {
        String registry = text(n.get("registry"));
        String tag = text(n.get("tag"));
        String digest = text(n.get("digest"));
        String r = repo.asText().trim();
        if (!r.isEmpty()) {
          String full = (registry != null ? registry + "/" : "") + r;
          if (tag == null && digest == null) {
            tag = appVersion;
          }
          if (tag != null || digest != null) {
            add(found, full + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : ""), FOUND_IN_VALUES);
          }
        }
      }
      Iterator<Map.Entry<String, JsonNode>> it = n.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equalsIgnoreCase("image") && e.getValue().isTextual()) {
          add(found, e.getValue().asText(), FOUND_IN_VALUES);
        } else {
          walk(e.getValue(), appVersion, found, depth + 1);
        }
      }
    } else if (n.isArray()) {
      for (JsonNode c : n) {
        walk(c, appVersion, found, depth + 1);
      }
    }
  }

  private static String text(JsonNode n) {
    if (n == null || !(n.isTextual() || n.isNumber())) {
      return null;
    }
    String s = n.asText().trim();
    return s.isEmpty() ? null : s;
  }

  private static void add(Map<String, String> found, String s, String where) {
    if (s == null || s.isBlank() || s.contains("{{")) {
      return;
    }
    try {
      Reference r = Reference.parse(s.trim());
      if (r.tag() == null && r.digest() == null) {
        return;
      }
      found.putIfAbsent(r.toString(), where);
    } catch (InvalidInputException e) {
      // not an image reference
    }
  }
}
