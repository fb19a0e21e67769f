package dev.airlock.bundler;

import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.bundle.BundleLock;
import dev.airlock.bundle.BundleSpec;
import dev.airlock.charts.ChartContents;
import dev.airlock.charts.ChartImageFinder;
import dev.airlock.charts.ChartPackager;
import dev.airlock.charts.ChartRepository;
import dev.airlock.charts.Semver;
import dev.airlock.charts.SemverRange;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.Reference;
import dev.airlock.progress.ProgressListener;
import dev.airlock.store.ContentStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.store.Location;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Resolves every spec entry to a digest before anything is fetched: tags through their source, chart
 * version ranges through the repository index (newest match wins), local files by packing them. With a
 * lock, digests and chart versions come from the lock and sources are only asked for those digests.
 */
public final class SpecResolver {
  private final BundleSpec spec;
  private final Path specDir;
  private final BundleLock lock;
  private final SourceStores stores;
  private final ChartRepository charts;
  private final LayoutStore work;
  private final ProgressListener progress;
  private final Map<Path, LayoutStore> layouts = new HashMap<>();
  private final Map<String, PlannedEntry> planned = new LinkedHashMap<>();

  public SpecResolver(BundleSpec spec, Path specDir, BundleLock lock, SourceStores stores, ChartRepository charts,
      LayoutStore work, ProgressListener progress) {
    this.spec = spec;
    this.specDir = specDir;
    this.lock = lock;
    this.stores = stores;
    this.charts = charts;
    this.work = work;
    this.progress = progress;
  }

  public List<PlannedEntry> resolve() throws IOException {
    for (BundleSpec.Image i : spec.images()) {
      List<Platform> platforms = i.platforms().isEmpty() ? spec.platforms() : i.platforms();
      try {
        if (i.ref() != null && i.tags() != null) {
          taggedEntries(i, platforms);
        } else if (i.ref() != null) {
          registryEntry(PlannedEntry.IMAGE, i.key(), Reference.parse(i.ref()), platforms, null);
        } else if (i.layout() != null) {
          layoutEntry(i, platforms);
        } else {
          Location loc = Location.parse(i.archive());
          ContentStore store = stores.archive(new Location(loc.kind(), specDir.resolve(loc.path()), loc.refName(), null));
          String ref = loc.refName() == null ? "" : loc.refName();
          localEntry(i, store, "", ref.isEmpty() ? firstTag(store, i) : ref, platforms, i.archive());
        }
      } catch (NotFoundException e) {
        throw new NotFoundException(where(i.line()) + "image " + i.key() + " does not exist: " + e.getMessage());
      } catch (dev.airlock.registry.RegistryException e) {
        throw new dev.airlock.AirlockException(where(i.line()) + "image " + i.key() + ": " + e.getMessage(), e);
      }
    }
    for (BundleSpec.Chart c : spec.charts()) {
      List<Platform> platforms = c.platforms().isEmpty() ? spec.platforms() : c.platforms();
      try {
        if (c.ref() != null) {
          ociChart(c, platforms);
        } else {
          repoChart(c, platforms);
        }
      } catch (NotFoundException e) {
        throw new NotFoundException(where(c.line()) + "chart " + c.key() + ": " + e.getMessage());
      } catch (dev.airlock.registry.RegistryException e) {
        throw new dev.airlock.AirlockException(where(c.line()) + "chart " + c.key() + ": " + e.getMessage(), e);
      }
    }
    for (BundleSpec.Artifact a : spec.artifacts()) {
      try {
        if (a.ref() != null) {
          registryEntry(PlannedEntry.ARTIFACT, a.key(), Reference.parse(a.ref()), List.of(), null);
        } else {
          pathArtifact(a);
        }
      } catch (NotFoundException e) {
        throw new NotFoundException(where(a.line()) + "artifact " + a.key() + " does not exist: " + e.getMessage());
      } catch (dev.airlock.registry.RegistryException e) {
        throw new dev.airlock.AirlockException(where(a.line()) + "artifact " + a.key() + ": " + e.getMessage(), e);
      }
    }
    return new ArrayList<>(planned.values());
  }

  private String where(int line) {
    return spec.file() + ":" + line + ": ";
  }

