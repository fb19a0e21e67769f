package dev.airlock.store.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.Json;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.VerifyingInputStream;
import dev.airlock.store.BlobSource;
import dev.airlock.store.ContentStore;
import dev.airlock.store.LayoutIndex;
import dev.airlock.store.ReferrerScan;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A read-only OCI image layout inside an uncompressed tar ({@code oci-archive}, airlock bundles). One pass
 * over the tar headers builds an index of entry offsets; blobs are then read by offset straight from the
 * file, verified at end of stream. Nothing is extracted and nothing is held in memory but the offsets.
 * Ref names follow {@link dev.airlock.store.LayoutStore}'s conventions.
 */
public final class TarLayoutStore implements ContentStore {
  private final ArchiveFile file;
  private final TarIndex tar;
  private final Map<Digest, TarEntry> blobs;
  private final List<ObjectNode> entries;
  private final String description;
  private final ReferrerScan referrerScan = new ReferrerScan();

  private TarLayoutStore(ArchiveFile file, TarIndex tar, Map<Digest, TarEntry> blobs, List<ObjectNode> entries,
      String description) {
    this.file = file;
    this.tar = tar;
    this.blobs = blobs;
    this.entries = entries;
    this.description = description;
  }

  /** Opens an {@code oci-archive}: only {@code oci-layout}, {@code index.json} and {@code blobs/} are allowed. */
  public static TarLayoutStore open(Path path) throws IOException {
    return open(path, Long.MAX_VALUE);
  }

  /** As {@link #open(Path)}; a compressed archive expands to at most {@code maxExpanded} bytes. */
  /**
   * A tar that is only a source (copy, a bundle spec's oci-archive:): a compressed one is read once as a
   * stream first ({@link ExpansionBound#streamed}) and decompressed within that bound, so a bomb fills no disk.
   */
  public static TarLayoutStore openSource(Path path) throws IOException {
    return open(path, ArchiveFile.isCompressed(path) ? ExpansionBound.streamed(path) : Long.MAX_VALUE);
  }

  public static TarLayoutStore open(Path path, long maxExpanded) throws IOException {
    return open(path, maxExpanded, false);
  }

  /** As {@link #open(Path, long)}; {@code anyOrder}: blobs are read in any order ({@link ArchiveFile#open(Path, long, boolean)}). */
  public static TarLayoutStore open(Path path, long maxExpanded, boolean anyOrder) throws IOException {
    ArchiveFile f = ArchiveFile.open(path, maxExpanded, anyOrder);
    try {
      return open(f, "oci-archive:" + f.original(), name -> false);
    } catch (RuntimeException | IOException e) {
      f.close();
      throw e;
    }
  }

  /**
   * Reads a layout from an opened archive. Entries other than the layout's own must satisfy
   * {@code otherAllowed} (a docker save tar has {@code manifest.json}, a bundle its catalog); links are
   * refused inside {@code blobs/} and wherever {@code otherAllowed} does not allow them.
   */
  public static TarLayoutStore open(ArchiveFile f, String description, Predicate<TarEntry> otherAllowed) throws IOException {
    return open(f, TarIndex.scan(f.channel(), description), description, otherAllowed);
  }

  /** As {@link #open(ArchiveFile, String, Predicate)}, over an index already scanned. */
  public static TarLayoutStore open(ArchiveFile f, TarIndex tar, String description, Predicate<TarEntry> otherAllowed)
      throws IOException {
    Map<Digest, TarEntry> blobs = new LinkedHashMap<>();
    for (TarEntry e : tar.entries()) {
      String n = e.name();
      boolean layoutName = n.equals("oci-layout") || n.equals("index.json") || n.equals("blobs") || n.startsWith("blobs/");
      if (!layoutName) {
        if (!otherAllowed.test(e)) {
          throw new InvalidInputException(description + ": unexpected "
              + (e.isLink() ? "link" : "entry") + " '" + TarIndex.printable(n) + "' in an OCI layout archive");
        }
        continue;
      }
      if (e.isLink()) {
        throw new InvalidInputException(description + ": entry '" + TarIndex.printable(n) + "' is a link; links are not allowed");
      }
      if (e.type() == TarEntry.Type.DIRECTORY) {
        if (!n.equals("blobs") && !n.matches("blobs/sha(256|512)")) {
          throw new InvalidInputException(description + ": unexpected directory '" + TarIndex.printable(n) + "'");
        }
        continue;
      }
      if (n.startsWith("blobs/")) {
        String[] parts = n.split("/");
        if (parts.length != 3 || !Digest.isValid(parts[1] + ":" + parts[2])) {
          throw new InvalidInputException(description + ": unexpected entry '" + TarIndex.printable(n)
              + "' (blobs must be named blobs/<algorithm>/<hex>)");
        }
        blobs.put(Digest.parse(parts[1] + ":" + parts[2]), e);
      } else if (n.equals("blobs")) {
        throw new InvalidInputException(description + ": 'blobs' is not a directory");
      }
    }
    TarEntry layout = tar.get("oci-layout");
    TarEntry index = tar.get("index.json");
    if (layout == null || !layout.isFile()) {
      throw new InvalidInputException(description + " is not an OCI layout archive (no oci-layout file)");
    }
    JsonNode lj = Json.tree(readSmall(f, layout, description + ": oci-layout"), description + ": oci-layout");
    if (!lj.path("imageLayoutVersion").isTextual()) {
      throw new InvalidInputException(description + ": oci-layout has no imageLayoutVersion");
    }
    if (index == null || !index.isFile()) {
      throw new InvalidInputException(description + " has no index.json");
    }
    List<ObjectNode> entries = LayoutIndex.parse(readSmall(f, index, description + ": index.json"), description + ": index.json");
    return new TarLayoutStore(f, tar, blobs, entries, description);
  }

