package dev.airlock.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.history.ImportHistory;
import dev.airlock.oci.Json;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.RealRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit --package}: in two bundles (an SPDX SBOM of one image, a CycloneDX SBOM of another, an SBOM
 * attestation of a third), in bundles whose catalog is only inside the tar, and across the import history of
 * imports into a real docker-registry and into an OCI layout.
 */
class AuditPackageTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir static Path tmp;
  static AuditFixtures.Built week1;
  static AuditFixtures.Built week2;

  @BeforeAll
  static void bundles() throws Exception {
    week1 = AuditFixtures.bundle(tmp.resolve("w1"), "week1", 0, null, null);
    week2 = AuditFixtures.bundle(tmp.resolve("w2"), "week2", 1, null, null);
  }

  @Test
  void findsAPackageInTheSbomsOfTwoBundles() {
    CommandResult r = CommandResult.run("audit", "--package", "openssl", week1.bundle().toString(), week2.bundle().toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).startsWith("openssl: 4 matches in 2 bundles\n");
    assertThat(lines(r.out())).anySatisfy(l -> assertThat(l).contains("week1", AuditFixtures.APP, "openssl",
            AuditFixtures.openssl(0), "SPDX-2.3", week1.app().digest().toString()))
        .anySatisfy(l -> assertThat(l).contains("week1", AuditFixtures.API, "3.0.13", "CycloneDX-1.5", week1.api().digest().toString()))
        .anySatisfy(l -> assertThat(l).contains("week2", AuditFixtures.APP, AuditFixtures.openssl(1), week2.app().digest().toString()))
        .anySatisfy(l -> assertThat(l).contains("week2", AuditFixtures.API, "3.0.13"));
    // nothing is shortened: full digests
    assertThat(r.out()).doesNotContain("~ ").contains(week1.app().digest().toString());
  }

  @Test
  void versionRangesNarrowTheMatches() throws Exception {
    assertThat(matches("openssl@3.0.x", week1.bundle(), week2.bundle())).hasSize(4);
    assertThat(matches("openssl@>=3.0.12", week1.bundle(), week2.bundle())).extracting(h -> h.path("version").asText())
        .containsExactlyInAnyOrder("3.0.13", "3.0.13", AuditFixtures.openssl(1));
    assertThat(matches("openssl@<3.0.12", week1.bundle(), week2.bundle())).singleElement().satisfies(h -> {
      assertThat(h.path("bundle").asText()).isEqualTo("week1");
      assertThat(h.path("image").asText()).isEqualTo(AuditFixtures.APP);
      assertThat(h.path("purl").asText()).startsWith("pkg:deb/debian/openssl@");
      assertThat(h.path("sbomFormat").asText()).isEqualTo("SPDX-2.3");
      assertThat(h.path("bundleDigest").asText()).startsWith("sha256:");
    });
    // a component nested in a CycloneDX component; an SBOM carried as an attestation
    assertThat(matches("log4j-core@2.17.x", week1.bundle())).singleElement()
        .satisfies(h -> assertThat(h.path("image").asText()).isEqualTo(AuditFixtures.API));
    assertThat(matches("busybox", week2.bundle())).singleElement()
        .satisfies(h -> assertThat(h.path("image").asText()).isEqualTo(AuditFixtures.WEB));
  }

  @Test
  void notFoundIsExitOneWithAClearLine() {
    CommandResult r = CommandResult.run("audit", "--package", "openssl@>=4", week1.bundle().toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().strip()).isEqualTo("airlock: openssl >=4 is listed by no SBOM in " + week1.bundle());
  }

  @Test
  void worksOnBundlesWhoseCatalogIsOnlyInsideTheTarAndOnCatalogFiles() throws Exception {
    Path alone = Files.createDirectories(tmp.resolve("alone")).resolve("week1.tar");
    Files.copy(week1.bundle(), alone);
    assertThat(matches("zlib1g", alone)).singleElement().satisfies(h ->
        assertThat(h.path("version").asText()).isEqualTo("1:1.2.13.dfsg-1"));
    Path catalog = tmp.resolve("w2/week2.tar.catalog.db");
    assertThat(matches("openssl", catalog)).hasSize(2);
  }

  @Test
  void acrossTheImportHistoryItSaysWhereInTheRegistryAndWhen() throws Exception {
    Path history = tmp.resolve("history.db");
    CommandResult toRegistry = CommandResult.run("import", week1.bundle().toString(), "--to", registry.hostPort() + "/mirror",
        "--allow-unsigned", "--catalog", history.toString());
    assertThat(toRegistry.exitCode()).as(toRegistry.out() + toRegistry.err()).isZero();
    Path layout = tmp.resolve("internal-layout");
    CommandResult toLayout = CommandResult.run("import", week2.bundle().toString(), "--to", "oci:" + layout,
        "--allow-unsigned", "--catalog", history.toString());
    assertThat(toLayout.exitCode()).as(toLayout.out() + toLayout.err()).isZero();
    CommandResult dry = CommandResult.run("import", week2.bundle().toString(), "--to", registry.hostPort() + "/dry",
        "--allow-unsigned", "--catalog", history.toString(), "--dry-run");
    assertThat(dry.exitCode()).isZero();

    CommandResult r = CommandResult.run("audit", "--package", "openssl", "--catalog", history.toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).startsWith("openssl: 4 matches in 2 imports\n");
    String reg = registry.hostPort();
    List<JsonNode> hits = matchesInHistory("openssl", history);
    // week1 into the registry (the platform-filtered app index as a filtered index under its tag), week2 into an
    // OCI layout; the dry run put nothing anywhere
    assertThat(hits).extracting(h -> h.path("importId").asLong() + " " + h.path("version").asText() + " "
        + h.path("targetRef").asText()).containsExactlyInAnyOrder(
            "1 " + AuditFixtures.openssl(0) + " " + reg + "/mirror/team/app:1.0",
            "1 3.0.13 " + reg + "/mirror/team/api:2.1",
            "2 3.0.13 oci:" + layout + ":team/api:2.1",
            "2 " + AuditFixtures.openssl(1) + " oci:" + layout + ":team/app:1.0");
    assertThat(hits).allSatisfy(h -> assertThat(h.path("imported").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z"));
    assertThat(hits).filteredOn(h -> h.path("importId").asLong() == 1)
        .allSatisfy(h -> assertThat(h.path("bundle").asText()).isEqualTo("week1"));
    assertThat(r.out()).contains(reg + "/mirror/team/api:2.1", "#1", "#2");

    // a second import of the same bundle adds its targets, not a second copy of its packages
    CommandResult again = CommandResult.run("import", week1.bundle().toString(), "--to", reg + "/second",
        "--allow-unsigned", "--catalog", history.toString());
    assertThat(again.exitCode()).as(again.out() + again.err()).isZero();
    assertThat(matchesInHistory("log4j-core", history)).extracting(h -> h.path("targetRef").asText())
        .containsExactlyInAnyOrder(reg + "/mirror/team/api:2.1", "oci:" + layout + ":team/api:2.1", reg + "/second/team/api:2.1");
    assertThat(ImportHistory.open(history).packages("openssl")).hasSize(4 + 2);

    CommandResult none = CommandResult.run("audit", "--package", "nginx", "--catalog", history.toString());
    assertThat(none.exitCode()).isEqualTo(1);
    assertThat(none.err()).contains("nginx is listed by no SBOM in the import history " + history);
  }

  static List<JsonNode> matches(String query, Path... bundles) throws Exception {
    List<String> args = new ArrayList<>(List.of("audit", "--package", query, "-o", "json"));
    for (Path b : bundles) {
      args.add(b.toString());
    }
    CommandResult r = CommandResult.run(args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    return list(r.out());
  }

  static List<JsonNode> matchesInHistory(String query, Path history) {
    CommandResult r = CommandResult.run("audit", "--package", query, "--catalog", history.toString(), "-o", "json");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    return list(r.out());
  }

  static List<JsonNode> list(String json) {
    List<JsonNode> out = new ArrayList<>();
    Json.tree(json.getBytes(StandardCharsets.UTF_8), "output").path("matches").forEach(out::add);
    return out;
  }

  static List<String> lines(String s) {
    return List.of(s.split("\n"));
  }
}
