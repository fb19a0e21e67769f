package dev.airlock.cli;

import dev.airlock.InvalidInputException;
import dev.airlock.importer.ImportItem;
import dev.airlock.importer.ImportResult;
import dev.airlock.importer.ImportTarget;
import dev.airlock.importer.RegistryTargets;
import dev.airlock.receipt.ReceiptTaker;
import dev.airlock.receipt.ReceiptWriter;
import dev.airlock.receipt.TargetInventory;
import dev.airlock.verify.keys.KeyPassword;
import dev.airlock.verify.keys.SigningKey;
import dev.airlock.progress.TerminalProgress;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.ContentStore;
import dev.airlock.store.LayoutStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code airlock receipt --from TARGET -o FILE}: the inventory of a target airlock did not fill (or whose history
 * was lost), as the receipt {@code import --receipt} writes; and the receipt after an import.
 */
@Command(name = "receipt", mixinStandardHelpOptions = true,
    description = {"Take a receipt of a registry or an OCI layout: which blobs, manifests and tags it holds.",
        "What the connected side computes the next delta bundle from (bundle --since FILE); the same document"
            + " import --receipt writes. See docs/deltas.md."})
final class ReceiptCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--from", required = true, paramLabel = "TARGET", description = "host:port or oci:DIR.")
  String from;

  @Option(names = "--repos", paramLabel = "FILE", description = "The repositories to take, one a line (default: every"
      + " repository the registry lists in _catalog, or every one a layout names).")
  Path repos;

  @Option(names = "--prefix", paramLabel = "P", description = "Only repositories under P/ (or named P).")
  String prefix;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "The receipt to write.")
  Path output;

  @Option(names = "--key", paramLabel = "KEY", description = "Sign the receipt with this cosign private key, or the"
      + " key a pkcs11: URI names (RFC 7512; PIN from AIRLOCK_PKCS11_PIN, pin-source or a prompt).")
  Path key;

  @Option(names = "--created", paramLabel = "TIME", description = "The receipt's created time (e.g."
      + " 2026-12-02T10:00:00Z; default: SOURCE_DATE_EPOCH when set, else now): the same target then gives a"
      + " byte-identical receipt.")
  String created;

  @Option(names = "--pkcs11-module", paramLabel = "SO", description = "The PKCS#11 module for a pkcs11: key.")
  Path pkcs11Module;

  @Mixin RegistryOptionsMixin registry = new RegistryOptionsMixin();

  @Override
  public Integer call() throws Exception {
    java.time.Instant at = ReceiptTaker.created("--created", created, System.getenv("SOURCE_DATE_EPOCH"));
    SigningKey signer = key == null ? null : KeySources.load(key.toString(), pkcs11Module);
    PrintWriter out = spec.commandLine().getOut();
    TerminalProgress progress = TerminalProgress.forConsole(spec.commandLine().getErr());
    ReceiptWriter.Written w;
    try (ContentStore store = open()) {
      List<String> names = repositories(store);
      if (names.isEmpty()) {
        throw new InvalidInputException(from + " has no repositories" + (prefix == null ? "" : " under " + prefix)
            + " to take a receipt of");
      }
      String target = ReceiptTaker.targetName(from.startsWith("oci:") ? null : from, from);
      w = ReceiptTaker.take(store, target, names, at, signer, output, "airlock " + Main.version(),
          (repo, tags) -> progress.info("inventory of " + repo + " (" + tags + " tags)"));
    } finally {
      progress.finish();
    }
    out.println("receipt: " + w.summary() + " -> " + output);
    out.flush();
    return ExitCodes.OK;
  }

  private ContentStore open() throws IOException {
    if (from.startsWith("oci:")) {
      Path dir = Path.of(from.substring(4));
      if (!java.nio.file.Files.isDirectory(dir)) {
        throw new InvalidInputException("--from " + from + ": no such layout directory");
      }
      return LayoutStore.open(dir);
    }
    if (from.contains("/") || from.contains("://")) {
      throw new InvalidInputException("--from " + from + ": give host:port (use --prefix for a path) or oci:DIR");
    }
    return RegistryStore.open(from, registry.toOptions(System.in));
  }

  private List<String> repositories(ContentStore store) throws IOException {
    List<String> all;
    if (repos != null) {
      all = new ArrayList<>();
      for (String line : dev.airlock.files.BoundedFile.readUtf8(repos, dev.airlock.files.BoundedFile.LARGE_DOCUMENT_CAP,
          "--repos file").split("\n")) {
        String r = line.strip();
        if (!r.isEmpty() && !r.startsWith("#")) {
          all.add(r);
        }
      }
    } else if (store instanceof RegistryStore reg) {
      all = reg.repositories();
    } else {
      TreeSet<String> names = new TreeSet<>();
      for (var d : ((LayoutStore) store).index()) {
        String ref = d.annotation(dev.airlock.oci.Descriptor.REF_NAME);
        int colon = ref == null ? -1 : ref.lastIndexOf(':');
        if (colon > 0 && ref.indexOf('/', colon) < 0) {
          names.add(ref.substring(0, colon));
        }
      }
      all = new ArrayList<>(names);
    }
    if (prefix == null || prefix.isBlank()) {
      return all;
    }
    String p = prefix.replaceAll("^/+|/+$", "");
    return all.stream().filter(r -> r.equals(p) || r.startsWith(p + "/")).toList();
  }

  /** The receipt of the repositories an import wrote, re-read from its target once the import is proven. */
  static ReceiptWriter.Written afterImport(String to, RegistryTargets targets, ImportResult r, java.time.Instant created,
      SigningKey key, Path out) throws IOException {
    TreeSet<String> repos = new TreeSet<>();
    for (ImportItem i : r.plan().items()) {
      repos.add(i.targetRepository());
    }
    try (ImportTarget t = ImportTarget.open(to, targets)) {
      return ReceiptTaker.take(t.store(), ReceiptTaker.targetName(t.host(), to), repos, created, key, out,
          "airlock " + Main.version(), TargetInventory.Listener.NONE);
    }
  }

  /** A cosign private key, the password from the environment or a prompt. */
  static SigningKey signingKey(Path key) throws IOException {
    return KeySources.load(key.toString(), null);
  }
}
