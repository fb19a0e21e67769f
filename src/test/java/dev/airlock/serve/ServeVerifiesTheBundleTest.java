package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.cli.ExitCodes;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.verify.RewrittenBundle;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock serve BUNDLE} verifies the bundle at start-up (issue 22): a bundle whose index.json was
 * retagged, or whose signature is by another key, is refused before anything is answered; a bundle needs
 * --key or an explicit --allow-unsigned; the signed v1 fixture is served with its signed tags.
 */
@org.junit.jupiter.api.Timeout(value = 180, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
class ServeVerifiesTheBundleTest {
  static final Path V1 = Path.of("src/test/resources/fixtures/bundle-v1");
  static final Path KEY = V1.resolve("fixture.pub");
  static final String TOOLS = "sha256:170ca15e33a2d8b26754666bcbe9fce46b28e7a2be708521e3ccda581b952623";
  static final String MULTIARCH = "sha256:c8eef12a4693004b39509482e5648c61d4b56732c4f87a28414d8695eaa5343c";
  @TempDir static Path tmp;
  static Path retagged;

  @BeforeAll
  static void retag() throws Exception {
    RewrittenBundle b = RewrittenBundle.unpack(V1.resolve("v1-full.tar"), Files.createDirectories(tmp.resolve("unpacked")));
    // tools:1.0 now names the multi-arch index's digest and the other way round
    retagged = b.write(tmp.resolve("retagged.tar"), i -> {
      ObjectNode a = (ObjectNode) i.path("manifests").get(0).path("annotations");
      ObjectNode t = (ObjectNode) i.path("manifests").get(1).path("annotations");
      String ra = a.path("org.opencontainers.image.ref.name").asText();
      a.put("org.opencontainers.image.ref.name", t.path("org.opencontainers.image.ref.name").asText());
      t.put("org.opencontainers.image.ref.name", ra);
    });
  }

  @Test
  void aRetaggedBundleIsRefusedAtStartUpWithOrWithoutAKey() {
    for (String[] extra : List.of(new String[] {"--key", KEY.toString()}, new String[] {"--allow-unsigned"})) {
      List<String> args = new ArrayList<>(List.of("serve", retagged.toString(), "--addr", "127.0.0.1:0"));
      args.addAll(List.of(extra));
      CommandResult r = CommandResult.run(args.toArray(String[]::new));
      assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
      assertThat(r.err().strip()).startsWith("airlock: bundle " + retagged + " failed verification, not served: ")
          .contains("index.json does not match the bundle root").doesNotContain("\n");
      assertThat(r.out()).doesNotContain("serving");
    }
  }

  @Test
  void aBundleNeedsAKeyOrAllowUnsignedAndAnotherKeyIsRefused() throws Exception {
    CommandResult none = CommandResult.run("serve", V1.resolve("v1-full.tar").toString(), "--addr", "127.0.0.1:0");
    assertThat(none.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(none.err()).contains("--key PUB").contains("--allow-unsigned");
    Path other = tmp.resolve("other.pub");
    Files.writeString(other, dev.airlock.verify.keys.PublicKeys.toPem(
        dev.airlock.verify.keys.SigningKey.generate().publicKey()));
    CommandResult wrong = CommandResult.run("serve", V1.resolve("v1-full.tar").toString(), "--addr", "127.0.0.1:0",
        "--key", other.toString());
    assertThat(wrong.exitCode()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
    assertThat(wrong.err()).contains("not served").contains("bundle signature");
  }

  @Test
  void theSignedFixtureIsServedWithItsSignedTags() throws Exception {
    Process p = new ProcessBuilder(ProcessRunner.airlockJvm("128m", "serve", V1.resolve("v1-full.tar").toString(),
        "--addr", "127.0.0.1:0", "--key", KEY.toString())).redirectErrorStream(true).start();
    try {
      List<String> lines = new ArrayList<>();
      CompletableFuture<String> addr = CompletableFuture.supplyAsync(() -> {
        Pattern on = Pattern.compile("on http://([0-9.:]+)");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            lines.add(line);
            Matcher m = on.matcher(line);
            if (m.find()) {
              return m.group(1);
            }
          }
          return null;
        } catch (java.io.IOException e) {
          return null;
        }
      });
      String hostPort = addr.get(90, TimeUnit.SECONDS);
      assertThat(hostPort).as(String.join("\n", lines)).isNotNull();
      assertThat(String.join("\n", lines)).contains("verified v1-full.tar: integrity:").contains("signed by key c4f5201a645b");
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      for (String[] tag : List.of(new String[] {"samples/tools", TOOLS}, new String[] {"samples/multiarch", MULTIARCH})) {
        HttpResponse<Void> res = http.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + "/v2/example.com/"
            + tag[0] + "/manifests/1.0")).method("HEAD", HttpRequest.BodyPublishers.noBody())
            .header("Accept", "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json")
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("Docker-Content-Digest")).hasValue(tag[1]);
      }
    } finally {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }
}
