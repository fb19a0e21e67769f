package dev.airlock.importer;

import dev.airlock.AirlockException;
import dev.airlock.VerificationException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

/**
 * Integrity only, for a bundle given as a layout directory: every manifest and blob reachable from
 * index.json is present (an index's children may be absent: platform filtering) and hashes to its digest.
 * It checks no signature, so unless {@code --allow-unsigned} is given it fails closed.
 */
public final class IntegrityVerifier implements BundleVerifier {
  @Override
  public Outcome verify(BundleContent bundle, Request request) throws IOException {
    if (!request.allowUnsigned() || !request.keys().isEmpty() || request.policy() != null) {
      throw new VerificationException(bundle.path() + " is a layout directory, which carries no bundle signature;"
          + " nothing was imported (give the bundle tarball, or rerun with --allow-unsigned and no --key/--policy"
          + " to import the directory with integrity checks only)");
    }
    long[] counted = new long[2];
    Set<Digest> seen = new HashSet<>();
    Deque<Descriptor> todo = new ArrayDeque<>(bundle.entries());
    try {
      while (!todo.isEmpty()) {
        Descriptor d = todo.pop();
        if (!seen.add(d.digest())) {
          continue;
        }
        if (MediaTypes.isManifest(d.mediaType())) {
          RawManifest m = bundle.store().getManifest("", d.digest().toString());
          counted[0]++;
          for (Descriptor c : m.children()) {
            if (m.isIndex() && !bundle.store().hasBlob("", c.digest())) {
              continue; // left out by a platform filter
            }
            if (MediaTypes.DOCKER_FOREIGN_LAYER.equals(c.mediaType()) || !c.urls().isEmpty()) {
              continue;
            }
            todo.push(c);
          }
        } else {
          try (InputStream in = bundle.store().openBlob("", d)) {
            in.transferTo(OutputStream.nullOutputStream());
          }
          counted[1]++;
        }
      }
    } catch (DigestMismatchException e) {
      throw new VerificationException("bundle " + bundle.path() + " failed its integrity check: " + e.getMessage(), e);
    } catch (AirlockException e) {
      if (e instanceof VerificationException v) {
        throw v;
      }
      throw new VerificationException("bundle " + bundle.path() + " failed its integrity check: " + e.getMessage(), e);
    }
    return new Outcome(false, "integrity verified (" + counted[0] + " manifests, " + counted[1]
        + " blobs hash to their digests); signature NOT checked (--allow-unsigned)");
  }
}
