package dev.airlock.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.InvalidInputException;
import dev.airlock.NotFoundException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.VerifyingInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An OCI image-layout directory: {@code oci-layout}, {@code index.json}, {@code blobs/<alg>/<hex>}.
 *
 * <p>Tags are {@code index.json} entries annotated {@code org.opencontainers.image.ref.name}; airlock
 * writes the full reference there ({@code docker.io/library/alpine:3.20}), so {@code repository} here is
 * the name part ({@code docker.io/library/alpine}), or empty to address a bare ref name ({@code oci:DIR:REF}).
 * Manifests with a {@code subject} are listed in {@code index.json} without a ref name, which keeps them
 * reachable and makes them findable as referrers. Existing entries of a layout written by another tool
 * are kept as they are.
 */
public final class LayoutStore implements ContentStore {
  public static final String LAYOUT_FILE = "oci-layout";
  public static final String INDEX_FILE = "index.json";
  private static final byte[] LAYOUT_CONTENT = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);

  private final Path root;
  private final Object indexLock = new Object();
  private List<ObjectNode> entries;
  private final ReferrerScan referrerScan = new ReferrerScan();

  private LayoutStore(Path root, List<ObjectNode> entries) {
    this.root = root;
    this.entries = entries;
  }

  /** Opens an existing layout, failing clearly when {@code dir} is not one. */
  public static LayoutStore open(Path dir) throws IOException {
    Path root = dir.toAbsolutePath().normalize();
    if (!Files.isRegularFile(root.resolve(LAYOUT_FILE))) {
      throw new InvalidInputException(root + " is not an OCI image layout (no oci-layout file)");
    }
    JsonNode layout;
    try (InputStream in = Files.newInputStream(root.resolve(LAYOUT_FILE))) {
      layout = Json.tree(Json.readCapped(in, 64 * 1024, root.resolve(LAYOUT_FILE).toString()),
          root.resolve(LAYOUT_FILE).toString());
    }
    if (!layout.path("imageLayoutVersion").isTextual()) {
      throw new InvalidInputException(root.resolve(LAYOUT_FILE) + " has no imageLayoutVersion");
    }
    return new LayoutStore(root, readIndex(root));
  }

  /** Opens a layout, creating an empty one when {@code dir} does not exist or is empty. */
  public static LayoutStore openOrCreate(Path dir) throws IOException {
    Path root = dir.toAbsolutePath().normalize();
    if (Files.isRegularFile(root.resolve(LAYOUT_FILE))) {
      return open(root);
    }
    if (Files.isDirectory(root)) {
      try (Stream<Path> s = Files.list(root)) {
        if (s.anyMatch(p -> !p.getFileName().toString().startsWith("."))) {
          throw new InvalidInputException(root + " exists, is not empty and is not an OCI image layout");
        }
      }
    }
    Files.createDirectories(root.resolve("blobs").resolve("sha256"));
    AtomicFiles.write(root.resolve(LAYOUT_FILE), LAYOUT_CONTENT);
    LayoutStore s = new LayoutStore(root, new ArrayList<>());
    s.writeIndex();
    return s;
  }

  private static List<ObjectNode> readIndex(Path root) throws IOException {
    Path p = root.resolve(INDEX_FILE);
    if (!Files.exists(p)) {
      return new ArrayList<>();
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(p)) {
      bytes = Json.readCapped(in, Json.MANIFEST_CAP * 4, p.toString());
    }
    return new ArrayList<>(LayoutIndex.parse(bytes, p.toString()));
  }

  public Path root() {
    return root;
  }

  @Override
  public String describe() {
    return "oci:" + root;
  }

  /** The file of a blob; it may not exist. */
  public Path blobPath(Digest digest) {
    return root.resolve(digest.blobPath());
  }

  /** The {@code index.json} entries as descriptors (ref names in annotations). */
  public List<Descriptor> index() {
    synchronized (indexLock) {
      List<Descriptor> out = new ArrayList<>();
      for (ObjectNode n : entries) {
        out.add(LayoutIndex.descriptor(n, describe()));
      }
      return out;
    }
  }

  @Override
  public OptionalLong blobSize(String repository, Digest digest) throws IOException {
    try {
      return OptionalLong.of(Files.size(blobPath(digest)));
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    }
  }

  /** Large reads and writes: fewer system calls, and SHA-256 runs on long runs of bytes. */
  private static final int COPY_BUFFER = 256 * 1024;
  private final java.util.Set<Digest> verifiedHere = java.util.concurrent.ConcurrentHashMap.newKeySet();

  @Override
  public InputStream openBlob(String repository, Descriptor blob) throws IOException {
    Path p = blobPath(blob.digest());
    InputStream raw;
    try {
      raw = Files.newInputStream(p);
    } catch (NoSuchFileException e) {
      throw new NotFoundException("blob " + blob.digest() + " is not in " + describe());
    }
    return new VerifyingInputStream(new BufferedInputStream(raw, 1 << 16), blob.digest(), blob.size(),
        "blob " + blob.digest() + " in " + describe());
  }

  @Override
  public void putBlob(String repository, Descriptor blob, BlobSource content) throws IOException {
    Path target = blobPath(blob.digest());
    if (Files.exists(target) && Files.size(target) == blob.size()) {
      return;
    }
    Path tmp = AtomicFiles.tempBeside(target);
    try {
      try (InputStream in = VerifyingInputStream.of(content.open(), blob.digest(), blob.size(),
              "blob " + blob.digest());
          OutputStream out = Files.newOutputStream(tmp)) {
        byte[] buf = new byte[COPY_BUFFER];
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
        }
      }
      AtomicFiles.moveIntoPlace(tmp, target);
      verifiedHere.add(blob.digest());
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** True for a blob this store object wrote itself, its digest checked while the bytes flowed in. */
  public boolean verifiedHere(Digest digest) {
    return verifiedHere.contains(digest);
  }

  /** Stores small bytes (a config, a manifest) under their digest. */
  public Descriptor putBytes(String mediaType, byte[] bytes) throws IOException {
    Descriptor d = Descriptor.of(mediaType, Digest.sha256(bytes), bytes.length);
    putBlob("", d, () -> new java.io.ByteArrayInputStream(bytes));
    return d;
  }

  @Override
  public RawManifest getManifest(String repository, String tagOrDigest) throws IOException {
    Descriptor d = resolve(repository, tagOrDigest)
        .orElseThrow(() -> new NotFoundException(
            "manifest " + refName(repository, tagOrDigest) + " is not in " + describe()));
    return readManifest(d);
  }

  private RawManifest readManifest(Descriptor d) throws IOException {
    Path p = blobPath(d.digest());
    byte[] bytes;
    try (InputStream in = Files.newInputStream(p)) {
      bytes = Json.readCapped(in, Json.MANIFEST_CAP, "manifest " + d.digest());
    } catch (NoSuchFileException e) {
      throw new NotFoundException("manifest " + d.digest() + " is not in " + describe());
    }
    if (d.size() > 0 && bytes.length != d.size()) {
      throw new DigestMismatchException("manifest " + d.digest() + " in " + describe() + " size",
          d.size() + " bytes", bytes.length + " bytes");
    }
    return RawManifest.of(bytes, d.mediaType(), d.digest(), "manifest " + d.digest() + " in " + describe());
  }

  @Override
  public Optional<Descriptor> resolve(String repository, String tagOrDigest) throws IOException {
    if (Digest.isValid(tagOrDigest)) {
      Digest dg = Digest.parse(tagOrDigest);
      synchronized (indexLock) {
        for (ObjectNode n : entries) {
          if (dg.toString().equals(n.path("digest").asText())) {
            return Optional.of(LayoutIndex.descriptor(n, describe()));
          }
        }
      }
      OptionalLong size = blobSize(repository, dg);
      if (size.isEmpty()) {
        return Optional.empty();
      }
      // a child manifest: the media type comes from its own body
      byte[] bytes;
      try (InputStream in = Files.newInputStream(blobPath(dg))) {
        bytes = Json.readCapped(in, Json.MANIFEST_CAP, "manifest " + dg);
      }
      return Optional.of(RawManifest.of(bytes, null, dg, "manifest " + dg).descriptor());
    }
    String name = refName(repository, tagOrDigest);
    synchronized (indexLock) {
      for (ObjectNode n : entries) {
        if (name.equals(n.path("annotations").path(Descriptor.REF_NAME).asText(null))) {
          return Optional.of(LayoutIndex.descriptor(n, describe()));
        }
      }
    }
    return Optional.empty();
  }

  @Override
  public void putManifest(String repository, RawManifest manifest, String tag) throws IOException {
    putManifest(repository, manifest, tag, d -> false);
  }

  /**
   * {@link #putManifest(String, RawManifest, String)}, where {@code storedElsewhere} names blobs that count as
   * stored though they are not in this layout (the exporter fetches large blobs straight into the bundle).
   */
  public void putManifest(String repository, RawManifest manifest, String tag,
      java.util.function.Predicate<Digest> storedElsewhere) throws IOException {
    for (Descriptor child : manifest.children()) {
      if (!hasBlob(repository, child.digest()) && !storedElsewhere.test(child.digest())
          && !isOptionalChild(manifest, child)) {
        throw new InvalidInputException("cannot store " + manifest.digest() + " in " + describe()
            + ": it references " + child.digest() + ", which is not stored yet");
      }
    }
    byte[] bytes = manifest.bytesUnsafe();
    putBlob(repository, manifest.descriptor(), () -> new java.io.ByteArrayInputStream(bytes));
    if (tag == null && manifest.subject() == null) {
      return;
    }
    Descriptor entry = Descriptor.of(manifest.mediaType(), manifest.digest(), manifest.size())
        .withArtifactType(manifest.artifactType());
    if (tag != null) {
      entry = entry.withAnnotation(Descriptor.REF_NAME, refName(repository, tag));
    }
    addIndexEntry(entry);
  }

  /**
   * Children of an index may be absent on purpose (platform filtering keeps the original index bytes
   * and only the selected children); foreign layers are never stored.
   */
  private static boolean isOptionalChild(RawManifest manifest, Descriptor child) {
    return manifest.isIndex() || MediaTypes.DOCKER_FOREIGN_LAYER.equals(child.mediaType()) || !child.urls().isEmpty();
  }

  /** Adds or replaces an {@code index.json} entry: same ref name replaces, same untagged digest is kept once. */
  public void addIndexEntry(Descriptor entry) throws IOException {
    synchronized (indexLock) {
      String name = entry.annotation(Descriptor.REF_NAME);
      List<ObjectNode> next = new ArrayList<>();
      for (ObjectNode n : entries) {
        String existing = n.path("annotations").path(Descriptor.REF_NAME).asText(null);
        boolean sameName = name != null && name.equals(existing);
        boolean sameUntagged = name == null && existing == null
            && entry.digest().toString().equals(n.path("digest").asText());
        if (!sameName && !sameUntagged) {
          next.add(n);
        }
      }
      next.add(entry.toTree());
      entries = next;
      writeIndex();
    }
  }

  /** Removes {@code index.json} entries with this ref name. */
  public void removeIndexEntry(String refName) throws IOException {
    synchronized (indexLock) {
      entries.removeIf(n -> refName.equals(n.path("annotations").path(Descriptor.REF_NAME).asText(null)));
      writeIndex();
    }
  }

  private void writeIndex() throws IOException {
    ObjectNode idx = Json.MAPPER.createObjectNode();
    idx.put("schemaVersion", 2);
    idx.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode arr = idx.putArray("manifests");
    entries.forEach(arr::add);
    AtomicFiles.write(root.resolve(INDEX_FILE), Json.write(idx));
  }

  /** The exact bytes of {@code index.json} as stored. */
  public byte[] indexBytes() throws IOException {
    synchronized (indexLock) {
      return Files.readAllBytes(root.resolve(INDEX_FILE));
    }
  }

  @Override
  public List<String> tags(String repository) {
    synchronized (indexLock) {
      return LayoutIndex.tags(entries, repository);
    }
  }

  @Override
  public List<Descriptor> referrers(String repository, Digest subject, String artifactType) throws IOException {
    return referrerScan.referrers(index(), subject, artifactType,
        d -> Files.exists(blobPath(d.digest())) ? readManifest(d) : null);
  }

  private static String refName(String repository, String tag) {
    return LayoutIndex.refName(repository, tag);
  }

  /**
   * Deletes blobs no {@code index.json} entry reaches (and stale temp files).
   *
   * @return the number of bytes freed
   */
  public long garbageCollect() throws IOException {
    Set<Digest> live = new HashSet<>();
    Deque<Descriptor> todo = new ArrayDeque<>(index());
    while (!todo.isEmpty()) {
      Descriptor d = todo.pop();
      if (!live.add(d.digest()) || !MediaTypes.isManifest(d.mediaType()) || !Files.exists(blobPath(d.digest()))) {
        continue;
      }
      RawManifest m = readManifest(d);
      todo.addAll(m.children());
    }
    long freed = 0;
    Path blobs = root.resolve("blobs");
    if (!Files.isDirectory(blobs)) {
      return 0;
    }
    List<Path> files;
    try (Stream<Path> s = Files.walk(blobs, 2)) {
      files = s.filter(Files::isRegularFile).toList();
    }
    for (Path f : files) {
      String alg = f.getParent().getFileName().toString();
      String name = f.getFileName().toString();
      boolean keep;
      if (name.startsWith(".")) {
        keep = false;
      } else {
        String ds = alg + ":" + name;
        keep = Digest.isValid(ds) && live.contains(Digest.parse(ds));
      }
      if (!keep) {
        freed += Files.size(f);
        Files.delete(f);
      }
    }
    return freed;
  }

  /** Checks every blob under {@code blobs/} hashes to its name; returns the first bad one's message. */
  public void verifyAllBlobs() throws IOException {
    Path blobs = root.resolve("blobs");
    List<Path> files;
    try (Stream<Path> s = Files.walk(blobs, 2)) {
      files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
    for (Path f : files) {
      String ds = f.getParent().getFileName() + ":" + f.getFileName();
      Digest d;
      try {
        d = Digest.parse(ds);
      } catch (InvalidInputException e) {
        throw new InvalidInputException("unexpected file in layout: " + root.relativize(f));
      }
      try (InputStream in = openBlob("", Descriptor.of("", d, Files.size(f)))) {
        in.transferTo(OutputStream.nullOutputStream());
      } catch (DigestMismatchException e) {
        throw new DigestMismatchException("blob " + root.relativize(f) + " content does not match its name",
            e.expected(), e.actual());
      }
    }
  }
}
