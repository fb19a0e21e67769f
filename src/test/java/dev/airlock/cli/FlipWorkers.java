package dev.airlock.cli;

import dev.airlock.bundle.parts.PartSet;
import dev.airlock.importer.BundleImporter;
import dev.airlock.importer.BundleVerifier;
import dev.airlock.importer.ReferenceMapper;
import dev.airlock.importer.RegistryImportTargets;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.verify.OfflineVerifier;
import dev.airlock.verify.VerificationReport;
import dev.airlock.verify.VerifyOptions;
import dev.airlock.verify.keys.PublicKeys;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The byte-flip tests' workers: child JVMs, each with its own copy of the bundle (a tarball or a directory of
 * parts) and its own {@code java.io.tmpdir}, both on a RAM file system when there is one ({@code /dev/shm}):
 * each flip is one verification's spool directory made and deleted twice, which costs 5-8 times the rest of
 * the flip on a busy disk. A worker flips every {@code workers}th offset of the list (from its index) in
 * place, one at a time, and calls what {@code verify} and {@code import} call ({@link OfflineVerifier}, with
 * {@link PartSet#check} first for a set, and {@link BundleImporter} as a dry run into {@code oci:}); what it
 * checks is exactly what the in-process loop checked, only the set-up is cheaper and the workers do not share
 * a heap.
 */
final class FlipWorkers {
  private FlipWorkers() {}

  /** What the workers found: the flips not answered exit 3 by both ({@code file@offset -> verify*10+import}). */
  record Outcome(Map<String, Integer> undetected, int flipped, int workers, double seconds) {}

  /** A RAM file system's directory for the workers when there is one, else {@code fallback}. */
  static Path scratch(Path fallback) throws IOException {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      return Files.createTempDirectory(shm, "airlock-byteflip-");
    }
    return Files.createDirectories(fallback.resolve("flip-scratch"));
  }

  /** How many workers: {@code -Dairlock.byteflip.workers}, else one per processor. */
  static int workers() {
    return Integer.getInteger("airlock.byteflip.workers", Runtime.getRuntime().availableProcessors());
  }

  /**
   * Flips each of {@code flips} ({@code {fileIndex, offset}} into {@code files}) once on {@code workers} child
   * JVMs; {@code bundle} is the path verify and import are given (the tarball, or the directory of the parts),
   * {@code files} the files under it that are flipped. Every worker's target must stay absent.
   */
  static Outcome run(Path scratch, Path bundle, List<Path> files, Path pub, List<long[]> flips, int workers,
      long timeoutMinutes) throws Exception {
    Path list = scratch.resolve("flips.txt");
    StringBuilder b = new StringBuilder();
    for (long[] f : flips) {
      b.append(f[0]).append(' ').append(f[1]).append('\n');
    }
    Files.writeString(list, b);
    boolean set = Files.isDirectory(bundle);
    long started = System.nanoTime();
    List<Process> running = new ArrayList<>();
    List<Path> results = new ArrayList<>();
    try {
      for (int w = 0; w < workers; w++) {
        Path home = Files.createDirectories(scratch.resolve("w" + w));
        Path copy;
        List<String> names = new ArrayList<>();
        if (set) {
          copy = Files.createDirectories(home.resolve("set"));
          for (Path f : files) {
            Files.copy(f, copy.resolve(f.getFileName()));
            names.add(f.getFileName().toString());
          }
        } else {
          copy = Files.copy(bundle, home.resolve(bundle.getFileName()));
          names.add(bundle.getFileName().toString());
        }
        Path tmp = Files.createDirectories(home.resolve("tmp"));
        Path result = home.resolve("undetected.txt");
        results.add(result);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m", "-XX:+UseSerialGC", "-Djava.io.tmpdir=" + tmp,
            "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), FlipWorkers.class.getName(),
            copy.toString(), pub.toString(), list.toString(), Integer.toString(w), Integer.toString(workers),
            result.toString(), home.resolve("target").toString(), String.join(",", names)));
        running.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(home.resolve("log.txt").toFile())
            .start());
      }
      Map<String, Integer> undetected = new TreeMap<>();
      for (int w = 0; w < workers; w++) {
        Process p = running.get(w);
        if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
          throw new AssertionError("byte-flip worker " + w + " still running after " + timeoutMinutes + " minutes");
        }
        Path home = scratch.resolve("w" + w);
        if (p.exitValue() != 0) {
          throw new AssertionError("byte-flip worker " + w + " exit " + p.exitValue() + ": "
              + Files.readString(home.resolve("log.txt")));
        }
        for (String line : Files.readAllLines(results.get(w))) {
          String[] f = line.split(" ");
          undetected.put(f[0], Integer.parseInt(f[1]));
        }
        if (Files.exists(home.resolve("target"))) {
          throw new AssertionError("byte-flip worker " + w + " wrote its target " + home.resolve("target"));
        }
        try (var s = Files.list(home.resolve("tmp"))) {
          List<Path> left = s.toList();
          if (!left.isEmpty()) {
            throw new AssertionError("byte-flip worker " + w + " left temporary files: " + left);
          }
        }
      }
      return new Outcome(undetected, flips.size(), workers, (System.nanoTime() - started) / 1e9);
    } finally {
      for (Process p : running) {
        p.destroyForcibly();
      }
    }
  }

  /**
   * A worker: {@code BUNDLE PUB FLIPS WORKER WORKERS RESULT TARGET NAMES}; BUNDLE is a tarball or a directory of
   * parts, NAMES the comma-separated file names under it (the tarball's own name for a tarball) the flips'
   * file indexes refer to.
   */
  public static void main(String[] args) throws Exception {
    Path bundle = Path.of(args[0]);
    Path pub = Path.of(args[1]);
    List<String> lines = Files.readAllLines(Path.of(args[2]));
    int worker = Integer.parseInt(args[3]);
    int workers = Integer.parseInt(args[4]);
    Path result = Path.of(args[5]);
    Path target = Path.of(args[6]);
    String[] names = args[7].split(",");
    boolean set = Files.isDirectory(bundle);
    List<PublicKey> keys = List.of(PublicKeys.load(pub));
    VerifyOptions opts = VerifyOptions.withKeys(keys);
    BundleImporter importer = new BundleImporter(ImportCommand.verifier(), new RegistryImportTargets(RegistryOptions.defaults()));
    BundleImporter.Options imports = new BundleImporter.Options("oci:" + target, new ReferenceMapper(null, false, false),
        new BundleVerifier.Request(List.of(pub), null, false), true, 1, null, null, null);
    if (verifyCode(bundle, set, keys, opts) != 0 || importCode(importer, bundle, imports) != 0) {
      throw new AssertionError("the untouched copy " + bundle + " does not pass");
    }
    ByteFlipTest.deleteTree(target);
    FileChannel[] channels = new FileChannel[names.length];
    StringBuilder out = new StringBuilder();
    long started = System.nanoTime();
    int n = 0;
    try {
      for (int i = 0; i < names.length; i++) {
        channels[i] = FileChannel.open(set ? bundle.resolve(names[i]) : bundle, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
      }
      ByteBuffer one = ByteBuffer.allocate(1);
      for (int k = worker; k < lines.size(); k += workers) {
        String[] f = lines.get(k).split(" ");
        int file = Integer.parseInt(f[0]);
        long at = Long.parseLong(f[1]);
        FileChannel ch = channels[file];
        one.clear();
        ch.read(one, at);
        byte original = one.get(0);
        ch.write(ByteBuffer.wrap(new byte[] {(byte) (original ^ 0x01)}), at);
        try {
          int verify = verifyCode(bundle, set, keys, opts);
          int imported = importCode(importer, bundle, imports);
          if (verify != ExitCodes.VERIFICATION_FAILED || imported != ExitCodes.VERIFICATION_FAILED) {
            out.append(names[file]).append('@').append(at).append(' ').append(verify * 10 + imported).append('\n');
          }
        } finally {
          ch.write(ByteBuffer.wrap(new byte[] {original}), at);
        }
        n++;
      }
    } finally {
      for (FileChannel ch : channels) {
        if (ch != null) {
          ch.close();
        }
      }
    }
    Files.writeString(result, out, StandardCharsets.UTF_8);
    System.out.printf("worker %d: %d flips in %.1f s%n", worker, n, (System.nanoTime() - started) / 1e9);
    System.exit(0);
  }

  /** What {@code verify} answers: for a set every part alone ({@link PartSet#check}) first, then the bundle. */
  static int verifyCode(Path bundle, boolean set, List<PublicKey> keys, VerifyOptions opts) {
    try {
      if (set && !PartSet.check(bundle, keys, false).ok()) {
        return ExitCodes.VERIFICATION_FAILED;
      }
      VerificationReport r = OfflineVerifier.verify(bundle, opts);
      return r.passed() ? ExitCodes.OK : ExitCodes.VERIFICATION_FAILED;
    } catch (Exception e) {
      return Main.exitCodeFor(e);
    }
  }

  /** What {@code import} answers up to its plan (a dry run: nothing is written on success either). */
  static int importCode(BundleImporter importer, Path bundle, BundleImporter.Options o) {
    try {
      importer.run(bundle, o);
      return ExitCodes.OK;
    } catch (Exception e) {
      return Main.exitCodeFor(e);
    }
  }
}
