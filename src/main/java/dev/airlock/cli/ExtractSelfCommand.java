package dev.airlock.cli;

import dev.airlock.InvalidInputException;
import dev.airlock.VerificationException;
import dev.airlock.bundle.BundleArchive;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.bundle.SelfDistribution;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.VerifyingInputStream;
import dev.airlock.store.AtomicFiles;
import dev.airlock.verify.OfflineVerifier;
import dev.airlock.verify.VerificationReport;
import dev.airlock.verify.VerifyOptions;
import dev.airlock.verify.keys.PublicKeys;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Takes airlock's own distribution out of a bundle written with {@code bundle --include-self}: verifies the
 * bundle as {@code verify} does (every blob, the distribution's among them, and the signature against the
 * pinned keys), then writes the tarball and its .sha256 into DIR and unpacks it there, the tarball hashed
 * again while it is read. Nothing is written when verification fails.
 */
@Command(name = "extract-self", mixinStandardHelpOptions = true,
    description = {"Take the airlock distribution carried in a bundle (bundle --include-self) out of it, after",
        "verifying the bundle: writes DIR/airlock-VERSION-linux-ARCH.tar.gz (+ .sha256) and unpacks it as",
        "DIR/airlock-VERSION-linux-ARCH/, whose bin/airlock runs with no Java installed."})
final class ExtractSelfCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", converter = BundlePathConverter.class, paramLabel = "BUNDLE", description = "The bundle tarball.")
  Path bundle;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Where to write and unpack it.")
  Path dir;

  @Option(names = "--key", paramLabel = "PUB", description = "Pinned public key of the bundle signature (repeatable).")
  List<Path> keys = new ArrayList<>();

  @Option(names = "--allow-unsigned", description = "Accept a bundle without signature (or without --key): its"
      + " integrity is still checked.")
  boolean allowUnsigned;

  @Option(names = "--platform", paramLabel = "linux-ARCH", description = "Which distribution, when the bundle carries"
      + " several (default: this machine's, linux-x86_64 or linux-aarch64).")
  String platform;

  @Option(names = "--no-unpack", description = "Write the tarball and its .sha256 only.")
  boolean noUnpack;

  @Override
  public Integer call() throws Exception {
    List<PublicKey> pks = new ArrayList<>();
    for (Path k : keys) {
      pks.add(PublicKeys.load(k));
    }
    VerificationReport report = OfflineVerifier.verify(bundle, VerifyOptions.withKeys(pks).withAllowUnsigned(allowUnsigned));
    if (!report.passed()) {
      throw new VerificationException("verification failed, nothing was extracted: " + report.firstFailure());
    }
    Descriptor layer = choose(SelfDistribution.layers(BundleArchive.metadataLayers(bundle)));
    String title = layer.annotation(Descriptor.TITLE);
    Files.createDirectories(dir);
    Path tarball = dir.resolve(title);
    // the tarball, hashed while it is copied out (the bundle verified a moment ago; this binds what is written)
    Path tmp = AtomicFiles.tempBeside(tarball);
    try {
      try (InputStream in = new VerifyingInputStream(BundleArchive.open(bundle, layer.digest().blobPath()), layer.digest(),
          layer.size(), title + " in " + bundle)) {
        Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      AtomicFiles.moveIntoPlace(tmp, tarball);
    } finally {
      Files.deleteIfExists(tmp);
    }
    AtomicFiles.write(dir.resolve(title + ".sha256"), (layer.digest().hex() + "  " + title + "\n").getBytes(StandardCharsets.UTF_8));
    for (Path p : List.of(tarball, dir.resolve(title + ".sha256"))) {
      Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println("verified: " + bundle + " (" + report.checks().stream().filter(c -> c.name().equals("bundle signature"))
        .map(VerificationReport.Check::detail).findFirst().orElse("") + ")");
    out.println("tarball:  " + tarball + " (sha256 " + layer.digest().hex() + ")");
    if (!noUnpack) {
      Path unpacked;
      try (InputStream in = new VerifyingInputStream(Files.newInputStream(tarball), layer.digest(), layer.size(),
          title + " in " + dir)) {
        unpacked = SelfDistribution.unpack(in, layer, dir);
      }
      out.println("unpacked: " + unpacked + " (run " + unpacked.resolve("bin/airlock") + ")");
    }
    out.flush();
    return ExitCodes.OK;
  }

  private Descriptor choose(List<Descriptor> layers) {
    if (layers.isEmpty()) {
      throw new InvalidInputException(bundle + " carries no airlock distribution (it was written without --include-self)");
    }
    String want = platform != null ? platform : thisPlatform();
    List<String> have = new ArrayList<>();
    for (Descriptor d : layers) {
      String p = d.annotation(BundleFormat.ANNOTATION_DISTRIBUTION_PLATFORM);
      have.add(p + " (airlock " + d.annotation(BundleFormat.ANNOTATION_DISTRIBUTION_VERSION) + ")");
      if (want.equals(p)) {
        return d;
      }
    }
    throw new InvalidInputException(bundle + " carries no airlock distribution for " + want + "; it has "
        + String.join(", ", have) + (platform == null ? " (choose one with --platform)" : ""));
  }

  static String thisPlatform() {
    String a = System.getProperty("os.arch", "");
    return "linux-" + (a.equals("amd64") || a.equals("x86_64") ? "x86_64" : a.equals("aarch64") || a.equals("arm64") ? "aarch64" : a);
  }
}
