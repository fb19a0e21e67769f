package dev.airlock.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.testing.CommandResult;
import dev.airlock.testing.HeadlessChromium;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.verify.keys.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML report in a real browser: Debian's headless Chromium loads the file (offline, from disk) and the
 * test reads the DOM it ends up with. The bundle holds the audit fixtures plus a Helm chart, pushed with helm
 * into a real docker-registry, whose values name the app image (bundled with {@code images: true}). The
 * screenshot stays in target/audit-report/ (CI keeps target/ as an artifact).
 */
class AuditHtmlReportTest {
  static final Path OUT = Path.of("target/audit-report");

  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir static Path tmp;
  static AuditFixtures.Built built;
  static Path html;
  static Path pub;

  @BeforeAll
  static void bundleWithAChartAndWriteTheReport() throws Exception {
    Path helm = Peers.helm();
    String reg = registry.hostPort();
    Path dir = tmp.resolve("b");
    // the layouts first, then the app image and a chart naming it into the registry, then the bundle
    AuditFixtures.bundle(dir, "layouts-only", 0, null, null);
    CommandResult copy = CommandResult.run("copy", "--referrers", "oci:" + dir.resolve("src-0") + ":app", reg + "/team/app:1.0");
    assertThat(copy.exitCode()).as(copy.out() + copy.err()).isZero();
    Path chart = Files.createDirectories(tmp.resolve("chart/tiny/templates"));
    Files.writeString(chart.resolveSibling("Chart.yaml"), "apiVersion: v2\nname: tiny\nversion: 0.1.0\nappVersion: \"1.0\"\n");
    Files.writeString(chart.resolveSibling("values.yaml"), "image:\n  repository: " + reg + "/team/app\n  tag: \"1.0\"\n");
    Files.writeString(chart.resolve("cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tiny\n");
    Path packaged = Files.createDirectories(tmp.resolve("packaged"));
    ProcessRunner.run(List.of(helm.toString(), "package", chart.getParent().toString(), "-d", packaged.toString())).assertOk();
    ProcessRunner.run(List.of(helm.toString(), "push", packaged.resolve("tiny-0.1.0.tgz").toString(), "oci://" + reg + "/charts",
        "--plain-http")).assertOk();
    SigningKey key = SigningKey.generate();
    pub = tmp.resolve("bundle.pub");
    Files.writeString(pub, key.publicKeyPem());
    built = AuditFixtures.bundle(dir, "audit-html", 0, key, null, """
          charts:
            - ref: oci://REG/charts/tiny:0.1.0
              images: true
        """.replace("REG", reg));
    Files.createDirectories(OUT);
    html = OUT.resolve("bundle-report.html");
    CommandResult r = CommandResult.run("audit", built.bundle().toString(), "--html", html.toString(), "--key", pub.toString());
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
  }

  @Test
  void theBrowserShowsTheVerdictTheContentsTheChartGraphAndThePackages() throws Exception {
    HeadlessChromium chromium = HeadlessChromium.find();
    String dom = chromium.dumpDom(html, null);
    assertThat(dom).contains("<p class=\"verdict\">Verified</p>");
    assertThat(rows(dom, "contents")).hasSize(7) // 4 images, the artifact, the chart and the image it uses
        .anySatisfy(r -> assertThat(r).contains(">chart<", "charts/tiny:0.1.0"))
        .anySatisfy(r -> assertThat(r).contains(">chart-image<", registry.hostPort() + "/team/app:1.0"))
        .anySatisfy(r -> assertThat(r).contains(AuditFixtures.APP, "linux/amd64, linux/arm64/v8 (filtered out: linux/s390x)"));
    assertThat(rows(dom, "chart-images")).singleElement().satisfies(r -> assertThat(r)
        .contains("tiny 0.1.0", registry.hostPort() + "/team/app:1.0", "values", built.app().digest().toString().substring(0, 19)));
    assertThat(rows(dom, "signers")).hasSize(4).anySatisfy(r -> assertThat(r).contains("keyless appu@google.com"))
        .anySatisfy(r -> assertThat(r).contains(AuditFixtures.NOTATION_SUBJECT));
    assertThat(rows(dom, "packages")).hasSize(7)
        .anySatisfy(r -> assertThat(r).contains("<td>openssl</td><td>3.0.11-1~deb12u2</td><td>deb</td>"));
    // the script ran (the filter box is shown) and says how many rows are shown
    assertThat(dom).contains("<div class=\"filterbar\"><input class=\"filter\"").contains("7 of 7 shown");
  }

  @Test
  void markupInAPackageNameIsShownAsTextAndNeverRuns() throws Exception {
    String dom = HeadlessChromium.find().dumpDom(html, null);
    assertThat(dom).doesNotContain("data-pwned=");
    assertThat(Pattern.compile("<script").matcher(dom).results().count()).isEqualTo(1); // only the page's own filter
    assertThat(dom).contains("<td>&lt;script&gt;document.body.setAttribute('data-pwned','1')&lt;/script&gt;</td>")
        .contains("&lt;img src=x onerror=\"document.body.setAttribute('data-pwned','2')\"&gt;");
    assertThat(dom).doesNotContain("<img");
    // the page loads nothing: no element names an outside resource
    assertThat(Files.readString(html)).doesNotContainPattern("(src|href)=\"(https?:)?//").contains("Content-Security-Policy");
  }

  @Test
  void aFilterInThePageAddressNarrowsThePackages() throws Exception {
    String dom = HeadlessChromium.find().dumpDom(html, "filter=openssl");
    List<String> packages = rows(dom, "packages");
    List<String> shown = packages.stream().filter(r -> !r.startsWith("<tr hidden")).toList();
    assertThat(shown).hasSize(2).allSatisfy(r -> assertThat(r).contains("openssl"));
    assertThat(packages).hasSize(7);
    assertThat(dom).contains("2 of 7 shown");
    String logj = HeadlessChromium.find().dumpDom(html, "filter=LOG4J");
    assertThat(rows(logj, "packages").stream().filter(r -> !r.startsWith("<tr hidden")).toList()).singleElement()
        .satisfies(r -> assertThat(r).contains("log4j-core", "2.17.1", "maven"));
  }

  @Test
  void aScreenshotIsKeptUnderTarget() throws Exception {
    Path png = OUT.resolve("bundle-report.png");
    HeadlessChromium.find().screenshot(html, png, 1280, 2200);
    assertThat(Files.size(png)).isGreaterThan(50_000); // a page with text and tables, not a blank one
  }

  /** The rows of the table with this id, as Chromium serialized them, without the cells' attributes. */
  static List<String> rows(String dom, String tableId) {
    int start = dom.indexOf("<table id=\"table-" + tableId + "\">");
    assertThat(start).as("table " + tableId).isNotNegative();
    String table = dom.substring(start, dom.indexOf("</table>", start));
    String body = table.substring(table.indexOf("<tbody>"));
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("<tr[^>]*>.*?</tr>", Pattern.DOTALL).matcher(body);
    while (m.find()) {
      out.add(m.group().replaceAll("<td[^>]*>", "<td>"));
    }
    return out;
  }
}
