package dev.airlock.verify.sigstore;

import dev.airlock.InvalidInputException;
import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.sigstore.trustroot.SigstoreConfigurationException;
import dev.sigstore.trustroot.SigstoreTrustedRoot;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/** A Sigstore {@code trusted_root.json} (Fulcio CAs, Rekor and CT log keys, TSAs) and where it came from. */
public final class TrustRoot {
  private final SigstoreTrustedRoot root;
  private final Digest digest;
  private final String source;
  private final TrustedRootWindows windows;
  private final byte[] json;

  private TrustRoot(SigstoreTrustedRoot root, Digest digest, String source, TrustedRootWindows windows, byte[] json) {
    this.json = json;
    this.root = root;
    this.digest = digest;
    this.source = source;
    this.windows = windows;
  }

  /**
   * Parses trusted_root.json bytes.
   *
   * @param pinnedSha256 when not null, the bytes must hash to this (hex sha256 or sha256:hex)
   */
  public static TrustRoot of(byte[] bytes, String source, String pinnedSha256) {
    Digest d = Digest.sha256(bytes);
    if (pinnedSha256 != null) {
      String pin = pinnedSha256.startsWith("sha256:") ? pinnedSha256 : "sha256:" + pinnedSha256;
      if (!Digest.isValid(pin)) {
        throw new InvalidInputException("pinned trusted root digest '" + pinnedSha256 + "' is not a sha256 digest");
      }
      if (!Digest.parse(pin).equals(d)) {
        throw new VerificationException("trusted root " + source + " has digest " + d + ", the policy pins " + pin);
      }
    }
    TrustedRootWindows windows = TrustedRootWindows.read(dev.airlock.oci.Json.tree(bytes, source), source);
    try (InputStream in = new ByteArrayInputStream(bytes)) {
      return new TrustRoot(SigstoreTrustedRoot.from(in), d, source, windows, bytes.clone());
    } catch (SigstoreConfigurationException | IOException | RuntimeException e) {
      throw new InvalidInputException(source + " is not a valid Sigstore trusted root: " + e.getMessage());
    }
  }

  public static TrustRoot load(Path file, String pinnedSha256) throws IOException {
    return of(dev.airlock.files.BoundedFile.read(file, dev.airlock.files.BoundedFile.LARGE_DOCUMENT_CAP, "trusted root"), file.toString(), pinnedSha256);
  }

  /** The trusted_root.json bytes this was read from (a few KiB). */
  public byte[] json() {
    return json.clone();
  }

  public SigstoreTrustedRoot sigstore() {
    return root;
  }

  public Digest digest() {
    return digest;
  }

  /** The validity windows, each with its required start. */
  TrustedRootWindows windows() {
    return windows;
  }

  public String source() {
    return source;
  }
}
