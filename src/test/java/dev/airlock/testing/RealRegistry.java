package dev.airlock.testing;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@code docker-registry serve} (distribution 2.8) on 127.0.0.1 with a free port and temp
 * storage, started before the test class and stopped after it. Register it as
 * {@code @RegisterExtension static RealRegistry registry = RealRegistry.plain();}.
 *
 * <p>Extra YAML for the {@code auth:} section (htpasswd, token) can be given with {@link #withAuth}.
 */
public final class RealRegistry implements BeforeAllCallback, AfterAllCallback {
  private String authYaml;
  private Path tlsCertificate;
  private Path tlsKey;
  private final List<String> extraYaml = new ArrayList<>();
  private Path dir;
  private Path storage;
  private Path log;
  private Process process;
  private int port;

  private RealRegistry() {}

  public static RealRegistry plain() {
    return new RealRegistry();
  }

  /** YAML placed under {@code auth:}, e.g. {@code "  htpasswd:\n    realm: r\n    path: /x"}. */
  public RealRegistry withAuth(String yamlUnderAuth) {
    this.authYaml = yamlUnderAuth;
    return this;
  }

  /**
   * Serve HTTPS with this PEM certificate (chain) and key ({@code http.tls}); {@link #url()} then starts
   * with {@code https://}. Clients must trust the certificate's CA themselves.
   */
  public RealRegistry withTls(Path certificatePem, Path keyPem) {
    this.tlsCertificate = certificatePem;
    this.tlsKey = keyPem;
    return this;
  }

  /** Top-level YAML appended to the config. */
  public RealRegistry withConfig(String yaml) {
    extraYaml.add(yaml);
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    stop();
  }

  public void start() throws IOException, InterruptedException {
    Path bin = Peers.dockerRegistry();
    dir = Files.createTempDirectory("airlock-registry-");
    storage = Files.createDirectories(dir.resolve("storage"));
    log = dir.resolve("registry.log");
    port = freePort();
    StringBuilder cfg = new StringBuilder();
    cfg.append("version: 0.1\n")
        .append("log:\n  level: info\n  accesslog:\n    disabled: false\n")
        .append("storage:\n  filesystem:\n    rootdirectory: ").append(storage).append('\n')
        .append("  delete:\n    enabled: true\n")
        .append("http:\n  addr: 127.0.0.1:").append(port).append('\n')
        .append("  secret: airlock-test-secret\n");
    if (tlsCertificate != null) {
      cfg.append("  tls:\n    certificate: ").append(tlsCertificate).append("\n    key: ").append(tlsKey).append('\n');
    }
    if (authYaml != null) {
      cfg.append("auth:\n").append(authYaml).append('\n');
    }
    extraYaml.forEach(y -> cfg.append(y).append('\n'));
    Path config = dir.resolve("config.yml");
    Files.writeString(config, cfg.toString(), StandardCharsets.UTF_8);
    process = new ProcessBuilder(bin.toString(), "serve", config.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    waitUntilUp();
  }

  private void waitUntilUp() throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException("docker-registry exited: " + Files.readString(log));
      }
      try {
        // a TLS registry answers a plain HTTP request with 400: up all the same
        HttpURLConnection c = (HttpURLConnection) URI.create("http://" + hostPort() + "/v2/").toURL().openConnection();
        c.setConnectTimeout(500);
        c.setReadTimeout(1000);
        int code = c.getResponseCode();
        c.disconnect();
        if (code == 200 || code == 401 || (tlsCertificate != null && code == 400)) {
          return;
        }
      } catch (IOException e) {
        // not yet
      }
      Thread.sleep(50);
    }
    throw new IOException("docker-registry did not start within 20s: " + Files.readString(log));
  }

  public void stop() throws IOException, InterruptedException {
    if (process != null) {
      process.destroy();
      process.waitFor();
      process = null;
    }
    if (dir != null && Files.exists(dir)) { // stopped once already (a test stops it to be sure it is not used)
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** {@code 127.0.0.1:PORT} */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  public String url() {
    return (tlsCertificate != null ? "https://" : "http://") + hostPort();
  }

  public int port() {
    return port;
  }

  /** The registry's storage root (to assert it is unchanged, say). */
  public Path storage() {
    return storage;
  }

  public String log() throws IOException {
    return Files.readString(log);
  }

  public Path workDir() {
    return dir;
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
