package dev.airlock.importer;

import dev.airlock.bundle.BundleFormat;
import dev.airlock.catalog.CatalogReader;
import dev.airlock.history.ImportHistory;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.RawManifest;
import dev.airlock.oci.VerifyingInputStream;
import dev.airlock.store.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The packages a successfully imported bundle's SBOMs list, copied into the history (history.sql, version 4)
 * from the catalog inside the bundle, so that {@code airlock audit --package} answers "where in the internal
 * registry is it" with the import_images rows of the same import.
 */
final class ImportedPackages {
  private ImportedPackages() {}

  /** The packages of the catalog inside the bundle, read when asked (for {@link ImportHistory#recordImport}). */
  static java.util.function.Supplier<List<ImportHistory.BundlePackage>> packagesOf(BundleContent bundle) {
    return () -> packages(bundle);
  }

  /** The packages of the catalog inside the bundle; none when the bundle carries no catalog. */
  private static List<ImportHistory.BundlePackage> packages(BundleContent bundle) {
    try {
      Descriptor catalog = catalogLayer(bundle);
      if (catalog == null) {
        return List.of();
      }
      Path tmp = Files.createTempFile("airlock-import-catalog-", ".db");
      try {
        try (InputStream in = new VerifyingInputStream(bundle.store().openBlob("", catalog), catalog.digest(),
            catalog.size(), "catalog in " + bundle.path()); OutputStream out = Files.newOutputStream(tmp)) {
          in.transferTo(out);
        }
        List<ImportHistory.BundlePackage> out = new ArrayList<>();
        try (CatalogReader r = CatalogReader.open(tmp)) {
          for (CatalogReader.PackageRow p : r.packages(null)) {
            if (p.sourceRef() != null) {
              out.add(new ImportHistory.BundlePackage(p.sourceRef(), p.subjectDigest(), p.platform(), p.sbomDigest(),
                  p.specVersion() != null ? p.specVersion() : p.format(), p.name(), p.version(), p.purl()));
            }
          }
        }
        return out;
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Descriptor catalogLayer(BundleContent bundle) throws IOException {
    ContentStore store = bundle.store();
    RawManifest root = store.getManifest("", bundle.rootDigest().toString());
    for (Descriptor m : root.manifests()) {
      if (BundleFormat.METADATA_ARTIFACT_TYPE.equals(m.artifactType())) {
        for (Descriptor l : store.getManifest("", m.digest().toString()).layers()) {
          if (BundleFormat.CATALOG_MEDIA_TYPE.equals(l.mediaType())) {
            return l;
          }
        }
      }
    }
    return null;
  }
}
