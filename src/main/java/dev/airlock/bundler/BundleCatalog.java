package dev.airlock.bundler;

import dev.airlock.bundle.BundleSpec;
import dev.airlock.catalog.CatalogWriter;
import dev.airlock.charts.ChartImageFinder;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.transfer.GraphRecord;
import dev.airlock.transfer.ReferrerKind;
import java.io.IOException;
import java.util.List;

/** Fills catalog.db rows from the resolved entries and the bundle content. */
final class BundleCatalog {
  private BundleCatalog() {}

  static CatalogWriter build(BundleSpec spec, String created, String toolVersion, List<PlannedEntry> entries,
      BundleContent content, LayoutStore work) throws IOException {
    CatalogWriter w = new CatalogWriter();
    w.bundle(spec.name(), spec.raw(), created, toolVersion);
    for (PlannedEntry e : entries) {
      w.source(e.refName(), e.kind(), e.digest().toString(), e.mediaType() != null ? e.mediaType()
          : content.manifests.get(e.digest()).mediaType(), e.origin());
      for (FileArtifactPacker.FileRow f : e.files()) {
        w.file(e.refName(), f.path(), f.digest().toString(), f.size());
      }
      if (e.chart() != null) {
        PlannedEntry.ChartInfo c = e.chart();
        w.chart(c.name(), c.version(), c.appVersion(), c.source(), e.refName(), e.digest().toString());
        for (ChartImageFinder.FoundImage img : c.images()) {
          w.chartImage(c.name(), c.version(), img.ref(), img.foundIn());
        }
      }
    }
    for (BundleContent.ManifestInfo m : content.manifests.values()) {
      w.manifest(m.digest().toString(), m.mediaType(), m.size(), m.platform() == null ? null : m.platform().toString(),
          m.artifactType());
      w.blob(m.digest().toString(), m.size(), m.mediaType());
      for (Descriptor b : m.blobs()) {
        w.blob(b.digest().toString(), b.size(), b.mediaType());
        w.blobUsage(b.digest().toString(), m.digest().toString());
      }
    }
    for (GraphRecord.ChildSeen ch : content.childSeen.values()) {
      w.indexChild(ch.index().toString(), ch.child().toString(), ch.platform() == null ? null : ch.platform().toString(),
          ch.present());
    }
    for (BundleContent.Referrer r : content.referrers) {
      GraphRecord.ReferrerSeen s = r.seen();
      w.referrer(s.digest().toString(), s.subject().toString(), s.artifactType(), s.kind().id(),
          s.tag() == null ? "referrers" : "cosign-tag", s.tag());
      RawManifest m = work.getManifest("", s.digest().toString());
      SignerIdentities.Found found = SignerIdentities.read(m, layer -> small(work, layer));
      for (SignerIdentities.Signer sg : found.signers()) {
        w.signer(s.digest().toString(), sg.layer(), sg.seq(), sg.format(), sg.identity(), sg.keyId(), sg.subject(),
            sg.issuer(), sg.certSha256());
      }
      boolean sbomAttestation = false;
      for (SignerIdentities.Predicate p : found.predicates()) {
        w.predicate(s.digest().toString(), p.layer(), p.predicateType());
        sbomAttestation |= isSbomPredicate(p.predicateType());
      }
      if (s.kind() == ReferrerKind.SBOM || sbomAttestation) {
        for (Descriptor layer : m.layers()) {
          SbomPackages.Document doc = SbomPackages.document(work, layer);
          if (doc == null) {
            continue;
          }
          w.sbom(s.digest().toString(), layer.digest().toString(), doc.format(), doc.specVersion(), doc.packages().size());
          for (SbomPackages.Package p : doc.packages()) {
            w.sbomPackage(s.digest().toString(), s.subject().toString(), p.name(), p.version(), p.purl());
          }
        }
      }
    }
    return w;
  }

  /** SPDX and CycloneDX predicate types (https://spdx.dev/Document, https://cyclonedx.org/bom, cosign's short forms). */
  static boolean isSbomPredicate(String predicateType) {
    String p = predicateType.toLowerCase(java.util.Locale.ROOT);
    return p.contains("spdx") || p.contains("cyclonedx");
  }

  private static byte[] small(LayoutStore work, Descriptor layer) throws IOException {
    try (java.io.InputStream in = work.openBlob("", layer)) {
      return dev.airlock.oci.Json.readCapped(in, SignerIdentities.CAP, "signature layer " + layer.digest());
    }
  }
}
