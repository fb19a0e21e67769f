package dev.airlock.cli;

import dev.airlock.sitesign.Admission;
import dev.airlock.sitesign.SiteSignatureVerifier;
import dev.airlock.store.Location;
import dev.airlock.verify.keys.PublicKeys;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "verify-image", mixinStandardHelpOptions = true,
    description = {"Check an image's signatures against public keys, as cosign verify --key does: its Sigstore bundle"
        + " referrers (found with the referrers API or the sha256-<hex> fallback tag) and, with --legacy, its .sig tag.",
        "REF is host[:port]/repo:tag, repo@digest, or oci:DIR:REF. Prints what each verified signature records"
            + " (the bundle and verification that admitted the image, for a site signature). Exit 0, or 3 with one"
            + " line when no signature verifies."})
final class VerifyImageCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REF") String ref;

  @Option(names = "--key", required = true, paramLabel = "PUB", description = "Public key (PEM) a signature must"
      + " verify with (repeatable: any of them).")
  List<Path> keys = new ArrayList<>();

  @Option(names = "--legacy", description = "Also check cosign's legacy sha256-<hex>.sig tag.")
  boolean legacy;

  @Mixin RegistryOptionsMixin registry = new RegistryOptionsMixin();

  @Override
  public Integer call() throws Exception {
    List<PublicKey> pubs = new ArrayList<>();
    for (Path k : keys) {
      pubs.add(PublicKeys.load(k));
    }
    Location loc = Location.parse(ref);
    try (Locations.OpenedLocation opened = Locations.open(loc, Locations.Mode.READ, registry.toOptions(System.in))) {
      if (!opened.hasReference()) {
        throw new dev.airlock.InvalidInputException(ref + " names no image: add :TAG or @DIGEST");
      }
      String repository = opened.repository();
      String reference = opened.reference();
      int colon = reference.lastIndexOf(':');
      if (loc.kind() != Location.Kind.REGISTRY && repository.isEmpty() && !dev.airlock.oci.Digest.isValid(reference)
          && colon > 0 && !reference.substring(colon).contains("/")) {
        // a layout airlock imported into names images REPO:TAG: the repository is what its .sig tag is under
        repository = reference.substring(0, colon);
        reference = reference.substring(colon + 1);
      }
      SiteSignatureVerifier.Result r = SiteSignatureVerifier.verify(opened.store(), repository, reference, pubs, legacy);
      PrintWriter out = spec.commandLine().getOut();
      for (SiteSignatureVerifier.Verified v : r.verified()) {
        Admission a = v.admission();
        out.println("ok  " + v.form() + " " + v.signature().shortForm() + (a == null ? "" : ": " + a.describe()));
      }
      out.println("Verified OK: " + ref + " (" + r.image() + "), " + r.verified().size() + " signature(s)");
      out.flush();
    }
    return ExitCodes.OK;
  }
}
