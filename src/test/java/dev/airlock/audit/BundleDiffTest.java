package dev.airlock.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.catalog.CatalogReader;
import dev.airlock.oci.Json;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.HeadlessChromium;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code airlock diff}: two bundles with one image changed, their catalogs, lock files, v1 fixtures, and the pairing rules. */
class BundleDiffTest {
  static final Path V1 = Path.of("src/test/resources/fixtures/bundle-v1");

  @TempDir static Path tmp;
  static AuditFixtures.Built oldB;
  static AuditFixtures.Built newB;

  @BeforeAll
  static void bundles() throws Exception {
    oldB = AuditFixtures.bundle(tmp.resolve("old"), "weekly", 0, null, null);
    newB = AuditFixtures.bundle(tmp.resolve("new"), "weekly", 1, null, null);
  }

  @Test
  void twoBundlesWithOneImageChangedListExactlyThatChange() throws Exception {
    CommandResult r = CommandResult.run("diff", oldB.bundle().toString(), newB.bundle().toString(), "-o", "json");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    JsonNode d = Json.tree(r.out().getBytes(StandardCharsets.UTF_8), "diff");
    assertThat(d.path("unchanged").asInt()).isEqualTo(4);
    assertThat(d.path("changes")).hasSize(1);
    JsonNode c = d.path("changes").get(0);
    assertThat(c.path("kind").asText()).isEqualTo("changed");
    assertThat(c.path("newRef").asText()).isEqualTo(AuditFixtures.APP);
    assertThat(c.path("oldDigest").asText()).isEqualTo(oldB.app().digest().toString());
    assertThat(c.path("newDigest").asText()).isEqualTo(newB.app().digest().toString());
    // one platform changed: its top layer replaced; arm64 is the same and not listed
    assertThat(c.path("platforms")).hasSize(1);
    JsonNode amd = c.path("platforms").get(0);
    assertThat(amd.path("platform").asText()).isEqualTo("linux/amd64");
    assertThat(amd.path("layersAdded")).hasSize(1);
    assertThat(amd.path("layersRemoved")).hasSize(1);
    assertThat(amd.path("layersAdded").get(0).path("size").asLong()).isPositive();
    assertThat(amd.path("bytesAdded").asLong()).isEqualTo(amd.path("layersAdded").get(0).path("size").asLong());
    assertThat(c.path("packages")).hasSize(1);
    JsonNode openssl = c.path("packages").get(0);
    assertThat(openssl.path("name").asText()).isEqualTo("openssl");
    assertThat(openssl.path("kind").asText()).isEqualTo("upgraded");
    assertThat(openssl.path("oldVersions").get(0).asText()).isEqualTo(AuditFixtures.openssl(0));
    assertThat(openssl.path("newVersions").get(0).asText()).isEqualTo(AuditFixtures.openssl(1));
    assertThat(c.has("signersAdded")).isFalse(); // the same key signed both
    assertThat(c.has("signersRemoved")).isFalse();

    CommandResult text = CommandResult.run("diff", oldB.bundle().toString(), newB.bundle().toString());
    assertThat(text.out()).contains("changed   image " + AuditFixtures.APP + " " + oldB.app().digest() + " -> " + newB.app().digest())
        .contains("  linux/amd64: changed ", "    + layer sha256:", "    - layer sha256:", "    layers: +1 (", "), -1 (",
            "  package upgraded: openssl " + AuditFixtures.openssl(0) + " -> " + AuditFixtures.openssl(1))
        .endsWith("\n1 changed, 4 unchanged\n").doesNotContain("linux/arm64");
  }

  @Test
  void catalogsOnlyInsideTheTarAndCatalogFilesGiveTheSameDiff() throws Exception {
    Path a = Files.createDirectories(tmp.resolve("alone-old")).resolve("weekly.tar");
    Path b = Files.createDirectories(tmp.resolve("alone-new")).resolve("weekly.tar");
    Files.copy(oldB.bundle(), a);
    Files.copy(newB.bundle(), b);
    String viaTar = body(CommandResult.run("diff", a.toString(), b.toString()).out());
    String viaCatalogs = body(CommandResult.run("diff", tmp.resolve("old/weekly.tar.catalog.db").toString(),
        tmp.resolve("new/weekly.tar.catalog.db").toString()).out());
    String beside = body(CommandResult.run("diff", oldB.bundle().toString(), newB.bundle().toString()).out());
    assertThat(viaTar).isEqualTo(beside).isEqualTo(viaCatalogs).contains("changed   image " + AuditFixtures.APP);
  }

