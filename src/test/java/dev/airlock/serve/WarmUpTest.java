package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.importer.SampleContent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WarmUpTest {
  @TempDir Path tmp;

  @Test
  void walksTheRequestPathOfEveryRepositoryUntilItsBoundAndLeavesNothingOpen() throws Exception {
    SampleContent.write(tmp.resolve("layout"));
    try (ServedContent content = ServedContent.open(tmp.resolve("layout"))) {
      int requests = WarmUp.run(new RegistryHandler(content), content);
      // ping, tags, manifest, config HEAD, ranged layer GET per repository, round after round
      assertThat(requests).isGreaterThan(100).isLessThanOrEqualTo(WarmUp.MAX_REQUESTS);
    }
  }

  @Test
  void aWarmedServerServesAsUsual() throws Exception {
    SampleContent.write(tmp.resolve("layout"));
    try (RegistryServer server = RegistryServer.start(ServedContent.open(tmp.resolve("layout")), "127.0.0.1:0", false,
        4, true)) {
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://" + server.hostPort() + "/v2/_catalog")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("repositories");
    }
  }
}
