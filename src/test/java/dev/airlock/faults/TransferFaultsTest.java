package dev.airlock.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.bundle.BundleSpec;
import dev.airlock.bundle.SpecReader;
import dev.airlock.bundler.Bundler;
import dev.airlock.bundler.OpenedSourceStores;
import dev.airlock.charts.ChartRepository;
import dev.airlock.importer.BundleImporter;
import dev.airlock.importer.BundleVerifier;
import dev.airlock.importer.ImportResult;
import dev.airlock.importer.OfflineBundleVerifier;
import dev.airlock.importer.ReferenceMapper;
import dev.airlock.importer.RegistryImportTargets;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.registry.http.RetryPolicy;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.FaultPlan;
import dev.airlock.testing.FaultPlan.Fault;
import dev.airlock.testing.FaultProxy;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.transfer.GraphCopier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault-proxy suite: {@code bundle} (registry to bundle), {@code import} (bundle to registry, with the
 * staged uploads, their commit and the check after import), {@code mirror} (a spec registry to registry, with
 * the plan, push and check of an import) and {@code copy} (registry to registry) run
 * through a {@link FaultProxy} in front of a real docker-registry, {@value #RUNS} seeded runs per fault
 * kind at a 25% rate per request, and every run must succeed within the default retry budget (10 attempts)
 * with the same result as without faults: a byte-identical bundle, every tag and blob at the target with
 * its digest. Retries wait 20 ms doubling to 1 s here (instead of 0.5 s to 10 s), the read timeout is 0.6 s and
 * a stall lasts 0.9 s; the 10 runs of a kind go all at once, each through its own proxy.
 */
class TransferFaultsTest {
  static final int RUNS = 10;
  static final int CONCURRENT = 10;
  static final double RATE = 0.25;
  static final Duration READ_TIMEOUT = Duration.ofMillis(600);
  static final Duration STALL_FOR = Duration.ofMillis(900);
  static final Duration TRICKLE_GAP = Duration.ofMillis(150);
  static final Instant CREATED = Instant.parse("2026-01-02T03:04:05Z");

  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir static Path tmp;
  static Path reference;
  /** Every tag of the source: repository:tag -> digest. */
  static final Map<String, Digest> sourceTags = new LinkedHashMap<>();
  static final List<String> summary = new ArrayList<>();

  /** A fault kind alone at {@link #RATE}, or all of them sharing it. */
  enum Scenario {
    DROP_MID_BODY(Fault.DROP_MID_BODY), STALL(Fault.STALL), HTTP_5XX(Fault.HTTP_ERROR),
    LOST_RESPONSE(Fault.LOST_RESPONSE), RESET(Fault.RESET), TRICKLE(Fault.TRICKLE), MIXED(null);

    final Fault fault;

    Scenario(Fault fault) {
      this.fault = fault;
    }

    FaultPlan plan(long seed) {
      FaultPlan p = fault == null ? FaultPlan.mixed(seed, RATE) : FaultPlan.of(seed, fault, RATE);
      return p.withTiming(STALL_FOR, TRICKLE_GAP);
    }

    String label() {
      return fault == null ? "mixed" : fault.label();
    }
  }

  static RegistryOptions options() {
    return RegistryOptions.anonymous()
        .withRetry(new RetryPolicy(RetryPolicy.defaults().maxAttempts(), Duration.ofMillis(20), Duration.ofSeconds(1), null))
        .withReadTimeout(READ_TIMEOUT)
        .withUploadSizes(RegistryOptions.DEFAULT_MONOLITHIC_MAX, 1 << 20); // the 1.5 MB layer goes in two PATCHes
  }

  @BeforeAll
  static void content() throws Exception {
    LayoutStore src = LayoutStore.openOrCreate(tmp.resolve("src"));
    Platform amd64 = Platform.parse("linux/amd64");
    Platform arm64 = Platform.parse("linux/arm64");
    byte[] base = TestImages.randomLayer(1, 300_000);
    RawManifest amd = TestImages.image(src, amd64, base, TestImages.randomLayer(2, 1_500_000));
    RawManifest arm = TestImages.image(src, arm64, base, TestImages.layer("app", "arm64"));
    RawManifest index = TestImages.index(src, List.of(amd, arm), List.of(amd64, arm64));
    TestImages.tag(src, index, "app");
    TestImages.cosignSignature(src, index.digest());
    TestImages.spdxReferrer(src, index, "openssl", "3.3.2");
    RawManifest tool = TestImages.image(src, amd64, base, TestImages.layer("tool", "tool"));
    TestImages.tag(src, tool, "tool");
    try (RegistryStore reg = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous());
        GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults())) {
      c.copy(src, "", "app", "src/app", "1.0");
      c.copy(src, "", "tool", "src/tool", "2.0");
      for (String repo : List.of("src/app", "src/tool")) {
        for (String tag : reg.tags(repo)) {
          sourceTags.put(repo + ":" + tag, reg.resolve(repo, tag).orElseThrow().digest());
        }
      }
    }
    assertThat(sourceTags).containsKeys("src/app:1.0", "src/app:" + index.digest().tagForm() + ".sig", "src/tool:2.0");

    // the bundle the import runs read: written through a proxy without faults
    try (FaultProxy clean = FaultProxy.start(registry.hostPort(), FaultPlan.none())) {
      reference = tmp.resolve("reference.tar");
      bundle(clean, reference);
    }
  }

  @AfterAll
  static void report() {
    summary.forEach(System.out::println);
  }

  /**
   * Bundles {@code HOST/src/app:1.0} (all platforms, every referrer, cosign tags) and {@code HOST/src/tool:2.0}
   * through {@code proxy}, HOST being the proxy (so its port is in the names the bundle holds).
   */
  static void bundle(FaultProxy proxy, Path out) throws IOException {
    BundleSpec spec = SpecReader.parse("""
        apiVersion: airlock.dev/v1
        kind: Bundle
        metadata: {name: faults}
        spec:
          referrers: {include: [all], cosignTags: true}
          images:
            - ref: HOST/src/app:1.0
            - ref: HOST/src/tool:2.0
        """.replace("HOST", proxy.hostPort()).getBytes(java.nio.charset.StandardCharsets.UTF_8), "bundle.yaml");
    try (OpenedSourceStores stores = new OpenedSourceStores(options())) {
      new Bundler(stores, new ChartRepository(), null, null, "faults-test")
          .bundle(new Bundler.Request(spec, tmp, out, null, false, null, 4, CREATED));
    }
  }

  @ParameterizedTest(name = "bundle: {0}")
  @EnumSource(Scenario.class)
  void bundleSurvives(Scenario s) {
    runs("bundle", s, (seed, proxy) -> {
      Path clean = tmp.resolve("bundle-" + s + "-" + seed + "-clean.tar");
      FaultPlan plan = proxy.plan();
      proxy.plan(FaultPlan.none());
      bundle(proxy, clean);
      proxy.plan(plan);
      Path out = tmp.resolve("bundle-" + s + "-" + seed + ".tar");
      bundle(proxy, out);
      assertThat(Files.readAllBytes(out)).as("the bundle is byte-identical to the one written without faults")
          .isEqualTo(Files.readAllBytes(clean));
    });
  }

  @ParameterizedTest(name = "import: {0}")
  @EnumSource(Scenario.class)
  void importSurvives(Scenario s) {
    runs("import", s, (seed, proxy) -> {
      String prefix = "imp-" + s.name().toLowerCase().replace('_', '-') + "-" + seed;
      ImportResult r = new BundleImporter(new OfflineBundleVerifier(), new RegistryImportTargets(options()))
          .run(reference, new BundleImporter.Options(proxy.hostPort() + "/" + prefix, new ReferenceMapper(null, false, false),
              new BundleVerifier.Request(List.of(), null, true), false, 4, null, null, tmp.resolve(prefix + ".db")));
      assertThat(r.proof()).isNotEmpty();
      assertCopied(prefix + "/");
    });
  }

  /**
   * {@code mirror}: the spec resolved from the registry through the proxy (tags, platforms, referrers, cosign tags)
   * and pushed back through it under a prefix (plan, streamed push, check after mirror), as {@code MirrorCommand}
   * runs it.
   */
  @ParameterizedTest(name = "mirror: {0}")
  @EnumSource(Scenario.class)
  void mirrorSurvives(Scenario s) {
    runs("mirror", s, (seed, proxy) -> {
      String prefix = "mir-" + s.name().toLowerCase().replace('_', '-') + "-" + seed;
      Path specFile = tmp.resolve(prefix + ".yaml");
      BundleSpec spec = SpecReader.parse("""
          apiVersion: airlock.dev/v1
          kind: Bundle
          metadata: {name: mirrored}
          spec:
            referrers: {include: [all], cosignTags: true}
            images:
              - ref: HOST/src/app:1.0
              - ref: HOST/src/tool:2.0
          """.replace("HOST", proxy.hostPort()).getBytes(java.nio.charset.StandardCharsets.UTF_8), specFile.toString());
      try (OpenedSourceStores stores = new OpenedSourceStores(options())) {
        dev.airlock.mirror.Mirror.Result r = new dev.airlock.mirror.Mirror(stores, new ChartRepository(),
            new RegistryImportTargets(options())).run(spec, specFile, new BundleImporter.Options(
                proxy.hostPort() + "/" + prefix, new ReferenceMapper(null, false, false),
                new BundleVerifier.Request(List.of(), null, true), false, 4, null, null, tmp.resolve(prefix + ".db")));
        assertThat(r.imported().proof()).isNotEmpty();
      }
      assertCopied(prefix + "/");
    });
  }

  @ParameterizedTest(name = "copy: {0}")
  @EnumSource(Scenario.class)
  void copySurvives(Scenario s) {
    runs("copy", s, (seed, proxy) -> {
      String prefix = "cp-" + s.name().toLowerCase().replace('_', '-') + "-" + seed;
      try (RegistryStore reg = RegistryStore.open(proxy.hostPort(), options());
          GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults().withParallelism(4))) {
        c.copy(reg, "src/app", "1.0", prefix + "/src/app", "1.0");
        c.copy(reg, "src/tool", "2.0", prefix + "/src/tool", "2.0");
      }
      assertCopied(prefix + "/");
    });
  }

  /** The CLI after {@code --retries 2}: exit 1 and one line naming the request, what happened and the attempts. */
  private static void assertGaveUp(CommandResult r, String... parts) {
    assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
    String[] lines = r.err().strip().split("\n");
    String line = lines[lines.length - 1]; // after the progress lines
    assertThat(line).as(r.err()).startsWith("airlock: ").contains("2 attempts").contains(parts);
  }

  @Test
  void bundleGivesUpInOneLineWhenEveryManifestBodyIsCut() throws Exception {
    try (FaultProxy proxy = FaultProxy.start(registry.hostPort(), FaultPlan.of(1, Fault.DROP_MID_BODY, 1.0)
        .onlyFor(r -> r.method().equals("GET") && r.path().contains("/manifests/")))) {
      Path spec = tmp.resolve("cut.yaml");
      Files.writeString(spec, "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: cut}\nspec:\n  images:\n"
          + "    - ref: " + proxy.hostPort() + "/src/tool:2.0\n");
      CommandResult r = CommandResult.run("bundle", spec.toString(), "-o", tmp.resolve("cut.tar").toString(),
          "--retries", "2", "--read-timeout", "1");
      assertGaveUp(r, "GET failed after 2 attempts: the connection closed after ", " of the answer",
          "(GET http://" + proxy.hostPort() + "/v2/src/tool/manifests/", proxy.hostPort() + "/src/tool");
    }
  }

  @Test
  void importGivesUpInOneLineWhenEveryUploadIsReset() throws Exception {
    try (FaultProxy proxy = FaultProxy.start(registry.hostPort(), FaultPlan.of(1, Fault.RESET, 1.0)
        .onlyFor(r -> r.method().equals("PATCH")))) {
      CommandResult r = CommandResult.run("import", reference.toString(), "--to", proxy.hostPort() + "/given-up",
          "--allow-unsigned", "--catalog", tmp.resolve("given-up.db").toString(), "--retries", "2");
      assertThat(r.err()).containsPattern("PATCH failed after 2 attempts: cannot upload chunk at 0: the connection "
          + "(was reset|closed) before the answer");
      assertGaveUp(r, "(PATCH http://" + proxy.hostPort() + "/v2/given-up/src/app/blobs/uploads/", "_state=REDACTED");
    }
  }

  @Test
  void copyGivesUpInOneLineWhenEveryBlobDownloadBreaksOff() throws Exception {
    try (FaultProxy proxy = FaultProxy.start(registry.hostPort(), FaultPlan.of(1, Fault.DROP_MID_BODY, 1.0)
        .onlyFor(r -> r.method().equals("GET") && r.path().contains("/blobs/sha256:")))) {
      CommandResult r = CommandResult.run("copy", proxy.hostPort() + "/src/tool:2.0",
          "oci:" + tmp.resolve("given-up-layout") + ":tool", "--retries", "2");
      assertGaveUp(r, "GET failed after 2 attempts: the download broke off 2 times",
          "(GET http://" + proxy.hostPort() + "/v2/src/tool/blobs/sha256:");
    }
  }

  /**
   * Straight from the registry (not through the proxy): every source tag is at {@code prefix} with its
   * digest, every manifest and blob below it is there and hashes to its digest, and the referrers tag index
   * lists each referrer once.
   */
  static void assertCopied(String prefix) throws IOException {
    try (RegistryStore reg = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous())) {
      for (Map.Entry<String, Digest> e : sourceTags.entrySet()) {
        String repo = prefix + e.getKey().substring(0, e.getKey().indexOf(':'));
        String tag = e.getKey().substring(e.getKey().indexOf(':') + 1);
        assertThat(reg.resolve(repo, tag)).as(repo + ":" + tag).map(Descriptor::digest).hasValue(e.getValue());
        checkTree(reg, repo, e.getValue(), new HashSet<>());
        if (tag.startsWith("sha256-") && !tag.contains(".")) {
          RawManifest idx = reg.getManifest(repo, tag);
          List<Digest> listed = idx.manifests().stream().map(Descriptor::digest).toList();
          assertThat(listed).as("referrers of " + repo).doesNotHaveDuplicates();
        }
      }
    }
  }

  private static void checkTree(RegistryStore reg, String repo, Digest d, Set<Digest> seen) throws IOException {
    if (!seen.add(d)) {
      return;
    }
    RawManifest m = reg.getManifest(repo, d.toString()); // checked against its digest
    for (Descriptor c : m.manifests()) {
      checkTree(reg, repo, c.digest(), seen);
    }
    for (Descriptor b : m.children()) {
      if (seen.add(b.digest())) {
        try (InputStream in = reg.openBlob(repo, b)) {
          in.transferTo(java.io.OutputStream.nullOutputStream()); // verified at end of stream
        }
      }
    }
  }

  @FunctionalInterface
  interface Run {
    void run(long seed, FaultProxy proxy) throws Exception;
  }

  /**
   * {@value #RUNS} seeded runs of {@code run} under {@code s}'s faults, {@value #CONCURRENT} at a time, each
   * through a proxy of its own (so its faults depend on its seed only); all must succeed.
   */
  static void runs(String path, Scenario s, Run run) {
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    Map<Fault, Integer> injected = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
    long t0 = System.nanoTime();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(CONCURRENT);
    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
    for (int i = 1; i <= RUNS; i++) {
      long seed = 1000L * (s.ordinal() + 1) + i;
      done.add(pool.submit(() -> {
        try (FaultProxy proxy = FaultProxy.start(registry.hostPort(), s.plan(seed))) {
          try {
            run.run(seed, proxy);
            ok.incrementAndGet();
          } catch (Throwable e) {
            failures.add("seed " + seed + ": " + e + "\n" + proxy.injected().stream().map(Object::toString)
                .reduce("", (a, b) -> a + "    " + b + "\n"));
          } finally {
            proxy.injectedCounts().forEach((f, n) -> injected.merge(f, n, Integer::sum));
          }
        } catch (IOException e) {
          failures.add("seed " + seed + ": no proxy: " + e);
        }
      }));
    }
    for (java.util.concurrent.Future<?> f : done) {
      try {
        f.get();
      } catch (Exception e) {
        failures.add(e.toString());
      }
    }
    pool.shutdownNow();
    String line = String.format(java.util.Locale.ROOT, "faults: %-6s %-20s %2d/%d succeeded (%s injected) in %.1f s",
        path, s.label(), ok.get(), RUNS, FaultProxy.summary(new java.util.EnumMap<>(injected)),
        (System.nanoTime() - t0) / 1e9);
    summary.add(line);
    System.out.println(line);
    assertThat(injected).as("faults were injected").isNotEmpty();
    assertThat(ok.get()).as(line + "\n" + String.join("\n", failures)).isEqualTo(RUNS);
  }
}