  @Test
  void lockFilesGiveReferencesAndDigests() {
    CommandResult r = CommandResult.run("diff", tmp.resolve("old/weekly.tar.lock.yaml").toString(),
        tmp.resolve("new/weekly.tar.lock.yaml").toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("note: a lock file lists references and digests only",
        "changed   image " + AuditFixtures.APP + " " + oldB.app().digest() + " -> " + newB.app().digest(),
        "1 changed, 4 unchanged").doesNotContain("package upgraded");
  }

  @Test
  void version1FixturesDiffWithSignersNotRecorded() {
    CommandResult r = CommandResult.run("diff", V1.resolve("v1-full.tar").toString(), V1.resolve("v1-filtered.tar").toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("signers are not recorded", "(catalog version 1)",
        "changed   image example.com/samples/multiarch:1.0 (the same digest sha256:c8eef12a",
        "the same digest; what changed is the platforms carried (a platform filter)",
        "linux/arm64/v8: removed sha256:", "1 changed, 1 unchanged");
    // and a v1 bundle against a v2 one
    CommandResult mixed = CommandResult.run("diff", V1.resolve("v1-full.tar.zst").toString(), oldB.bundle().toString());
    assertThat(mixed.exitCode()).as(mixed.out() + mixed.err()).isZero();
    assertThat(mixed.out()).contains("removed   image example.com/samples/tools:1.0", "added     image " + AuditFixtures.APP);
  }

  @Test
  void htmlAndMarkdownOfADiff() throws Exception {
    Path html = tmp.resolve("diff.html");
    Path md = tmp.resolve("diff.md");
    CommandResult r = CommandResult.run("diff", oldB.bundle().toString(), newB.bundle().toString(), "--html", html.toString(),
        "--markdown", md.toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(Files.readString(md)).contains("> **1 change**", "| changed | image | `" + AuditFixtures.APP + "`",
        "| openssl | upgraded | " + MarkdownRenderer.md(AuditFixtures.openssl(0)));
    String dom = HeadlessChromium.find().dumpDom(html, null);
    assertThat(dom).contains("<p class=\"verdict\">1 change</p>", "1 of 1 shown", "upgraded");
    assertThat(AuditHtmlReportTest.rows(dom, "changes")).singleElement().satisfies(row -> assertThat(row).contains(AuditFixtures.APP));
  }

  @Test
  void pairingRules() {
    DiffSide a = side(Map.of("r.example/a:1", "sha256:1", "r.example/b:1", "sha256:2", "r.example/c:1", "sha256:3",
        "r.example/gone:1", "sha256:4", "r.example/same:1", "sha256:5"));
    DiffSide b = side(Map.of("r.example/a:2", "sha256:1", "r.example/b:1", "sha256:22", "r.example/c:2", "sha256:33",
        "r.example/new:1", "sha256:6", "r.example/same:1", "sha256:5"));
    BundleDiff d = BundleDiff.of(a, b);
    Map<String, String> kinds = new TreeMap<>();
    d.changes().forEach(c -> kinds.put(c.ref(), c.kind() + (c.oldRef() != null && !c.oldRef().equals(c.ref()) ? " from " + c.oldRef() : "")));
    assertThat(kinds).containsExactly(Map.entry("r.example/a:2", "retagged from r.example/a:1"),
        Map.entry("r.example/b:1", "changed"), Map.entry("r.example/c:2", "updated from r.example/c:1"),
        Map.entry("r.example/gone:1", "removed"), Map.entry("r.example/new:1", "added"));
    assertThat(d.unchanged()).isEqualTo(1);
  }

  static DiffSide side(Map<String, String> refs) {
    Map<String, DiffSide.Entry> entries = new LinkedHashMap<>();
    refs.forEach((ref, digest) -> entries.put(ref, new DiffSide.Entry(ref, "image", digest,
        List.of(new CatalogReader.ManifestRow(digest, "application/vnd.oci.image.manifest.v1+json", null, List.of())),
        Map.of(), Set.of(), Map.of())));
    return new DiffSide("x", "x", "2026-01-01T00:00:00Z", true, true, 2, entries);
  }

  /** The diff without its first two lines (which name the files). */
  static String body(String out) {
    return out.substring(out.indexOf('\n', out.indexOf('\n') + 1) + 1);
  }
}
