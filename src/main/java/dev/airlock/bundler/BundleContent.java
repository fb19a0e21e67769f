package dev.airlock.bundler;

import dev.airlock.InvalidInputException;
import dev.airlock.bundle.BundleSpec;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.transfer.GraphRecord;
import dev.airlock.transfer.ReferrerKind;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What goes into the bundle, computed from the graph records and the working layout: the spec entries,
 * the referrers the spec asks for (and referrers of those), and everything they reach. Only what the
 * records say this run fetched is reached, so a working directory left over from another run adds
 * nothing. Index children left out by the platform filter are not followed.
 */
final class BundleContent {
  /** A manifest in the bundle, with the platform it was listed under in its index. */
  record ManifestInfo(Digest digest, String mediaType, long size, Platform platform, String artifactType,
      List<Descriptor> blobs) {}

  /** A referrer kept, with the ref name it is listed under (cosign tags) or null. */
  record Referrer(GraphRecord.ReferrerSeen seen, String refName) {}

  final Map<Digest, ManifestInfo> manifests = new TreeMap<>();
  final Map<Digest, Descriptor> blobs = new TreeMap<>();
  final Map<String, Boolean> children = new TreeMap<>();
  final Map<String, GraphRecord.ChildSeen> childSeen = new TreeMap<>();
  final List<Referrer> referrers = new ArrayList<>();

  private final LayoutStore work;
  private final Set<String> present = new HashSet<>();
  private final Map<Digest, Platform> platforms = new HashMap<>();

  private BundleContent(LayoutStore work) {
    this.work = work;
  }

  /** A copy's record and the repository name its cosign tags were stored under. */
  record Copied(PlannedEntry entry, GraphRecord record) {}

  static BundleContent of(LayoutStore work, List<Copied> copies, BundleSpec.Referrers policy) throws IOException {
    BundleContent c = new BundleContent(work);
    Map<String, Referrer> candidates = new LinkedHashMap<>();
    for (Copied cp : copies) {
      for (GraphRecord.ChildSeen ch : cp.record().indexChildren()) {
        String k = ch.index() + " " + ch.child();
        if (ch.present()) {
          c.present.add(k);
        }
        c.childSeen.merge(k, ch, (a, b) -> a.present() ? a : b);
        if (ch.platform() != null) {
          c.platforms.putIfAbsent(ch.child(), ch.platform());
        }
      }
      for (GraphRecord.ReferrerSeen r : cp.record().referrers()) {
        if (!wanted(r.kind(), policy)) {
          continue;
        }
        String refName = r.tag() == null ? null : cp.entry().refRepository() + ":" + r.tag();
        candidates.putIfAbsent(r.digest() + " " + r.subject() + " " + refName, new Referrer(r, refName));
      }
    }
    for (Copied cp : copies) {
      c.walk(cp.entry().digest());
    }
    boolean changed = true;
    while (changed) {
      changed = false;
      for (var it = candidates.values().iterator(); it.hasNext(); ) {
        Referrer r = it.next();
        if (c.manifests.containsKey(r.seen().subject())) {
          it.remove();
          c.referrers.add(r);
          c.walk(r.seen().digest());
          changed = true;
        }
      }
    }
    c.childSeen.values().removeIf(ch -> !c.manifests.containsKey(ch.index()));
    c.referrers.sort(java.util.Comparator.comparing((Referrer r) -> r.seen().digest().toString())
        .thenComparing(r -> r.seen().subject().toString())
        .thenComparing(r -> r.refName() == null ? "" : r.refName()));
    return c;
  }

  static boolean wanted(ReferrerKind kind, BundleSpec.Referrers p) {
    return p.wants(kind);
  }

  private void walk(Digest root) throws IOException {
    Deque<Digest> todo = new ArrayDeque<>();
    todo.push(root);
    while (!todo.isEmpty()) {
      Digest d = todo.pop();
      if (manifests.containsKey(d)) {
        continue;
      }
      RawManifest m = work.getManifest("", d.toString());
      List<Descriptor> used = new ArrayList<>();
      if (m.isIndex()) {
        for (Descriptor child : m.manifests()) {
          if (present.contains(d + " " + child.digest())) {
            todo.push(child.digest());
          } else if (!childSeen.containsKey(d + " " + child.digest())) {
            throw new InvalidInputException("index " + d + " lists " + child.digest() + ", which was not fetched");
          }
        }
      } else {
        for (Descriptor b : m.children()) {
          if (!b.urls().isEmpty() && !MediaTypes.isForeignLayer(b.mediaType())) {
            // verify refuses urls on anything else: say so here, not after the bundle is written
            throw new InvalidInputException("manifest " + d + " gives urls for " + b.digest() + " ('" + b.mediaType()
                + "'): urls are allowed only on foreign (non-distributable) layers, so this cannot be bundled");
          }
          if (MediaTypes.DOCKER_FOREIGN_LAYER.equals(b.mediaType()) || !b.urls().isEmpty()) {
            continue;
          }
          used.add(b);
          blobs.putIfAbsent(b.digest(), b);
        }
      }
      manifests.put(d, new ManifestInfo(d, m.mediaType(), m.size(), platforms.get(d), m.artifactType(), used));
    }
  }

  /** Every blob file of the content: manifests and the blobs they use, digest to size. */
  Map<Digest, Long> files() {
    Map<Digest, Long> out = new TreeMap<>();
    manifests.values().forEach(m -> out.put(m.digest(), m.size()));
    blobs.values().forEach(b -> out.put(b.digest(), b.size()));
    return out;
  }
}
