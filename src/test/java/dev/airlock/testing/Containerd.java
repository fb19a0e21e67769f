package dev.airlock.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real containerd daemon of its own (temp root, state and socket; the CRI plugin off), so a test can pull
 * with {@code ctr images pull --hosts-dir} the way a cluster node would. Needs root. {@link #close} stops
 * it and removes its directories.
 */
public final class Containerd implements AutoCloseable {
  private final Path dir;
  private final Path socket;
  private final Process process;

  private Containerd(Path dir, Path socket, Process process) {
    this.dir = dir;
    this.socket = socket;
    this.process = process;
  }

  public static Containerd start() throws IOException, InterruptedException {
    Path bin = Peers.containerd();
    Peers.ctr();
    Peers.requireRoot("containerd");
    Path dir = Files.createTempDirectory("airlock-containerd-");
    Path socket = dir.resolve("containerd.sock");
    Path config = dir.resolve("config.toml");
    Files.writeString(config, "version = 2\nroot = \"" + dir.resolve("root") + "\"\nstate = \"" + dir.resolve("state")
        + "\"\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = \"" + socket + "\"\n"
        + "[ttrpc]\n  address = \"" + dir.resolve("ttrpc.sock") + "\"\n");
    Path log = dir.resolve("containerd.log");
    Process p = new ProcessBuilder(bin.toString(), "--config", config.toString()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    Containerd c = new Containerd(dir, socket, p);
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (Instant.now().isBefore(deadline)) {
      if (!p.isAlive()) {
        String out = Files.readString(log);
        c.close();
        throw new IOException("containerd exited: " + out);
      }
      if (Files.exists(socket) && ProcessRunner.run(List.of(Peers.ctr().toString(), "--address", socket.toString(),
          "version"), 10).exitCode() == 0) {
        return c;
      }
      Thread.sleep(100);
    }
    c.close();
    throw new IOException("containerd did not answer within 30s");
  }

  /**
   * {@code ctr images pull --hosts-dir HOSTS [--platform P] REF}: resolves REF through the hosts.toml files as
   * containerd would (no fallback to a host it cannot reach is assumed: give references whose hosts are on
   * 127.0.0.1).
   */
  public ProcessRunner.Result pull(Path hostsDir, String ref, String platform) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Peers.ctr().toString(), "--address", socket.toString(), "images", "pull",
        "--hosts-dir", hostsDir.toString()));
    if (platform != null) {
      cmd.addAll(List.of("--platform", platform));
    }
    cmd.add(ref);
    return ProcessRunner.run(cmd, 120);
  }

  /** The daemon's socket, for {@code ctr --address}. */
  public Path address() {
    return socket;
  }

  /** {@code ctr images ls -q}: the references containerd holds. */
  public List<String> images() throws IOException, InterruptedException {
    String out = ProcessRunner.run(List.of(Peers.ctr().toString(), "--address", socket.toString(), "images", "ls", "-q"), 30)
        .assertOk().out();
    return out.lines().filter(l -> !l.isBlank()).toList();
  }

  @Override
  public void close() throws IOException, InterruptedException {
    process.destroy();
    if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    // containerd's snapshots may be mounted under root; unmounted at exit, so the tree can go
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
