package dev.airlock.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.airlock.AirlockException;
import dev.airlock.importer.BundleImporter;
import dev.airlock.importer.BundleTarball;
import dev.airlock.importer.BundleVerifier;
import dev.airlock.importer.ImportPlan;
import dev.airlock.importer.ImportResult;
import dev.airlock.importer.IntegrityVerifier;
import dev.airlock.importer.ReferenceMapper;
import dev.airlock.importer.RegistryImportTargets;
import dev.airlock.importer.SampleContent;
import dev.airlock.registry.auth.Credentials;
import dev.airlock.testing.RealRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plan's auth-scope check against a real docker-registry with {@code auth: token}: the shared test token
 * issuer behind a proxy that can strip {@code push} from every scope asked for (a token service granting pull only).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImportPushScopeRealTest {
  static volatile boolean pullOnly;
  static final HttpServer PROXY = proxy();
  @RegisterExtension static final RealRegistry registry = RealRegistry.plain().withAuth("  token:\n    realm: http://127.0.0.1:"
      + PROXY.getAddress().getPort() + "/token\n    service: " + TestTokenIssuer.SERVICE + "\n    issuer: "
      + TestTokenIssuer.ISSUER + "\n    rootcertbundle: " + AuthFixtures.ISSUER.rootBundle);
  @TempDir static Path tmp;

  static HttpServer proxy() {
    try {
      HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      HttpClient c = HttpClient.newHttpClient();
      s.createContext("/token", ex -> {
        try (ex) {
          String q = ex.getRequestURI().getRawQuery();
          if (pullOnly && q != null) {
            q = q.replace("%3Apull%2Cpush", "%3Apull");
          }
          HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(AuthFixtures.ISSUER.realm() + (q == null ? "" : "?" + q)));
          String auth = ex.getRequestHeaders().getFirst("Authorization");
          if (auth != null) {
            rb.header("Authorization", auth);
          }
          HttpResponse<byte[]> r = c.send(rb.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
          FakeRegistry.send(ex, r.statusCode(), "application/json", r.body());
        } catch (InterruptedException e) {
          throw new IOException(e);
        }
      });
      s.start();
      return s;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  static void stopProxy() {
    PROXY.stop(0);
  }

  static ImportResult importTo(Path bundle, List<ImportPlan> plans) throws IOException {
    RegistryOptions opts = RegistryOptions.anonymous().withCredentials(Credentials.basic("alice", "s3cret"));
    return new BundleImporter(new IntegrityVerifier(), new RegistryImportTargets(opts))
        .run(bundle, new BundleImporter.Options(registry.hostPort(), new ReferenceMapper(null, false, false),
            new BundleVerifier.Request(List.of(), null, true), false, 2, null, null, null, (v, p) -> plans.add(p)));
  }

  static Path bundle() throws IOException {
    Path layout = tmp.resolve("layout");
    Path tar = tmp.resolve("sample.tar");
    if (!Files.exists(tar)) {
      SampleContent.write(layout);
      BundleTarball.of(layout, tar);
    }
    return tar;
  }

  @Test
  @Order(1)
  void pullOnlyTokenStopsTheImportAtThePlanAndNothingIsPushed() throws IOException {
    Path bundle = bundle();
    pullOnly = true;
    List<String> before = listing(registry.storage());
    List<ImportPlan> plans = new ArrayList<>();
    assertThatThrownBy(() -> importTo(bundle, plans)).isInstanceOf(AirlockException.class)
        .hasMessageContaining("push not granted by " + registry.hostPort()).hasMessageContaining("nothing was pushed");
    assertThat(plans).hasSize(1);
    assertThat(plans.get(0).describe()).anyMatch(l -> l.startsWith("auth ") && l.contains("push NOT granted (token access: pull)"))
        .noneMatch(l -> l.contains("pull,push granted"))
        .anyMatch(l -> l.startsWith("indexes: a full index is pushed byte-for-byte") && l.contains("--sparse-index=auto"));
    assertThat(listing(registry.storage())).isEqualTo(before);
  }

  @Test
  @Order(2)
  void pushGrantedIsReportedAndTheImportSucceeds() throws IOException {
    Path bundle = bundle();
    pullOnly = false;
    List<ImportPlan> plans = new ArrayList<>();
    ImportResult r = importTo(bundle, plans);
    assertThat(r.blobsPushed()).isPositive();
    List<String> auth = plans.get(0).describe().stream().filter(l -> l.startsWith("auth ")).toList();
    assertThat(auth).isNotEmpty().allMatch(l -> l.contains("pull,push granted"));
    assertThat(auth).hasSize((int) r.plan().items().stream().map(i -> i.targetRepository()).distinct().count());
  }

  static List<String> listing(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.map(p -> dir.relativize(p) + ":" + (Files.isRegularFile(p) ? sizeOf(p) : -1)).sorted().toList();
    }
  }

  private static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
