package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.transfer.GraphCopier;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock serve DELTA --base BASE}: the blobs a delta left out are answered from a base bundle or layout,
 * hashed while sent. A week-1 bundle of sb/app:1.0 imported into a layout with a receipt; a week-2 delta (app with one
 * more layer, sb/svc sharing the base) since it; served with the week-1 bundle, then with the layout, as base: skopeo
 * copies both images from it with the source digests. A base whose copy of a left-out layer has other bytes of the
 * same size: the GET of that blob is cut short (fewer bytes than Content-Length, never the whole wrong blob), a Range
 * of it is refused, and skopeo copy fails.
 */
class ServeDeltaBaseTest {
  @RegisterExtension static RealRegistry source = RealRegistry.plain();
  @TempDir Path tmp;

  static final Platform AMD64 = Platform.parse("linux/amd64");

  @Test
  void leftOutBlobsAreAnsweredFromABaseBundleOrLayoutAndCheckedByDigest() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    byte[] base = TestImages.randomLayer(3, 250_000);
    byte[] appLayer = TestImages.layer("app", "1.0");
    RawManifest app1 = TestImages.image(l, AMD64, base, appLayer);
    RawManifest app2 = TestImages.image(l, AMD64, base, appLayer, TestImages.layer("patch", "1.0.1"));
    RawManifest svc = TestImages.image(l, AMD64, base, TestImages.layer("svc", "1.0"));
    push(l, app1, "sb/app", "1.0");
    Path week1 = bundle("week1", List.of("sb/app:1.0"));
    Path site = tmp.resolve("site");
    Path receipt = tmp.resolve("week1.receipt.json");
    CommandResult i = CommandResult.run("import", week1.toString(), "--to", "oci:" + site, "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString(), "--receipt", receipt.toString());
    assertThat(i.exitCode()).as(i.err() + i.out()).isZero();
    push(l, app2, "sb/app", "1.0");
    push(l, svc, "sb/svc", "1.0");
    Path delta = bundle("week2", List.of("sb/app:1.0", "sb/svc:1.0"), "--since", receipt.toString(),
        "--allow-unsigned-receipt");
    Digest shared = app1.layers().get(0).digest();
    long sharedSize = app1.layers().get(0).size();

    for (String b : List.of(week1.toString(), "oci:" + site)) {
      Served s = serve(delta, b);
      try {
        assertThat(s.lines()).contains("delta bundle: 2 blobs it left out are answered from 1 base (" + b
            + "), each hashed while sent");
        for (RawManifest m : List.of(app2, svc)) {
          String repo = m == app2 ? "sb/app" : "sb/svc";
          Path out = tmp.resolve("pulled-" + Math.abs(b.hashCode()) + "-" + repo.replace('/', '-'));
          var copy = ProcessRunner.run(List.of(Peers.skopeo().toString(), "copy", "--src-tls-verify=false",
              "docker://" + s.hostPort() + "/" + repo + ":1.0", "oci:" + out + ":x"));
          assertThat(copy.exitCode()).as(copy.err()).isZero();
          LayoutStore pulled = LayoutStore.open(out);
          assertThat(pulled.resolve("", "x").orElseThrow().digest()).isEqualTo(m.digest());
          assertThat(pulled.blobSize("", shared)).hasValue(sharedSize);
          pulled.verifyAllBlobs();
        }
        HttpResponse<byte[]> range = http().send(HttpRequest.newBuilder(URI.create("http://" + s.hostPort()
            + "/v2/sb/svc/blobs/" + shared)).header("Range", "bytes=100-199").build(),
            HttpResponse.BodyHandlers.ofByteArray());
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.body()).isEqualTo(Arrays.copyOfRange(base, 100, 200));
      } finally {
        s.stop();
      }
    }

