package dev.airlock.importer;

import dev.airlock.registry.RegistryOptions;
import dev.airlock.testing.ProcessRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A child-JVM entry point for import tests whose bundles are hand-made tars (no catalog, so the offline
 * verifier would refuse them before the behaviour under test): the same importer, integrity-verified.
 * Usage: {@code ImportMain BUNDLE TARGET [JOBS]}.
 */
public final class ImportMain {
  private ImportMain() {}

  public static void main(String[] args) throws Exception {
    ImportResult r = new BundleImporter(new IntegrityVerifier(), new RegistryImportTargets(RegistryOptions.anonymous()))
        .run(Path.of(args[0]), new BundleImporter.Options(args[1], new ReferenceMapper(null, false, false),
            new BundleVerifier.Request(List.of(), null, true), false, args.length > 2 ? Integer.parseInt(args[2]) : 0,
            null, null, null));
    r.proof().forEach(System.out::println);
    System.out.println(r.summary());
  }

  /** The command line running this in a fresh JVM with the test class path. */
  static List<String> command(String maxHeap, String... args) {
    List<String> cmd = new ArrayList<>(ProcessRunner.airlockJvm(maxHeap, args));
    cmd.set(cmd.indexOf("dev.airlock.cli.Main"), ImportMain.class.getName());
    return cmd;
  }
}
