package dev.airlock.cli;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.sigstore.CertificateIdentity;
import dev.airlock.verify.sigstore.SigstoreBundleVerifier;
import dev.airlock.verify.sigstore.TrustRoot;
import dev.airlock.verify.tuf.OfflineTufClient;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "verify-blob", mixinStandardHelpOptions = true,
    description = {"Verify a Sigstore bundle over a file, offline (like cosign verify-blob).",
        "Keyless needs --trusted-root, or --tuf-repo with --tuf-root; keyed needs --key. Exit 0, or 3 when it fails."})
final class VerifyBlobCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE") Path file;

  @Option(names = "--bundle", required = true, paramLabel = "B.sigstore.json") Path bundle;

  @Option(names = "--trusted-root", paramLabel = "T.json") Path trustedRoot;

  @Option(names = "--tuf-repo", paramLabel = "DIR") Path tufRepo;

  @Option(names = "--tuf-root", paramLabel = "R.json", description = "Pinned TUF root (default: sigstore-java's embedded root).")
  Path tufRoot;

  @Option(names = "--at", paramLabel = "TIME", description = "Validation time for TUF metadata (RFC 3339; default now).")
  String at;

  @Option(names = "--certificate-identity") String identity;

  @Option(names = "--certificate-identity-regexp") String identityRegexp;

  @Option(names = "--certificate-oidc-issuer") String issuer;

  @Option(names = "--key", paramLabel = "PUB") Path key;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException("file " + file + " does not exist or is not a file");
    }
    if (!Files.isRegularFile(bundle)) {
      throw new InvalidInputException("bundle " + bundle + " does not exist or is not a file");
    }
    byte[] bundleBytes = dev.airlock.files.BoundedFile.read(bundle, Json.MANIFEST_CAP, "Sigstore bundle");
    Digest digest;
    if (key != null) {
      if (identity != null || identityRegexp != null) {
        throw new InvalidInputException("give either --key or a certificate identity, not both");
      }
      // one streaming pass: hash and signature check together, memory flat
      digest = SigstoreBundleVerifier.verifyKeyedFile(file, bundleBytes, List.of(PublicKeys.load(key)));
    } else {
      digest = sha256(file);
      CertificateIdentity id = new CertificateIdentity(identity, identityRegexp, issuer);
      TrustRoot root;
      if (trustedRoot != null) {
        root = TrustRoot.load(trustedRoot, null);
      } else if (tufRepo != null) {
        Instant when = at == null ? Instant.now() : Instant.parse(at);
        root = TrustRoot.of(OfflineTufClient.trustedRoot(tufRepo, tufRoot, when), "trusted_root.json from " + tufRepo, null);
      } else {
        throw new InvalidInputException("keyless verification needs --trusted-root or --tuf-repo");
      }
      SigstoreBundleVerifier.verifyKeyless(digest, bundleBytes, root, id);
    }
    spec.commandLine().getOut().println("Verified OK: " + file + " (" + digest + ")");
    return ExitCodes.OK;
  }

  private static Digest sha256(Path file) throws java.io.IOException {
    return Digest.sha256(file);
  }
}
