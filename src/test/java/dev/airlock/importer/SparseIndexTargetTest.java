package dev.airlock.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryError;
import dev.airlock.registry.RegistryException;
import dev.airlock.store.ContentStore;
import dev.airlock.store.ForwardingStore;
import dev.airlock.store.LayoutStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What stands for a sparse index, as each registry answer decides: a refusal for absent children brings the
 * filtered index (once learned, without asking again); any other failure is the import's failure.
 */
class SparseIndexTargetTest {
  @TempDir Path tmp;
  SampleContent sample;
  ImportPlan plan;
  LayoutStore target;
  final List<String> puts = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    sample = SampleContent.write(tmp.resolve("layout"));
    Files.delete(tmp.resolve("layout").resolve(sample.multiChildren.get(1).blobPath()));
    BundleContent bundle = BundleContent.open(tmp.resolve("layout"));
    target = LayoutStore.openOrCreate(tmp.resolve("target"));
    ImportTarget t = new ImportTarget("reg", target, "reg:5000", "", new TargetFeatures(false, false, true, ""), null,
        false, repos -> PushAccess.unchecked("-"));
    plan = new ImportPlanner(bundle, t, new ReferenceMapper(null, false, false), target).plan();
  }

  /** A registry that answers every index put with this error (null: accepts it) and records each put. */
  ContentStore registry(RegistryError indexAnswer) {
    return new ForwardingStore(target) {
      @Override
      public void putManifest(String repository, RawManifest m, String tag) throws IOException {
        puts.add(m.digest().shortForm());
        if (m.isIndex() && indexAnswer != null && m.manifests().size() > 1) {
          throw new RegistryException("cannot push manifest", indexAnswer);
        }
        super.putManifest(repository, m, tag);
      }
    };
  }

  ImportItem sparseItem() {
    return plan.items().stream().filter(ImportItem::sparse).findFirst().orElseThrow();
  }

  RawManifest original() throws IOException {
    return sample.store.getManifest("", sample.multiIndex.toString());
  }

  @Test
  void aRefusalForAbsentChildrenBringsTheFilteredIndexAndIsLearnedForTheRest() throws IOException {
    SparseIndexTarget s = new SparseIndexTarget(registry(new RegistryError("r", null, 400, "MANIFEST_BLOB_UNKNOWN",
        "blob unknown to registry", null)), "reg:5000", plan.items(), SparseIndexMode.AUTO);
    s.putManifest("library/demo", original(), "1.0");
    s.putManifest("library/demo", original(), "1.0-again");
    ImportItem i = sparseItem();
    assertThat(target.resolve("library/demo", "1.0").orElseThrow().digest()).isEqualTo(i.filtered().digest());
    assertThat(target.resolve("library/demo", "1.0-again").orElseThrow().digest()).isEqualTo(i.filtered().digest());
    // the original was offered once; the second tag went straight to the filtered index
    assertThat(puts).containsExactly(sample.multiIndex.shortForm(), i.filtered().digest().shortForm(),
        i.filtered().digest().shortForm());
    assertThat(s.placement(i).reason()).isEqualTo("the registry refused the original (HTTP 400 MANIFEST_BLOB_UNKNOWN:"
        + " blob unknown to registry)");
  }

  @Test
  void aRegistryThatAcceptsTheOriginalKeepsItByteForByte() throws IOException {
    SparseIndexTarget s = new SparseIndexTarget(registry(null), "reg:5000", plan.items(), SparseIndexMode.AUTO);
    s.putManifest("library/demo", original(), "1.0");
    assertThat(target.resolve("library/demo", "1.0").orElseThrow().digest()).isEqualTo(sample.multiIndex);
    assertThat(s.placement(sparseItem()).filtered()).isFalse();
  }

  @Test
  void anyOtherFailureIsTheImportsAndNoFilteredIndexIsPut() throws IOException {
    SparseIndexTarget s = new SparseIndexTarget(registry(new RegistryError("r", null, 403, "DENIED", "no", null)),
        "reg:5000", plan.items(), SparseIndexMode.AUTO);
    assertThatThrownBy(() -> s.putManifest("library/demo", original(), "1.0")).isInstanceOf(RegistryException.class)
        .hasMessageContaining("DENIED");
    assertThat(puts).containsExactly(sample.multiIndex.shortForm());
    assertThat(target.resolve("library/demo", "1.0")).isEmpty();
  }

  @Test
  void otherManifestsPassThroughUntouched() throws IOException {
    SparseIndexTarget s = new SparseIndexTarget(registry(null), "reg:5000", plan.items(), SparseIndexMode.FILTER);
    RawManifest app = sample.store.getManifest("", sample.app.toString());
    for (var b : app.children()) {
      target.putBlob("acme/tools/app", b, () -> sample.store.openBlob("", b));
    }
    s.putManifest("acme/tools/app", app, "2.0");
    assertThat(target.resolve("acme/tools/app", "2.0").orElseThrow().digest()).isEqualTo(sample.app);
    assertThat(s.placements()).isEmpty();
  }
}
