package dev.airlock.importer;

import dev.airlock.AirlockException;
import dev.airlock.VerificationException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.verify.integrity.ParallelChecks;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
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
    long manifests = 0;
    Set<Digest> seen = new HashSet<>();
    Deque<Descriptor> todo = new ArrayDeque<>(bundle.entries());
    List<ParallelChecks.Job> blobs = new ArrayList<>();
    try {
      while (!todo.isEmpty()) {
        Descriptor d = todo.pop();
        if (!seen.add(d.digest())) {
          continue;
        }
        if (MediaTypes.isManifest(d.mediaType())) {
          RawManifest m = bundle.store().getManifest("", d.digest().toString());
          manifests++;
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
          blobs.add(ParallelChecks.readToEnd(bundle.store(), d));
        }
      }
      // every blob hashed once, on every processor, the largest first; the first failing in walk order is named
      ParallelChecks.run(blobs, ParallelChecks.defaultThreads());
    } catch (DigestMismatchException e) {
      throw new VerificationException("bundle " + bundle.path() + " failed its integrity check: " + e.getMessage(), e);
    } catch (AirlockException e) {
      if (e instanceof VerificationException v) {
        throw v;
      }
      throw new VerificationException("bundle " + bundle.path() + " failed its integrity check: " + e.getMessage(), e);
    }
    return new Outcome(false, "integrity verified (" + manifests + " manifests, " + blobs.size()
        + " blobs hash to their digests); signature NOT checked (--allow-unsigned)");
  }
}
