package dev.airlock.bundler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.FaultPlan;
import dev.airlock.testing.FaultProxy;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.transfer.GraphCopier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A delta bundle does not fetch from its source the blobs it leaves out, small ones included (they used to be
 * fetched into the working layout, then left out of the tarball): the blob GETs a real docker-registry answers,
 * counted by a proxy in front of it, are those of the blobs the delta carries, and no more; a blob every base holds
 * that the delta must carry all the same (a signature's config) is still fetched. The default path, a compressed
 * bundle and a working directory the user names.
 */
class DeltaFetchTest {
  @RegisterExtension static RealRegistry source = RealRegistry.plain();
  @TempDir static Path tmp;

  static final int SMALL_LAYERS = 12;
  static RawManifest app1;
  static RawManifest app2;
  static RawManifest sig2;
  static Path receipt;
  static Map<Digest, Long> sizes = new HashMap<>();

  @BeforeAll
  static void weeks() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    Platform amd64 = Platform.parse("linux/amd64");
    List<byte[]> layers = new ArrayList<>();
    layers.add(TestImages.randomLayer(3, 300_000));
    for (int i = 0; i < SMALL_LAYERS; i++) {
      layers.add(TestImages.randomLayer(100 + i, 20_000 + i));
    }
    app1 = TestImages.image(l, amd64, layers.toArray(byte[][]::new));
    RawManifest sig1 = TestImages.cosignSignature(l, app1.digest());
    layers.add(TestImages.layer("patch", "week 2"));
    app2 = TestImages.image(l, amd64, layers.toArray(byte[][]::new));
    sig2 = TestImages.cosignSignature(l, app2.digest());
    for (RawManifest m : List.of(app1, sig1, app2, sig2)) {
      m.children().forEach(c -> sizes.put(c.digest(), c.size()));
    }
    try (RegistryStore reg = RegistryStore.open(source.hostPort(), RegistryOptions.anonymous());
        GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults().withReferrers(false))) {
      c.copy(l, "", app1.digest().toString(), "fetch/app", "1.0");
      c.copy(l, "", sig1.digest().toString(), "fetch/app", app1.digest().tagForm() + ".sig");
    }
    // week 1 as the site holds it: a receipt of the source itself
    receipt = tmp.resolve("week1.receipt.json");
    CommandResult r = CommandResult.run("receipt", "--from", source.hostPort(), "--prefix", "fetch", "-o",
        receipt.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    try (RegistryStore reg = RegistryStore.open(source.hostPort(), RegistryOptions.anonymous());
        GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults().withReferrers(false))) {
      c.copy(l, "", app2.digest().toString(), "fetch/app", "1.0");
      c.copy(l, "", sig2.digest().toString(), "fetch/app", app2.digest().tagForm() + ".sig");
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"default", "zstd", "work-dir"})
  void aDeltaFetchesOnlyTheBlobsItCarries(String mode) throws Exception {
    // carried: app2's config and new layer, sig2's payload layer, and the cosign config (every base holds it, but a
    // referrer's blobs are always carried)
    Set<Digest> carried = new TreeSet<>(List.of(app2.config().digest(), app2.layers().get(SMALL_LAYERS + 1).digest(),
        sig2.layers().get(0).digest(), sig2.config().digest()));
    Set<Digest> leftOut = new TreeSet<>();
    app1.layers().forEach(d -> leftOut.add(d.digest()));
    try (FaultProxy proxy = FaultProxy.start(source.hostPort(), FaultPlan.none())) {
      Path spec = tmp.resolve(mode + ".yaml");
      Files.writeString(spec, "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: fetch}\nspec:\n"
          + "  referrers: {include: [all], cosignTags: true}\n  images:\n    - ref: " + proxy.hostPort()
          + "/fetch/app:1.0\n");
      Path out = tmp.resolve(mode + (mode.equals("zstd") ? ".tar.zst" : ".tar"));
      List<String> args = new ArrayList<>(List.of("bundle", spec.toString(), "-o", out.toString(), "--since",
          receipt.toString(), "--allow-unsigned-receipt"));
      if (mode.equals("zstd")) {
        args.addAll(List.of("--compress", "zstd"));
      } else if (mode.equals("work-dir")) {
        args.addAll(List.of("--work", tmp.resolve("work").toString()));
      }
      CommandResult b = CommandResult.run(args.toArray(String[]::new));
      assertThat(b.exitCode()).as(b.err() + b.out()).isZero();
      assertThat(b.out()).contains("delta:   " + leftOut.size() + " blobs");

      Set<Digest> fetched = new TreeSet<>();
      long fetchedBytes = 0;
      for (FaultProxy.Exchange e : proxy.exchanges()) {
        int at = e.target().indexOf("/blobs/sha256:");
        if (e.method().equals("GET") && at > 0 && e.status() == 200) {
          Digest d = Digest.parse(e.target().substring(at + "/blobs/".length()));
          fetched.add(d);
          fetchedBytes += sizes.getOrDefault(d, 0L);
        }
      }
      long leftOutBytes = leftOut.stream().mapToLong(sizes::get).sum();
      System.out.println("delta fetch (" + mode + "): " + fetched.size() + " blobs, " + fetchedBytes + " bytes GET from"
          + " the source; " + leftOut.size() + " blobs (" + leftOutBytes + " bytes) left out");
      assertThat(fetched).as("blobs GET from the source").isEqualTo(carried);

      Set<Digest> expected = new TreeSet<>();
      try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + Bundler.catalogFor(out));
          var s = c.createStatement(); var r = s.executeQuery("SELECT digest FROM expected_blobs")) {
        while (r.next()) {
          expected.add(Digest.parse(r.getString(1)));
        }
      }
      assertThat(expected).isEqualTo(leftOut);
      CommandResult v = CommandResult.run("verify", out.toString(), "--allow-unsigned");
      assertThat(v.exitCode()).as(v.err() + v.out()).isZero();
      assertThat(v.out()).contains(leftOut.size() + " blobs left out as expected at the target");
      if (mode.equals("work-dir")) {
        // the user's working layout holds what was fetched, and none of what was left out
        LayoutStore work = LayoutStore.open(tmp.resolve("work"));
        for (Digest d : leftOut) {
          assertThat(work.hasBlob("", d)).as("left out " + d).isFalse();
        }
        for (Digest d : carried) {
          assertThat(work.hasBlob("", d)).as("carried " + d).isTrue();
        }
      }
    }
  }

  @Test
  void withoutSinceEveryBlobIsFetched() throws Exception {
    try (FaultProxy proxy = FaultProxy.start(source.hostPort(), FaultPlan.none())) {
      Path spec = tmp.resolve("full.yaml");
      Files.writeString(spec, "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: fetch}\nspec:\n"
          + "  referrers: {include: [all], cosignTags: true}\n  images:\n    - ref: " + proxy.hostPort()
          + "/fetch/app:1.0\n");
      CommandResult b = CommandResult.run("bundle", spec.toString(), "-o", tmp.resolve("full.tar").toString());
      assertThat(b.exitCode()).as(b.err() + b.out()).isZero();
      Set<Digest> fetched = new TreeSet<>();
      for (FaultProxy.Exchange e : proxy.exchanges()) {
        int at = e.target().indexOf("/blobs/sha256:");
        if (e.method().equals("GET") && at > 0 && e.status() == 200) {
          fetched.add(Digest.parse(e.target().substring(at + "/blobs/".length())));
        }
      }
      Set<Digest> all = new TreeSet<>();
      app2.children().forEach(d -> all.add(d.digest()));
      sig2.children().forEach(d -> all.add(d.digest()));
      long bytes = all.stream().mapToLong(sizes::get).sum();
      System.out.println("full fetch: " + fetched.size() + " blobs, " + bytes + " bytes GET from the source");
      assertThat(fetched).isEqualTo(all);
    }
  }
}
