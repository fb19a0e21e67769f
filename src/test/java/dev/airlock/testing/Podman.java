package dev.airlock.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * podman with storage of its own (temp root and run root, the vfs driver, an accept-anything signature
 * policy) and a given {@code registries.conf}, so a test can pull the way a podman or CRI-O node reads the
 * mirror configuration airlock writes.
 */
public final class Podman implements AutoCloseable {
  private final Path dir;

  private Podman(Path dir) {
    this.dir = dir;
  }

  public static Podman create() throws IOException {
    Peers.podman();
    Path dir = Files.createTempDirectory("airlock-podman-");
    Files.writeString(dir.resolve("policy.json"), "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}\n");
    return new Podman(dir);
  }

  /** {@code podman pull REF} with {@code registriesConf} as the only registries configuration. */
  public ProcessRunner.Result pull(Path registriesConf, String ref, String platform) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of(Peers.podman().toString(), "--root", dir.resolve("root").toString(),
        "--runroot", dir.resolve("run").toString(), "--storage-driver", "vfs", "--events-backend", "file",
        "--cgroup-manager", "cgroupfs", "pull", "--signature-policy", dir.resolve("policy.json").toString()));
    if (platform != null) {
      cmd.addAll(List.of("--platform", platform));
    }
    cmd.add(ref);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
    pb.environment().put("CONTAINERS_REGISTRIES_CONF", registriesConf.toString());
    pb.environment().put("REGISTRIES_CONFIG_PATH", registriesConf.toString());
    return ProcessRunner.run(pb, 180);
  }

  @Override
  public void close() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
