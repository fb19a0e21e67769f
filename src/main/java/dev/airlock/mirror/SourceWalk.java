package dev.airlock.mirror;

import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.bundle.BundleSpec;
import dev.airlock.bundler.PlannedEntry;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.progress.ProgressListener;
import dev.airlock.store.ContentStore;
import dev.airlock.transfer.GraphCopier;
import dev.airlock.transfer.ReferrerKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks the resolved spec entries in their sources, reading manifests only, and takes what a bundle of the
 * spec would hold (the same rules as {@code bundle}): each entry's graph with its platform filter (an index
 * keeps its bytes; children left out are absent), then the referrers of every manifest taken (referrers API
 * or fallback tag, and the cosign tags when the spec asks), recursively, of the kinds the spec includes.
 */
final class SourceWalk {
  private static final String[] COSIGN_SUFFIXES = {".sig", ".att", ".sbom"};

  private final BundleSpec.Referrers rules;
  private final ProgressListener progress;
  private final ManifestCache cache = new ManifestCache(ManifestCache.DEFAULT_BYTES);
  private final Map<String, SourceGraph.Repo> repos = new LinkedHashMap<>();
  private final Map<String, String> origins = new LinkedHashMap<>();

  SourceWalk(BundleSpec.Referrers rules, ProgressListener progress) {
    this.rules = rules;
    this.progress = progress == null ? ProgressListener.NONE : progress;
  }

  SourceGraph walk(String describe, List<PlannedEntry> entries) throws IOException {
    Map<String, Descriptor> listed = new LinkedHashMap<>();
    for (PlannedEntry e : entries) {
      SourceGraph.Repo r = repo(e);
      RawManifest root = cache.get(r.store, r.repository, e.digest());
      synchronized (r.tags) {
        r.tags.put(e.refTag(), root.descriptor());
      }
      List<Digest> taken = new ArrayList<>();
      tree(r, root, e.platforms(), e.refName(), taken);
      if (rules.any()) {
        referrers(r, taken);
      }
      listed.putIfAbsent(e.refName(), Descriptor.of(root.mediaType(), root.digest(), root.size())
          .withArtifactType(root.artifactType()).withAnnotation(Descriptor.REF_NAME, e.refName()));
    }
    return new SourceGraph(describe, repos, new ArrayList<>(listed.values()), cache);
  }

  private SourceGraph.Repo repo(PlannedEntry e) {
    String name = e.refRepository();
    String origin = e.store().describe() + " " + e.repository();
    String before = origins.putIfAbsent(name, origin);
    if (before != null && !before.equals(origin)) {
      throw new InvalidInputException("two spec entries are named " + name + " with different sources (" + before
          + ", " + origin + "); give one of them another name");
    }
    return repos.computeIfAbsent(name, k -> new SourceGraph.Repo(e.store(), e.repository()));
  }

  private void tree(SourceGraph.Repo r, RawManifest m, List<Platform> wanted, String name, List<Digest> taken)
      throws IOException {
    if (r.manifests.putIfAbsent(m.digest(), m.descriptor()) != null) {
      return;
    }
    taken.add(m.digest());
    if (m.isIndex()) {
      List<Descriptor> selected = GraphCopier.select(m, wanted);
      if (selected.isEmpty() && !m.manifests().isEmpty()) {
        throw new InvalidInputException("none of the platforms asked for (" + String.join(", ",
            wanted.stream().map(Platform::toString).toList()) + ") is in index " + m.digest().shortForm() + " ("
            + name + ")");
      }
      for (Descriptor child : m.manifests()) {
        if (!selected.contains(child)) {
          progress.info("left out " + child.digest().shortForm() + " (" + child.platform() + ") of "
              + m.digest().shortForm() + ": platform filter");
          continue;
        }
        MediaTypes.requireSupportedManifest(child.mediaType(), "manifest " + child.digest());
        tree(r, cache.get(r.store, r.repository, child.digest()), List.of(), name, taken);
      }
    } else {
      for (Descriptor b : m.children()) {
        if (!MediaTypes.DOCKER_FOREIGN_LAYER.equals(b.mediaType()) && b.urls().isEmpty()) {
          r.blobs.putIfAbsent(b.digest(), b);
        }
      }
    }
  }

  /** The referrers of {@code subjects} the rules take, their graphs, and their own referrers. */
  private void referrers(SourceGraph.Repo r, List<Digest> subjects) throws IOException {
    List<Digest> todo = new ArrayList<>(subjects);
    for (int i = 0; i < todo.size(); i++) {
      Digest subject = todo.get(i);
      List<Descriptor> kept = new ArrayList<>();
      for (Descriptor d : r.store.referrers(r.repository, subject, null)) {
        if (rules.wants(ReferrerKind.classify(d.artifactType(), null, d.annotations()))) {
          kept.add(d);
          tree(r, cache.get(r.store, r.repository, d.digest()), List.of(), subject.shortForm(), todo);
        }
      }
      if (!kept.isEmpty()) {
        r.referrers.put(subject, List.copyOf(kept));
      }
      if (!rules.cosignTags()) {
        continue;
      }
      for (String suffix : COSIGN_SUFFIXES) {
        String tag = subject.tagForm() + suffix;
        Descriptor d;
        try {
          d = r.store.resolve(r.repository, tag).orElse(null);
        } catch (NotFoundException e) {
          d = null;
        }
        if (d == null) {
          continue;
        }
        RawManifest m = cache.get(r.store, r.repository, d.digest());
        if (rules.wants(ReferrerKind.classify(m.artifactType(), tag, m.annotations()))) {
          synchronized (r.tags) {
            r.tags.put(tag, m.descriptor());
          }
          tree(r, m, List.of(), tag, todo);
        }
      }
    }
  }
}
