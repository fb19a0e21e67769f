package dev.airlock.manifestlists;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.RawManifest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The index airlock writes in place of a platform-filtered (sparse) one where the sparse original cannot
 * stand, or would not pull whole: the original index's JSON with only the carried children, annotated
 * {@value #ANNOTATION_FILTERED_FROM} with the original's digest. It is authored by airlock, so it has a
 * digest of its own; the original is never changed.
 *
 * <p>The bytes are a pure function of the original's bytes and the set of carried children (import and
 * serve compute the same digest): the JSON is read as a tree, the {@code manifests} entries not carried
 * are removed, the annotation is added last to the top-level {@code annotations} (created when absent),
 * and the tree is written compactly with every other field, and every field order, as it was.
 */
public final class FilteredIndex {
  /** Top-level annotation of a filtered index: the digest of the index it was filtered from. */
  public static final String ANNOTATION_FILTERED_FROM = "dev.airlock.index.filtered-from";

  private final RawManifest original;
  private final RawManifest filtered;
  private final List<Descriptor> carried;
  private final List<Descriptor> leftOut;

  private FilteredIndex(RawManifest original, RawManifest filtered, List<Descriptor> carried, List<Descriptor> leftOut) {
    this.original = original;
    this.filtered = filtered;
    this.carried = carried;
    this.leftOut = leftOut;
  }

  /**
   * Filters {@code original} to the children whose digests are in {@code carried}.
   *
   * @throws IllegalArgumentException when {@code original} is not an index, or nothing would be left out
   */
  public static FilteredIndex of(RawManifest original, Set<Digest> carried) {
    if (!original.isIndex()) {
      throw new IllegalArgumentException(original.digest() + " is not an index");
    }
    JsonNode tree = Json.tree(original.bytesUnsafe(), "index " + original.digest());
    ObjectNode copy = ((ObjectNode) tree).deepCopy();
    ArrayNode kept = Json.MAPPER.createArrayNode();
    List<Descriptor> in = new ArrayList<>();
    List<Descriptor> out = new ArrayList<>();
    List<Descriptor> children = original.manifests();
    JsonNode entries = copy.path("manifests");
    for (int i = 0; i < children.size(); i++) {
      Descriptor c = children.get(i);
      if (carried.contains(c.digest())) {
        kept.add(entries.get(i));
        in.add(c);
      } else {
        out.add(c);
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("index " + original.digest() + " leaves out no child: nothing to filter");
    }
    copy.set("manifests", kept);
    JsonNode annotations = copy.get("annotations");
    ObjectNode a = annotations instanceof ObjectNode o ? o : copy.putObject("annotations");
    a.put(ANNOTATION_FILTERED_FROM, original.digest().toString());
    RawManifest filtered = RawManifest.of(Json.write(copy), original.mediaType(), "filtered index of " + original.digest());
    return new FilteredIndex(original, filtered, List.copyOf(in), List.copyOf(out));
  }

  /** The index as received (kept byte for byte in the bundle). */
  public RawManifest original() {
    return original;
  }

  /** The filtered index: its own bytes and digest. */
  public RawManifest filtered() {
    return filtered;
  }

  /** The children the filtered index lists, in the original's order. */
  public List<Descriptor> carried() {
    return carried;
  }

  /** The children of the original that the filtered index leaves out. */
  public List<Descriptor> leftOut() {
    return leftOut;
  }

  /** The original a filtered index names, or null for any other manifest. */
  public static Digest filteredFrom(RawManifest m) {
    String d = m.annotations().get(ANNOTATION_FILTERED_FROM);
    return d != null && Digest.isValid(d) ? Digest.parse(d) : null;
  }
}