    // a base whose copy of the shared layer has other bytes of the same size
    Path bad = tmp.resolve("bad-site");
    copyTree(site, bad);
    Path blob = bad.resolve("blobs/sha256/" + shared.hex());
    byte[] wrong = Files.readAllBytes(blob);
    wrong[wrong.length - 1] ^= 1; // only the last byte: everything but it would pass
    Files.write(blob, wrong);
    Served s = serve(delta, "oci:" + bad);
    try {
      URI u = URI.create("http://" + s.hostPort() + "/v2/sb/svc/blobs/" + shared);
      long got = 0;
      boolean failed = false;
      try (var in = http().send(HttpRequest.newBuilder(u).build(), HttpResponse.BodyHandlers.ofInputStream()).body()) {
        byte[] buf = new byte[65536];
        for (int n; (n = in.read(buf)) > 0; ) {
          got += n;
        }
      } catch (java.io.IOException e) {
        failed = true;
      }
      assertThat(failed || got < sharedSize).as("the wrong blob is cut short (" + got + " bytes)").isTrue();
      assertThat(got).isLessThan(sharedSize);
      boolean rangeFailed;
      try {
        var r = http().send(HttpRequest.newBuilder(u).header("Range", "bytes=0-99").build(),
            HttpResponse.BodyHandlers.ofByteArray());
        rangeFailed = r.statusCode() != 206;
      } catch (java.io.IOException e) {
        rangeFailed = true;
      }
      assertThat(rangeFailed).as("a range of a wrong base blob is not sent").isTrue();
      var copy = ProcessRunner.run(List.of(Peers.skopeo().toString(), "copy", "--retry-times=0",
          "--src-tls-verify=false", "docker://" + s.hostPort() + "/sb/svc:1.0", "oci:" + tmp.resolve("bad-pull") + ":x"));
      assertThat(copy.exitCode()).isNotZero();
    } finally {
      s.stop();
    }
    assertThat(String.join("\n", s.lines())).contains(shared.toString()).contains("of base oci:" + bad);

    // a full bundle is not a delta: --base is refused in one line
    CommandResult full = CommandResult.run("serve", week1.toString(), "--allow-unsigned", "--addr", "127.0.0.1:0",
        "--base", "oci:" + site);
    assertThat(full.exitCode()).isNotZero();
    assertThat(full.err()).contains("is not a delta bundle");
  }

  record Served(Process process, String hostPort, List<String> lines) {
    void stop() throws Exception {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  static HttpClient http() {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  Served serve(Path delta, String base) throws Exception {
    Process p = new ProcessBuilder(ProcessRunner.airlockJvm("128m", "serve", delta.toString(), "--allow-unsigned",
        "--addr", "127.0.0.1:0", "--base", base)).redirectErrorStream(true).start();
    List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<String> addr = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      Pattern on = Pattern.compile("on http://([0-9.:]+)");
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
          Matcher m = on.matcher(line);
          if (m.find()) {
            addr.complete(m.group(1));
          }
        }
      } catch (java.io.IOException e) {
        // the process ended
      }
      addr.complete(null);
    });
    reader.setDaemon(true);
    reader.start();
    String hostPort = addr.get(90, TimeUnit.SECONDS);
    assertThat(hostPort).as(String.join("\n", lines)).isNotNull();
    return new Served(p, hostPort, lines);
  }

  Path bundle(String name, List<String> refs, String... more) throws Exception {
    StringBuilder sb = new StringBuilder("apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: " + name
        + "}\nspec:\n  images:\n");
    for (String r : refs) {
      sb.append("    - ref: ").append(source.hostPort()).append('/').append(r).append('\n');
    }
    Path spec = tmp.resolve(name + ".yaml");
    Files.writeString(spec, sb.toString());
    Path out = tmp.resolve(name + ".tar");
    List<String> args = new ArrayList<>(List.of("bundle", spec.toString(), "-o", out.toString()));
    args.addAll(List.of(more));
    CommandResult b = CommandResult.run(args.toArray(String[]::new));
    assertThat(b.exitCode()).as(b.err()).isZero();
    return out;
  }

  static void push(LayoutStore l, RawManifest m, String repo, String tag) throws Exception {
    try (RegistryStore reg = RegistryStore.open(source.hostPort(), RegistryOptions.anonymous());
        GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults().withReferrers(false))) {
      c.copy(l, "", m.digest().toString(), repo, tag);
    }
  }

  static void copyTree(Path from, Path to) throws Exception {
    try (var s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }
}
