package dev.airlock.verify.integrity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * index.json is outside the bundle signature, so each of its entries must be, field for field, a descriptor
 * the signature covers: an image, chart or artifact entry (and the metadata manifest, when listed) exactly as
 * the signed root index lists it; the root entry exactly the root's own descriptor with its ref name; a
 * bundle signature entry exactly the signature manifest's own descriptor. Then nothing index.json says
 * (media type, artifact type, platform, urls, annotations, any other field) can differ from what was signed.
 */
final class IndexBinding {
  private IndexBinding() {}

  /** The fields in the order a difference is reported; any other field follows, by name. */
  private static final List<String> ORDER =
      List.of("mediaType", "digest", "size", "artifactType", "platform", "urls", "annotations");

  /** What index.json must say of the bundle root: its own descriptor, named {@link BundleFormat#ROOT_REF_NAME}. */
  static JsonNode rootEntry(RawManifest rootIndex) {
    ObjectNode n = ownDescriptor(rootIndex);
    n.putObject("annotations").put(Descriptor.REF_NAME, BundleFormat.ROOT_REF_NAME);
    return n;
  }

  /**
   * A manifest's own descriptor: media type, digest, size and artifact type (as the bundler lists a signature).
   * {@link Descriptor#toTree} gives the tree {@code valueToTree} gives, without Jackson's first bean serializer
   * of the record (20-95 ms of a small verify or import's main thread).
   */
  static ObjectNode ownDescriptor(RawManifest m) {
    return m.descriptor().toTree();
  }

  /**
   * The first field in which {@code entry} differs from {@code signed}, as "{@code field}: index.json has X,
   * the signed root has Y", or null when they are equal (numbers compare by value).
   */
  static String difference(JsonNode entry, JsonNode signed) {
    TreeSet<String> fields = new TreeSet<>(Comparator.comparingInt(IndexBinding::rank).thenComparing(f -> f));
    entry.fieldNames().forEachRemaining(fields::add);
    signed.fieldNames().forEachRemaining(fields::add);
    for (String f : fields) {
      JsonNode a = entry.get(f);
      JsonNode b = signed.get(f);
      if (same(a, b)) {
        continue;
      }
      if (f.equals("annotations") && a != null && b != null && a.isObject() && b.isObject()) {
        List<String> keys = new ArrayList<>();
        a.fieldNames().forEachRemaining(keys::add);
        b.fieldNames().forEachRemaining(k -> {
          if (!keys.contains(k)) {
            keys.add(k);
          }
        });
        for (String k : new TreeSet<>(keys)) {
          if (!same(a.get(k), b.get(k))) {
            return "annotation '" + k + "': index.json has " + shown(a.get(k)) + ", the signed root has " + shown(b.get(k));
          }
        }
      }
      return "'" + f + "': index.json has " + shown(a) + ", the signed root has " + shown(b);
    }
    return null;
  }

  private static int rank(String field) {
    int i = ORDER.indexOf(field);
    return i < 0 ? ORDER.size() : i;
  }

  private static boolean same(JsonNode a, JsonNode b) {
    if (a == null || b == null) {
      return a == b;
    }
    return a.equals((x, y) -> x.isNumber() && y.isNumber() ? x.decimalValue().compareTo(y.decimalValue())
        : x.equals(y) ? 0 : 1, b);
  }

  private static String shown(JsonNode n) {
    if (n == null) {
      return "nothing";
    }
    String s = n.toString();
    return s.length() > 120 ? s.substring(0, 117) + "..." : s;
  }
}
