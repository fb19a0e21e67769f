package dev.airlock.cli;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Platform;
import dev.airlock.progress.ProgressListener;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.ContentStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.store.Location;
import dev.airlock.transfer.GraphCopier;
import dev.airlock.transfer.GraphRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "copy", mixinStandardHelpOptions = true,
    description = {"Copy an image or index with everything it references between locations, digest-preserving.",
        "Locations: a registry reference (host/repo:tag, host/repo@digest) or oci:DIR[:REF]."})
final class CopyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SRC") String src;
  @Parameters(index = "1", paramLabel = "DST") String dst;

  @Option(names = "--referrers", description = "Also copy referrers (signatures, SBOMs, attestations), recursively.")
  boolean referrers;

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
      description = "Copy only these platforms of an index (repeatable); the index keeps its bytes.")
  List<String> platforms = List.of();

  @Option(names = {"-j", "--jobs"}, paramLabel = "N", description = "Blobs in flight (default: ${DEFAULT-VALUE}).")
  int jobs = GraphCopier.defaultParallelism();

  @Mixin RegistryOptionsMixin registryOptions;

  /** An opened location: the store, the repository in it and the tag or digest. */
  private record Opened(ContentStore store, String repository, String ref) {}

  @Override
  public Integer call() throws IOException {
    RegistryOptions opts = registryOptions.toOptions(System.in);
    Location from = Location.parse(src);
    Location to = Location.parse(dst);
    List<Platform> wanted = platforms.stream().map(Platform::parse).toList();
    AtomicLong bytes = new AtomicLong();
    ProgressListener progress = new ProgressListener() {
      @Override
      public void bytes(long n) {
        bytes.addAndGet(n);
      }
    };
    GraphCopier.Options copyOptions = GraphCopier.Options.defaults().withReferrers(referrers)
        .withPlatforms(wanted).withParallelism(jobs).withProgress(progress);
    Opened s = open(from, opts, false);
    try (ContentStore srcStore = s.store()) {
      Opened d = open(to, opts, true);
      String dstTag = d.ref();
      if (dstTag == null && !dev.airlock.oci.Digest.isValid(s.ref())) {
        dstTag = s.ref();
      }
      if (dstTag != null && dev.airlock.oci.Digest.isValid(dstTag)) {
        dstTag = null;
      }
      try (ContentStore dstStore = d.store(); GraphCopier copier = new GraphCopier(dstStore, copyOptions)) {
        GraphRecord rec = copier.copy(srcStore, s.repository(), s.ref(), d.repository(), dstTag);
        long copied = rec.blobs().stream().filter(GraphRecord.BlobSeen::transferred).map(GraphRecord.BlobSeen::digest)
            .distinct().count();
        long skipped = rec.blobs().stream().map(GraphRecord.BlobSeen::digest).distinct().count() - copied;
        long manifests = rec.manifests().stream().map(GraphRecord.ManifestSeen::digest).distinct().count();
        spec.commandLine().getOut().printf("copied %s %s -> %s: %d manifest(s), %d blob(s) copied, %d skipped,"
                + " %d bytes, %d referrer(s)%n", rec.root().mediaType(), rec.root().digest(), to, manifests, copied,
            skipped, bytes.get(), rec.referrers().size());
        spec.commandLine().getOut().flush();
      }
    }
    return ExitCodes.OK;
  }

  /** Registry references and {@code oci:DIR[:REF]}; the lead unifies this with Locations at merge. */
  private static Opened open(Location loc, RegistryOptions opts, boolean forWriting) throws IOException {
    switch (loc.kind()) {
      case REGISTRY -> {
        var ref = loc.reference();
        RegistryStore store = RegistryStore.open(ref, opts);
        String id = ref.digest() != null ? ref.digest().toString() : ref.tag();
        if (id == null) {
          id = forWriting ? null : "latest";
        }
        return new Opened(store, ref.repository(), id);
      }
      case OCI -> {
        if (forWriting) {
          return new Opened(LayoutStore.openOrCreate(loc.path()), "", loc.refName());
        }
        if (!Files.isDirectory(loc.path())) {
          throw new InvalidInputException("no OCI layout at " + loc.path());
        }
        LayoutStore layout = LayoutStore.open(loc.path());
        String ref = loc.refName();
        if (ref == null) {
          List<Descriptor> entries = layout.index().stream()
              .filter(e -> dev.airlock.oci.MediaTypes.isManifest(e.mediaType())).toList();
          if (entries.size() != 1) {
            layout.close();
            throw new InvalidInputException(loc + " holds " + entries.size() + " images; name one as oci:DIR:REF");
          }
          ref = entries.get(0).digest().toString();
        }
        return new Opened(layout, "", ref);
      }
      default -> {
        Locations.OpenedLocation o = Locations.open(loc, forWriting ? Locations.Mode.WRITE : Locations.Mode.READ, opts);
        if (o.reference() == null) {
          o.close();
          throw new InvalidInputException(loc + ": name the image to copy as " + loc + ":REF");
        }
        return new Opened(o.store(), o.repository(), o.reference());
      }
    }
  }
}
