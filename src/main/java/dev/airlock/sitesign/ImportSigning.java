package dev.airlock.sitesign;

import dev.airlock.importer.BundleImporter;
import dev.airlock.importer.ImportItem;
import dev.airlock.importer.IndexPlacement;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code import --sign-with}: once the check after import has passed, signs every image the import wrote with the
 * site key (the manifest or index its tag stands for: a filtered index where one was written; and each platform
 * manifest of an index), recording the bundle and the verification that admitted it. Nothing is signed when
 * anything before failed: the importer runs this step only after the proof.
 */
public final class ImportSigning implements BundleImporter.AfterProof {
  private final SigningKey key;
  private final boolean legacyTag;
  private final String tool;
  private final Clock clock;
  private final List<SiteSigner.Signed> signed = new ArrayList<>();
  private String targetName = "";

  public ImportSigning(SigningKey key, boolean legacyTag, String tool, Clock clock) {
    this.key = key;
    this.legacyTag = legacyTag;
    this.tool = tool;
    this.clock = clock;
  }

  @Override
  public void proven(BundleImporter.Proven p) throws IOException {
    targetName = p.targetName();
    Admission admission = admission(p);
    Set<SiteSigner.Subject> subjects = subjects(p.plan().items(), p.placements());
    signed.addAll(new SiteSigner(key, legacyTag).sign(p.target(), p.targetName(), subjects, admission));
  }

  /** The site-key cluster policies for the images the import wrote ({@link dev.airlock.clusterpolicy.SiteKeyPolicies}). */
  @Override
  public List<String> emitConfig(Path dir, List<dev.airlock.mirrorconfig.MirrorConfigWriter.Image> images, boolean plainHttp)
      throws IOException {
    List<dev.airlock.clusterpolicy.SiteKeyPolicies.Image> out = new ArrayList<>();
    for (var i : images) {
      out.add(new dev.airlock.clusterpolicy.SiteKeyPolicies.Image(i.target(), i.digest().toString()));
    }
    return dev.airlock.clusterpolicy.SiteKeyPolicies.write(dir, key.publicKey(), out, plainHttp, legacyTag);
  }

  /** The images an import wrote, in plan order: what each tag stands for, then its platform manifests. */
  static Set<SiteSigner.Subject> subjects(List<ImportItem> items, List<IndexPlacement> placements) {
    Set<SiteSigner.Subject> out = new LinkedHashSet<>();
    for (ImportItem i : items) {
      Digest top = i.digest();
      for (IndexPlacement pl : placements) {
        if (pl.repository().equals(i.targetRepository()) && pl.reference().equals(i.targetReference())) {
          top = pl.pushed().digest();
        }
      }
      out.add(new SiteSigner.Subject(i.targetRepository(), top));
      for (Descriptor child : i.presentChildren()) {
        if (!dev.airlock.manifestlists.IndexChildren.isAttestation(child)) {
          out.add(new SiteSigner.Subject(i.targetRepository(), child.digest()));
        }
      }
    }
    return out;
  }

  private Admission admission(BundleImporter.Proven p) throws IOException {
    List<String> keyIds = new ArrayList<>();
    for (Path k : p.request().keys()) {
      keyIds.add(PublicKeys.keyId(PublicKeys.load(k)));
    }
    Digest policy = p.request().policy() == null ? null : sha256(p.request().policy());
    Path file = p.bundle().path();
    return new Admission(p.bundle().name(), p.bundle().rootDigest(), file == null ? null : file.getFileName().toString(),
        p.verification().signatureVerified(), keyIds, policy, p.verification().fullSummary(), p.targetName(),
        clock.instant(), tool);
  }

  private static Digest sha256(Path file) throws IOException {
    return Digest.sha256(file);
  }

  /** What was signed, in order. */
  public List<SiteSigner.Signed> signed() {
    return List.copyOf(signed);
  }

  /** One line per signed image. */
  public List<String> lines() {
    List<String> out = new ArrayList<>();
    String keyId = PublicKeys.keyId(key.publicKey()).substring(0, 12);
    for (SiteSigner.Signed s : signed) {
      out.add(targetName + (s.repository().isEmpty() ? "" : "/" + s.repository()) + "@" + s.image() + " signed with key " + keyId + ": sigstore bundle "
          + s.referrer().shortForm() + (s.legacyTag() == null ? "" : ", tag " + s.legacyTag()));
    }
    return out;
  }
}
