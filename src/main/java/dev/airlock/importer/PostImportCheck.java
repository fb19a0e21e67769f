package dev.airlock.importer;

import dev.airlock.AirlockException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.store.ContentStore;
import dev.airlock.transfer.GraphRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Re-reads the target after an import and proves it: every tag resolves to the bundle's digest, every
 * platform child is there, every signature, SBOM and attestation is discoverable (through the referrers
 * API or fallback tag as the target does it, or by its cosign tag).
 */
final class PostImportCheck {
  record Proof(List<String> lines, List<String> failures) {
    boolean ok() {
      return failures.isEmpty();
    }
  }

  /**
   * One item as copied: {@code expected} is what its reference must resolve to (the original, or the filtered
   * index that stands for a sparse one); {@code platformTags}: its carried platforms are tagged too.
   */
  record Copied(ImportItem item, List<GraphRecord> records, Digest expected, boolean platformTags) {}

  /** The carried platforms of a sparse index that get a platform tag (buildx attestations do not). */
  static List<Descriptor> platformTagged(ImportItem i) {
    return i.presentChildren().stream().filter(c -> !dev.airlock.manifestlists.IndexChildren.isAttestation(c)).toList();
  }

  static Proof check(ContentStore target, String targetName, List<Copied> copied) throws IOException {
    List<String> lines = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (Copied c : copied) {
      ImportItem i = c.item();
      String repo = i.targetRepository();
      expect(target, repo, i.targetTag() != null ? i.targetTag() : c.expected().toString(), c.expected(), targetName,
          lines, failures);
      for (Descriptor child : i.presentChildren()) {
        if (!present(target, repo, child.digest().toString(), child.digest())) {
          failures.add(targetName + "/" + repo + "@" + child.digest() + " (" + child.platform() + ") is missing");
        }
      }
      if (!i.presentChildren().isEmpty()) {
        lines.add("ok  " + targetName + "/" + repo + ": " + i.presentChildren().size() + " platform manifests present"
            + (i.absentChildren().isEmpty() ? "" : " (" + i.absentChildren().size() + " left out of the bundle)"));
      }
      if (c.platformTags() && i.sparse()) {
        for (Descriptor child : platformTagged(i)) {
          expect(target, repo, ImportItem.platformTag(i.targetTag(), child), child.digest(), targetName, lines, failures);
        }
      }
      for (GraphRecord r : c.records()) {
        for (GraphRecord.ReferrerSeen ref : r.referrers()) {
          String what = ref.kind().id() + " " + ref.digest().shortForm() + " of " + ref.subject().shortForm();
          if (ref.tag() != null) {
            if (present(target, repo, ref.tag(), ref.digest())) {
              lines.add("ok  " + what + " at " + targetName + "/" + repo + ":" + ref.tag());
            } else {
              failures.add(what + ": tag " + ref.tag() + " does not resolve to it in " + targetName + "/" + repo);
            }
          } else if (listed(target, repo, ref.subject(), ref.digest())) {
            lines.add("ok  " + what + " discoverable as a referrer in " + targetName + "/" + repo);
          } else {
            failures.add(what + " is not discoverable as a referrer in " + targetName + "/" + repo);
          }
        }
      }
    }
    return new Proof(lines, failures);
  }

  private static void expect(ContentStore target, String repo, String ref, Digest digest, String targetName,
      List<String> lines, List<String> failures) throws IOException {
    String name = targetName + "/" + repo + (ref.contains(":") ? "@" : ":") + ref;
    Optional<Descriptor> d = resolve(target, repo, ref);
    if (d.isEmpty()) {
      failures.add(name + " is missing (expected " + digest + ")");
    } else if (!d.get().digest().equals(digest)) {
      failures.add(name + " resolves to " + d.get().digest() + ", expected " + digest);
    } else {
      lines.add("ok  " + name + " -> " + digest);
    }
  }

  private static boolean present(ContentStore target, String repo, String ref, Digest digest) throws IOException {
    Optional<Descriptor> d = resolve(target, repo, ref);
    return d.isPresent() && d.get().digest().equals(digest);
  }

  private static Optional<Descriptor> resolve(ContentStore target, String repo, String ref) throws IOException {
    try {
      return target.resolve(repo, ref);
    } catch (dev.airlock.registry.RegistryException e) {
      if (e.status() == 0 || dev.airlock.registry.http.RegistryHttp.retryableStatus(e.status())) {
        throw e; // the registry could not be asked (its retries used up): that is not "missing"
      }
      return Optional.empty();
    } catch (AirlockException e) {
      return Optional.empty();
    }
  }

  private static boolean listed(ContentStore target, String repo, Digest subject, Digest referrer) throws IOException {
    return target.referrers(repo, subject, null).stream().anyMatch(x -> x.digest().equals(referrer));
  }

}
