package dev.airlock.serve;

import dev.airlock.delta.DeltaCatalog;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.VerifyingInputStream;
import dev.airlock.store.ContentStore;
import dev.airlock.store.ForwardingStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A delta bundle served with bases ({@code airlock serve DELTA --base BUNDLE|oci:DIR ...}): what the delta carries
 * is served from it; a blob it left out ({@code expected_blobs} of its signed catalog, at the size recorded there)
 * is answered from the first base holding it at that size, hashed while it is sent. The last chunk of a blob is
 * only handed to the connection once the digest matched, so a base whose bytes are wrong never delivers a whole
 * blob: the response is cut short (the client sees fewer bytes than {@code Content-Length}) and the log names the
 * base and the digest. A {@code Range} of a base blob is sent only after the whole blob was hashed. Nothing else of a
 * base is served (its manifests, tags and other blobs stay out). The catalog stays in a temporary file, looked up
 * per request: nothing grows with the number of expected blobs.
 */
public final class DeltaWithBases implements ServedContent {
  /** A base as opened, with a name for messages. */
  public record Base(String name, ServedContent content) {}

  private final ServedContent delta;
  private final List<Base> bases;
  private final DeltaCatalog catalog;
  private final Path catalogFile;
  private final ContentStore store;
  private volatile java.util.function.Consumer<String> log = line -> {};

  private DeltaWithBases(ServedContent delta, List<Base> bases, DeltaCatalog catalog, Path catalogFile) {
    this.delta = delta;
    this.bases = List.copyOf(bases);
    this.catalog = catalog;
    this.catalogFile = catalogFile;
    this.store = new ForwardingStore(delta.store()) {
      @Override
      public OptionalLong blobSize(String repository, Digest digest) throws IOException {
        OptionalLong s = delegate.blobSize(repository, digest);
        if (s.isPresent()) {
          return s;
        }
        OptionalLong expected = catalog.expected(digest);
        return expected.isPresent() && baseHolding(digest, expected.getAsLong()) != null ? expected
            : OptionalLong.empty();
      }

      @Override
      public InputStream openBlob(String repository, Descriptor blob) throws IOException {
        if (delegate.blobSize(repository, blob.digest()).isPresent()) {
          return delegate.openBlob(repository, blob);
        }
        OptionalLong expected = catalog.expected(blob.digest());
        Base b = expected.isPresent() ? baseHolding(blob.digest(), expected.getAsLong()) : null;
        if (b == null) {
          throw new dev.airlock.NotFoundException("blob " + blob.digest() + " is neither in the delta nor in a base");
        }
        long size = expected.getAsLong();
        java.util.function.Consumer<String> say = log;
        return VerifyingInputStream.checkedBeforeLastChunk(b.content().store().openBlob("",
            Descriptor.of(blob.mediaType(), blob.digest(), size)), blob.digest(), size,
            "blob " + blob.digest() + " of base " + b.name())
            .onMismatch(e -> say.accept("airlock serve: " + e.getMessage() + "; not sent whole (the response is cut short)"));
      }

      @Override
      public void close() {
        // closed with the served content
      }
    };
  }