  private PlannedEntry registryEntry(String kind, String key, Reference ref, List<Platform> platforms,
      PlannedEntry.ChartInfo chart) throws IOException {
    ContentStore store = stores.registry(ref);
    String refName = ref.tag() != null ? ref.name() + ":" + ref.tag()
        : ref.digest() != null ? ref.name() + ":" + ref.digest().tagForm() : ref.name() + ":latest";
    Descriptor d = resolveDigest(kind, key, store, ref.repository(), ref.identifier(), ref.digest());
    return add(new PlannedEntry(kind, key, refName, store, ref.repository(), d.digest(), d.mediaType(), platforms,
        store.describe(), chart, List.of(), BundleLock.Entry.of(kind, key, refName, d.digest(), d.mediaType())));
  }

  /** The digest to fetch: from the lock, else the reference's digest, else the tag resolved now. */
  private Descriptor resolveDigest(String kind, String key, ContentStore store, String repo, String identifier,
      Digest pinned) throws IOException {
    if (lock != null) {
      BundleLock.Entry e = lock.find(kind, key).orElseThrow(() -> new InvalidInputException(
          "the lock file has no entry for " + kind + " " + key + "; bundle without --lock to resolve it"));
      if (pinned != null && !pinned.equals(e.digestValue())) {
        throw new InvalidInputException("the lock file pins " + key + " to " + e.digest() + ", but the spec names " + pinned);
      }
      return Descriptor.of(e.mediaType(), e.digestValue(), -1);
    }
    if (pinned != null) {
      RawManifest m = store.getManifest(repo, pinned.toString());
      return m.descriptor();
    }
    Descriptor d = store.resolve(repo, identifier).orElseThrow(
        () -> new NotFoundException(identifier + " is not in " + store.describe()));
    progress.info("resolved " + key + " to " + d.digest());
    return d;
  }

  /**
   * {@code ref} + {@code tags}: every tag of the repository the filter selects is an entry keyed
   * {@code NAME:TAG}; with a lock, the tags are the lock's entries of that repository the filter selects.
   */
  private void taggedEntries(BundleSpec.Image i, List<Platform> platforms) throws IOException {
    Reference repo = Reference.parse(i.ref());
    String prefix = repo.name() + ":";
    List<String> all;
    if (lock != null) {
      all = lock.entries().stream().filter(e -> e.kind().equals(PlannedEntry.IMAGE) && e.key().startsWith(prefix))
          .map(e -> e.key().substring(prefix.length())).toList();
    } else {
      all = stores.registry(repo).tags(repo.repository());
    }
    List<String> tags = all.stream().filter(i.tags()::matches).toList();
    if (tags.isEmpty()) {
      throw new NotFoundException("no tag of " + repo.name() + " matches " + i.tags().describe()
          + (lock != null ? " in the lock file" : " (it has " + all.size() + " tags"
              + (all.isEmpty() ? "" : ": " + String.join(", ", all.stream().limit(10).toList())
                  + (all.size() > 10 ? ", ..." : "")) + ")"));
    }
    progress.info("tags of " + repo.name() + " matching " + i.tags().describe() + ": " + String.join(", ", tags));
    for (String tag : tags) {
      registryEntry(PlannedEntry.IMAGE, prefix + tag, repo.withTag(tag), platforms, null);
    }
  }

  private void layoutEntry(BundleSpec.Image i, List<Platform> platforms) throws IOException {
    String spec = i.layout();
    int at = spec.lastIndexOf('@');
    boolean byDigest = at > 0 && Digest.isValid(spec.substring(at + 1));
    int colon = byDigest ? at : spec.indexOf(':');
    Path dir = specDir.resolve(spec.substring(0, colon)).normalize();
    String ref = spec.substring(colon + 1);
    LayoutStore store = layouts.get(dir);
    if (store == null) {
      store = LayoutStore.open(dir);
      layouts.put(dir, store);
    }
    localEntry(i, store, "", ref, platforms, "oci:" + dir);
  }

  private void localEntry(BundleSpec.Image i, ContentStore store, String repo, String ref, List<Platform> platforms,
      String origin) throws IOException {
    String refName = i.name() != null ? refNameOf(Reference.parse(i.name())) : localRefName(origin, ref);
    Descriptor d = resolveDigest(PlannedEntry.IMAGE, i.key(), store, repo, ref, null);
    if (lock == null) {
      // a local source has no tags to move: name what it is by digest too
      d = store.getManifest(repo, d.digest().toString()).descriptor();
    }
    add(new PlannedEntry(PlannedEntry.IMAGE, i.key(), refName, store, repo, d.digest(), d.mediaType(), platforms,
        origin, null, List.of(), BundleLock.Entry.of(PlannedEntry.IMAGE, i.key(), refName, d.digest(), d.mediaType())));
  }

