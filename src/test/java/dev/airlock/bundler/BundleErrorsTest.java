package dev.airlock.bundler;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gives one clear line, a non-zero exit, and nothing at (or beside) the output path. */
class BundleErrorsTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir Path tmp;
  RawManifest image;

  @BeforeEach
  void layout() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    image = TestImages.image(l, Platform.parse("linux/amd64"), TestImages.layer("f", "content"));
    TestImages.tag(l, image, "app");
  }

  private CommandResult bundle(String specBody) throws Exception {
    Files.writeString(tmp.resolve("bundle.yaml"), "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata:\n  name: bad\n"
        + "spec:\n" + specBody);
    CommandResult r = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", tmp.resolve("out/b.tar").toString());
    assertThat(r.exitCode()).isNotZero();
    assertThat(tmp.resolve("out/b.tar")).doesNotExist();
    if (Files.isDirectory(tmp.resolve("out"))) {
      try (Stream<Path> s = Files.list(tmp.resolve("out"))) {
        assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".b.tar") || n.equals("b.tar.catalog.db"));
      }
    }
    String[] lines = r.err().strip().split("\n");
    assertThat(lines[lines.length - 1]).startsWith("airlock: ");
    return r;
  }

  @Test
  void unknownFieldIsReportedWithItsLine() throws Exception {
    CommandResult r = bundle("  images:\n    - layout: ./src:app\n      tagg: x\n");
    assertThat(r.err()).contains("bundle.yaml:8: unknown field 'tagg' in spec.images[0]");
  }

  @Test
  void badReferenceIsReportedWithItsLine() throws Exception {
    CommandResult r = bundle("  images:\n    - ref: registry.example/Team/App:1\n");
    assertThat(r.err()).contains("bundle.yaml:7:", "invalid image reference 'registry.example/Team/App:1'");
  }

  @Test
  void badRangeIsReportedWithItsLine() throws Exception {
    CommandResult r = bundle("  charts:\n    - repo: https://charts.example\n      name: demo\n      version: \">=1.x.y\"\n");
    assertThat(r.err()).contains("bundle.yaml:9:", "invalid version range");
  }

  @Test
  void chartRangeWithNoMatch() throws Exception {
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] index = ("apiVersion: v1\nentries:\n  demo:\n  - name: demo\n    version: 1.2.0\n    urls: [demo-1.2.0.tgz]\n"
        + "  - name: demo\n    version: 2.0.0\n    urls: [demo-2.0.0.tgz]\n  other:\n  - name: other\n    version: 9.0.0\n"
        + "    urls: [other-9.0.0.tgz]\n").getBytes(StandardCharsets.UTF_8);
    http.createContext("/index.yaml", ex -> {
      ex.sendResponseHeaders(200, index.length);
      ex.getResponseBody().write(index);
      ex.close();
    });
    http.start();
    try {
      CommandResult r = bundle("  charts:\n    - repo: http://127.0.0.1:" + http.getAddress().getPort() + "\n"
          + "      name: demo\n      version: \">=3.0.0 <4.0.0\"\n");
      assertThat(r.err()).contains("bundle.yaml:7: no version of chart demo", "matches '>=3.0.0 <4.0.0'",
          "newest listed: 2.0.0");
    } finally {
      http.stop(0);
    }
  }

  @Test
  void nonexistentImages() throws Exception {
    CommandResult local = bundle("  images:\n    - layout: ./src:nope\n");
    assertThat(local.err()).contains("bundle.yaml:7: image layout:./src:nope does not exist");
    CommandResult remote = bundle("  images:\n    - ref: " + registry.hostPort() + "/team/missing:1.0\n");
    assertThat(remote.err()).contains("bundle.yaml:7: image " + registry.hostPort() + "/team/missing:1.0 does not exist");
  }

  @Test
  void sourceWithWrongBytesFailsAndResumeStillWorks() throws Exception {
    LayoutStore l = LayoutStore.open(tmp.resolve("src"));
    Path layer = l.blobPath(image.layers().get(0).digest());
    byte[] good = Files.readAllBytes(layer);
    byte[] bad = good.clone();
    bad[bad.length / 2] ^= 1;
    Files.write(layer, bad);
    CommandResult r = bundle("  images:\n    - layout: ./src:app\n      name: registry.example/app:1\n");
    assertThat(r.err()).contains(image.layers().get(0).digest().toString());
    assertThat(tmp.resolve("out/b.tar.work/blobs/sha256/" + image.layers().get(0).digest().hex())).doesNotExist();

    Files.write(layer, good);
    CommandResult ok = CommandResult.run("bundle", tmp.resolve("bundle.yaml").toString(), "-o", tmp.resolve("out/b.tar").toString());
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    assertThat(tmp.resolve("out/b.tar")).exists();
  }
}