  static byte[] readSmall(ArchiveFile f, TarEntry e, String what) throws IOException {
    if (e.size() > Json.MANIFEST_CAP * 4L) {
      throw new InvalidInputException(what + " is larger than the " + Json.MANIFEST_CAP * 4 + " byte limit");
    }
    try (InputStream in = f.open(e)) {
      return Json.readCapped(in, Json.MANIFEST_CAP * 4, what);
    }
  }

  @Override
  public String describe() {
    return description;
  }

  public ArchiveFile archive() {
    return file;
  }

  /** Every entry of the tar, in order. */
  public List<TarEntry> entries() {
    return tar.entries();
  }

  /** Where a blob's bytes are in {@link ArchiveFile#readable()}: for zero-copy transfers. */
  public Optional<TarEntry> blobEntry(Digest digest) {
    return Optional.ofNullable(blobs.get(digest));
  }

  /** The digests of every blob in the archive. */
  public Set<Digest> blobDigests() {
    return java.util.Collections.unmodifiableSet(blobs.keySet());
  }

  /** The {@code index.json} entries as descriptors. */
  public List<Descriptor> index() {
    List<Descriptor> out = new ArrayList<>();
    for (ObjectNode n : entries) {
      out.add(LayoutIndex.descriptor(n, description));
    }
    return out;
  }

  /** Raw index.json entries (annotations beyond the ref name included). */
  public List<ObjectNode> indexEntries() {
    return entries.stream().map(ObjectNode::deepCopy).toList();
  }

  @Override
  public OptionalLong blobSize(String repository, Digest digest) {
    TarEntry e = blobs.get(digest);
    return e == null ? OptionalLong.empty() : OptionalLong.of(e.size());
  }

  @Override
  public InputStream openBlob(String repository, Descriptor blob) throws IOException {
    TarEntry e = blobs.get(blob.digest());
    if (e == null) {
      throw new NotFoundException("blob " + blob.digest() + " is not in " + description);
    }
    return new VerifyingInputStream(new BufferedInputStream(file.open(e), 1 << 16), blob.digest(),
        blob.size() >= 0 ? blob.size() : e.size(), "blob " + blob.digest() + " in " + description);
  }

  @Override
  public void putBlob(String repository, Descriptor blob, BlobSource content) {
    throw readOnly();
  }

  @Override
  public void putManifest(String repository, RawManifest manifest, String tag) {
    throw readOnly();
  }

  private InvalidInputException readOnly() {
    return new InvalidInputException(description + " is read-only");
  }

  @Override
  public RawManifest getManifest(String repository, String tagOrDigest) throws IOException {
    Descriptor d = resolve(repository, tagOrDigest).orElseThrow(() -> new NotFoundException(
        "manifest " + LayoutIndex.refName(repository, tagOrDigest) + " is not in " + description));
    return readManifest(d);
  }

  RawManifest readManifest(Descriptor d) throws IOException {
    TarEntry e = blobs.get(d.digest());
    if (e == null) {
      throw new NotFoundException("manifest " + d.digest() + " is not in " + description);
    }
    String what = "manifest " + d.digest() + " in " + description;
    if (e.size() > Json.MANIFEST_CAP) {
      throw new InvalidInputException(what + " is larger than the " + Json.MANIFEST_CAP + " byte limit");
    }
    if (d.size() > 0 && e.size() != d.size()) {
      throw new DigestMismatchException(what + " size", d.size() + " bytes", e.size() + " bytes");
    }
    byte[] bytes;
    try (InputStream in = file.open(e)) {
      bytes = in.readAllBytes();
    }
    return RawManifest.of(bytes, d.mediaType(), d.digest(), what);
  }

  @Override
  public Optional<Descriptor> resolve(String repository, String tagOrDigest) throws IOException {
    if (Digest.isValid(tagOrDigest)) {
      Digest dg = Digest.parse(tagOrDigest);
      Optional<Descriptor> listed = LayoutIndex.byDigest(entries, dg, description);
      if (listed.isPresent()) {
        return listed;
      }
      if (!blobs.containsKey(dg)) {
        return Optional.empty();
      }
      return Optional.of(readManifest(Descriptor.of(null, dg, -1)).descriptor());
    }
    return LayoutIndex.byRefName(entries, LayoutIndex.refName(repository, tagOrDigest), description);
  }

  @Override
  public List<String> tags(String repository) {
    return LayoutIndex.tags(entries, repository);
  }

  @Override
  public List<Descriptor> referrers(String repository, Digest subject, String artifactType) throws IOException {
    return referrerScan.referrers(index(), subject, artifactType, d -> blobs.containsKey(d.digest()) ? readManifest(d) : null);
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}