  private static String firstTag(ContentStore store, BundleSpec.Image i) throws IOException {
    List<String> tags = store.tags("");
    if (tags.size() != 1) {
      throw new InvalidInputException("archive " + i.archive() + " holds " + tags.size() + " images; name one with :REF");
    }
    return tags.get(0);
  }

  static String refNameOf(Reference r) {
    return r.tag() != null ? r.name() + ":" + r.tag()
        : r.digest() != null ? r.name() + ":" + r.digest().tagForm() : r.name() + ":latest";
  }

  /** A local image's name: its ref name when that is a full reference, else localhost/DIR:REF. */
  private static String localRefName(String origin, String ref) {
    try {
      Reference r = Reference.parse(ref);
      if (ref.contains("/") && r.tag() != null) {
        return refNameOf(r);
      }
    } catch (InvalidInputException e) {
      // not a reference: name it after the directory
    }
    String base = Path.of(origin.substring(origin.indexOf(':') + 1)).getFileName().toString()
        .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-").replaceAll("^[^a-z0-9]+", "");
    String tag = Digest.isValid(ref) ? Digest.parse(ref).tagForm()
        : ref.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}") ? ref : "latest";
    return "localhost/" + (base.isEmpty() ? "image" : base) + ":" + tag;
  }

  private void ociChart(BundleSpec.Chart c, List<Platform> platforms) throws IOException {
    Reference ref = Reference.parse(c.ref().substring("oci://".length()));
    PlannedEntry e = registryEntry(PlannedEntry.CHART, c.key(), ref, List.of(), null);
    RawManifest m = e.store().getManifest(ref.repository(), e.digest().toString());
    Descriptor layer = m.layers().stream().filter(l -> MediaTypes.HELM_CHART.equals(l.mediaType())).findFirst()
        .orElseThrow(() -> new InvalidInputException(c.ref() + " is not a Helm chart (no " + MediaTypes.HELM_CHART + " layer)"));
    ChartContents contents;
    try (InputStream in = e.store().openBlob(ref.repository(), layer)) {
      contents = ChartContents.read(in, "chart " + c.ref());
    }
    chartDone(c, e, contents, c.ref(), platforms);
  }

  private void repoChart(BundleSpec.Chart c, List<Platform> platforms) throws IOException {
    String version;
    String url;
    Digest expected;
    BundleLock.Entry locked = lock == null ? null : lock.find(PlannedEntry.CHART, c.key()).orElseThrow(() ->
        new InvalidInputException("the lock file has no entry for chart " + c.key() + "; bundle without --lock to resolve it"));
    if (locked != null) {
      version = locked.chartVersion();
      url = locked.chartUrl();
      expected = locked.chartDigest() == null ? null : Digest.parse(locked.chartDigest());
    } else {
      SemverRange range = SemverRange.parse(c.version());
      List<ChartRepository.ChartVersion> versions = charts.versions(c.repo(), c.name());
      if (versions.isEmpty()) {
        throw new NotFoundException(where(c.line()) + "chart " + c.name() + " is not in repository " + c.repo());
      }
      Semver best = range.newest(versions.stream().map(ChartRepository.ChartVersion::version).toList())
          .orElseThrow(() -> new NotFoundException(where(c.line()) + "no version of chart " + c.name() + " in "
              + c.repo() + " matches '" + c.version() + "' (newest listed: "
              + versions.stream().map(v -> Semver.tryParse(v.version())).filter(java.util.Objects::nonNull)
                  .max(Semver::compareTo).map(Semver::toString).orElse("none") + ")"));
      ChartRepository.ChartVersion cv = versions.stream().filter(v -> v.version().equals(best.original()))
          .findFirst().orElseThrow();
      version = cv.version();
      url = cv.url();
      expected = cv.digest();
      progress.info("chart " + c.name() + " " + c.version() + " resolved to " + version);
    }
    Path tgz = work.root().resolve(".charts").resolve(c.name() + "-" + version + ".tgz");
    charts.download(url, expected, tgz);
    ChartPackager.PackagedChart packed = ChartPackager.pack(tgz, work);
    if (!packed.contents().name().equals(c.name()) || !packed.contents().version().equals(version)) {
      throw new InvalidInputException(url + " holds chart " + packed.contents().name() + " "
          + packed.contents().version() + ", not " + c.name() + " " + version);
    }
    if (locked != null && !locked.digestValue().equals(packed.manifest().digest())) {
      throw new dev.airlock.VerificationException("chart " + c.name() + " " + version + " packs to "
          + packed.manifest().digest() + " but the lock file says " + locked.digest());
    }
    URIParts u = URIParts.of(c.repo());
    String refName = (u.host + u.path + "/" + c.name()).toLowerCase(Locale.ROOT) + ":" + version.replace('+', '_');
    refName = refNameOf(Reference.parse(refName));
    BundleLock.Entry le = BundleLock.Entry.of(PlannedEntry.CHART, c.key(), refName, packed.manifest().digest(),
        MediaTypes.OCI_MANIFEST).withChart(version, url, packed.archiveDigest());
    PlannedEntry e = add(new PlannedEntry(PlannedEntry.CHART, c.key(), refName, work, "", packed.manifest().digest(),
        MediaTypes.OCI_MANIFEST, List.of(), c.repo(), null, List.of(), le));
    chartDone(c, e, packed.contents(), c.repo(), platforms);
  }

  private record URIParts(String host, String path) {
    static URIParts of(String url) {
      java.net.URI u = java.net.URI.create(url);
      String path = u.getPath() == null ? "" : u.getPath().replaceAll("/+$", "");
      String host = u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
      return new URIParts(host, path);
    }
  }

  private void chartDone(BundleSpec.Chart c, PlannedEntry e, ChartContents contents, String source,
      List<Platform> platforms) throws IOException {
    List<ChartImageFinder.FoundImage> images = c.images() ? ChartImageFinder.find(contents) : List.of();
    PlannedEntry.ChartInfo info = new PlannedEntry.ChartInfo(contents.name(), contents.version(),
        contents.appVersion(), source, images);
    planned.put(e.kind() + " " + e.key(), new PlannedEntry(e.kind(), e.key(), e.refName(), e.store(), e.repository(),
        e.digest(), e.mediaType(), e.platforms(), e.origin(), info, e.files(), e.lockEntry()));
    if (c.images()) {
      progress.info("chart " + contents.name() + " " + contents.version() + ": found " + images.size() + " image(s)"
          + (images.isEmpty() ? "" : ": " + String.join(", ", images.stream()
              .map(i -> i.ref() + " (" + i.foundIn() + ")").toList())));
      for (ChartImageFinder.FoundImage img : images) {
        if (planned.containsKey(PlannedEntry.IMAGE + " " + img.ref())) {
          continue;
        }
        try {
          registryEntry(PlannedEntry.CHART_IMAGE, img.ref(), Reference.parse(img.ref()), platforms, null);
        } catch (NotFoundException ex) {
          throw new NotFoundException(where(c.line()) + "image " + img.ref() + " used by chart " + contents.name()
              + " does not exist: " + ex.getMessage());
        }
      }
    }
  }

  private void pathArtifact(BundleSpec.Artifact a) throws IOException {
    Path path = specDir.resolve(a.path()).normalize();
    FileArtifactPacker.Packed p = FileArtifactPacker.pack(path, a.mediaType(), a.artifactType(), work,
        work.root().resolve(".artifacts"));
    String base = path.getFileName() == null ? "files" : path.getFileName().toString().toLowerCase(Locale.ROOT)
        .replaceAll("[^a-z0-9._-]", "-").replaceAll("^[^a-z0-9]+", "");
    String refName = a.name() != null ? refNameOf(Reference.parse(a.name()))
        : "localhost/" + (base.isEmpty() ? "files" : base) + ":latest";
    Digest d = p.manifest().digest();
    if (lock != null) {
      BundleLock.Entry e = lock.find(PlannedEntry.ARTIFACT, a.key()).orElseThrow(() -> new InvalidInputException(
          "the lock file has no entry for artifact " + a.key() + "; bundle without --lock to resolve it"));
      if (!e.digestValue().equals(d)) {
        throw new dev.airlock.VerificationException("artifact " + a.path() + " packs to " + d
            + " but the lock file says " + e.digest() + ": the files changed");
      }
    }
    add(new PlannedEntry(PlannedEntry.ARTIFACT, a.key(), refName, work, "", d, MediaTypes.OCI_MANIFEST, List.of(),
        "file:" + path, null, p.files(), BundleLock.Entry.of(PlannedEntry.ARTIFACT, a.key(), refName, d,
            MediaTypes.OCI_MANIFEST)));
  }

  private PlannedEntry add(PlannedEntry e) {
    for (PlannedEntry other : planned.values()) {
      if (other.refName().equals(e.refName()) && !other.digest().equals(e.digest())) {
        throw new InvalidInputException("two spec entries are named " + e.refName() + " in the bundle with different "
            + "content (" + other.key() + ", " + e.key() + "); give one of them another name");
      }
    }
    planned.put(e.kind() + " " + e.key(), e);
    return e;
  }
}
