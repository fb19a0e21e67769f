package dev.airlock.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.transfer.GraphCopier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The weekly cycle against real docker-registry instances: a full bundle imported with {@code --receipt}, the
 * receipt holding exactly the target's blobs, manifests and tags.
 */
class DeltaCycleTest {
  @RegisterExtension static RealRegistry source = RealRegistry.plain();
  @RegisterExtension static RealRegistry site = RealRegistry.plain();
  @TempDir Path tmp;

  static final Platform AMD64 = Platform.parse("linux/amd64");

  @Test
  void importWritesAReceiptOfExactlyWhatTheTargetHolds() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    byte[] base = TestImages.randomLayer(1, 200_000);
    RawManifest app = TestImages.image(l, AMD64, base, TestImages.layer("app", "1.0"));
    RawManifest tool = TestImages.image(l, AMD64, base, TestImages.layer("tool", "1.0"));
    push(l, app, "team/app", "1.0");
    push(l, tool, "team/tool", "1.0");
    Path spec = spec("week1", "team/app:1.0", "team/tool:1.0");
    Path bundle = tmp.resolve("week1.tar");
    CommandResult b = CommandResult.run("bundle", spec.toString(), "-o", bundle.toString());
    assertThat(b.exitCode()).as(b.err()).isZero();
    Path receipt = tmp.resolve("week1.receipt.json");
    CommandResult i = CommandResult.run("import", bundle.toString(), "--to", site.hostPort(), "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString(), "--receipt", receipt.toString());
    assertThat(i.exitCode()).as(i.err() + i.out()).isZero();
    assertThat(i.out()).contains("receipt: 2 repositories, 2 tags, 2 manifests, 5 blobs");
    try (Receipt r = Receipt.read(receipt)) {
      assertThat(r.header().target()).isEqualTo(site.hostPort());
      assertThat(blobs(r)).isEqualTo(blobsOf(app, tool));
      assertThat(r.inventory().manifestSize(app.digest())).hasValue(app.size());
      List<String> tags = new ArrayList<>();
      r.inventory().forEachTag(t -> tags.add(t.repository() + ":" + t.tag() + "@" + t.digest()));
      assertThat(tags).containsExactly("team/app:1.0@" + app.digest(), "team/tool:1.0@" + tool.digest());
    }
    CommandResult audit = CommandResult.run("audit", receipt.toString());
    assertThat(audit.exitCode()).as(audit.err()).isZero();
    assertThat(audit.out()).contains("receipt of " + site.hostPort()).contains("signature:    none")
        .contains("2 repositories, 2 tags, 2 manifests, 5 blobs").contains("repository team/app")
        .contains("  1.0  " + app.digest());
  }

  Path spec(String name, String... refs) throws Exception {
    StringBuilder sb = new StringBuilder("apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: " + name
        + "}\nspec:\n  images:\n");
    for (String r : refs) {
      sb.append("    - ref: ").append(source.hostPort()).append('/').append(r).append('\n');
    }
    Path p = tmp.resolve(name + ".yaml");
    Files.writeString(p, sb.toString());
    return p;
  }

  static void push(LayoutStore l, RawManifest m, String repo, String tag) throws Exception {
    try (RegistryStore reg = RegistryStore.open(source.hostPort(), RegistryOptions.anonymous());
        GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults().withReferrers(false))) {
      c.copy(l, "", m.digest().toString(), repo, tag);
    }
  }

  static Set<Digest> blobsOf(RawManifest... images) {
    Set<Digest> out = new TreeSet<>();
    for (RawManifest m : images) {
      m.children().forEach(c -> out.add(c.digest()));
    }
    return out;
  }

  static Set<Digest> blobs(Receipt r) throws Exception {
    Set<Digest> out = new TreeSet<>();
    r.inventory().forEachBlob(e -> out.add(e.digest()));
    return out;
  }
}