  /**
   * Serves {@code delta} with {@code bases}; the delta's catalog is read from {@code deltaPath}. When the bundle is
   * not a delta, the bases are refused in one line.
   */
  public static DeltaWithBases open(Path deltaPath, ServedContent delta, List<Base> bases) throws IOException {
    Path tmp = Files.createTempFile("airlock-serve-delta-", ".db");
    try {
      dev.airlock.bundle.BundleArchive.extractCatalog(deltaPath, tmp);
      DeltaCatalog c = DeltaCatalog.open(tmp);
      if (c == null) {
        throw new dev.airlock.InvalidInputException(deltaPath + " is not a delta bundle (it leaves nothing out):"
            + " --base has nothing to answer");
      }
      return new DeltaWithBases(delta, bases, c, tmp);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  /**
   * {@code airlock serve DELTA --base SPEC...}: each base (a bundle, verified as the delta is, with the same keys,
   * or a layout directory, {@code oci:DIR} or {@code DIR}) opened; {@code say} gets a line per base and the coverage.
   */
  public static DeltaWithBases open(Path deltaPath, ServedContent delta, List<String> specs,
      List<java.security.PublicKey> keys, boolean allowUnsigned, java.util.function.Consumer<String> say)
      throws IOException {
    if (!Files.isRegularFile(deltaPath) && !dev.airlock.bundle.parts.PartSet.isPartSet(deltaPath)) {
      throw new dev.airlock.InvalidInputException("--base goes with a delta bundle; " + deltaPath
          + " is a layout directory");
    }
    List<Base> opened = new ArrayList<>();
    try {
      for (String spec : specs) {
        Path p = Path.of(spec.startsWith("oci:") ? spec.substring(4) : spec);
        if (Files.isRegularFile(p) || dev.airlock.bundle.parts.PartSet.isPartSet(p)) {
          if (keys.isEmpty() && !allowUnsigned) {
            throw new dev.airlock.InvalidInputException("--base " + spec + " is a bundle: it is verified first, so"
                + " give --key PUB or --allow-unsigned");
          }
          ServedBundleCheck.Checked c = ServedBundleCheck.check(p, keys, allowUnsigned);
          say.accept("verified base " + p.getFileName() + ": " + c.summary());
          opened.add(new Base(spec, ServedContent.open(p, c.expandedBound())));
        } else if (Files.isDirectory(p)) {
          opened.add(new Base(spec, ServedContent.open(p)));
        } else {
          throw new dev.airlock.InvalidInputException("--base " + spec + " does not exist (expected a bundle or an"
              + " OCI layout directory)");
        }
      }
      DeltaWithBases d = open(deltaPath, delta, opened);
      d.log = say;
      long[] c = d.coverage();
      say.accept("delta bundle: " + c[0] + " blobs it left out are answered from " + specs.size() + " base"
          + (specs.size() == 1 ? "" : "s") + " (" + String.join(", ", specs) + "), each hashed while sent"
          + (c[1] == 0 ? "" : "; " + c[1] + " of them are in no base and answered 404 BLOB_UNKNOWN"));
      return d;
    } catch (IOException | RuntimeException e) {
      for (Base b : opened) {
        try {
          b.content().close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  private Base baseHolding(Digest d, long size) throws IOException {
    for (Base b : bases) {
      OptionalLong s = b.content().store().blobSize("", d);
      if (s.isPresent() && s.getAsLong() == size) {
        return b;
      }
    }
    return null;
  }

  /** How many expected blobs no base holds at the recorded size, out of how many (for the start-up line). */
  public long[] coverage() throws IOException {
    long total = 0;
    long missing = 0;
    int page = 1024;
    String after = "";
    while (true) {
      List<Descriptor> blobs = catalog.expectedBlobsAfter(after, page);
      if (blobs.isEmpty()) {
        break;
      }
      for (Descriptor b : blobs) {
        total++;
        if (baseHolding(b.digest(), b.size()) == null) {
          missing++;
        }
      }
      after = blobs.get(blobs.size() - 1).digest().toString();
    }
    return new long[] {total, missing};
  }

  public List<Base> bases() {
    return bases;
  }

  @Override
  public ContentStore store() {
    return store;
  }

  @Override
  public List<Descriptor> indexEntries() throws IOException {
    return delta.indexEntries();
  }

  @Override
  public Optional<BlobRegion> region(Digest digest) throws IOException {
    return delta.region(digest); // a base blob is streamed (and hashed), never sent by position
  }

  @Override
  public void beforePartial(Digest digest, long length) throws IOException {
    if (delta.store().blobSize("", digest).isPresent()) {
      return;
    }
    try (InputStream in = store.openBlob("", Descriptor.of("application/octet-stream", digest, length))) {
      in.transferTo(java.io.OutputStream.nullOutputStream()); // hashed whole before a range of it is sent
    }
  }

  @Override
  public void close() throws IOException {
    List<IOException> failures = new ArrayList<>();
    catalog.close();
    for (Base b : bases) {
      try {
        b.content().close();
      } catch (IOException e) {
        failures.add(e);
      }
    }
    try {
      delta.close();
    } finally {
      Files.deleteIfExists(catalogFile);
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
  }
}
