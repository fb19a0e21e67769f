package dev.airlock.cli;

import dev.airlock.InvalidInputException;
import dev.airlock.store.AtomicFiles;
import dev.airlock.verify.keys.KeyPassword;
import dev.airlock.verify.keys.SigningKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "key", mixinStandardHelpOptions = true,
    description = "Generate cosign-compatible signing keys.",
    subcommands = {KeyCommand.Generate.class})
final class KeyCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "generate", mixinStandardHelpOptions = true,
      description = {"Write an ECDSA P-256 key pair as PREFIX.key (encrypted, cosign format) and PREFIX.pub.",
          "The password comes from AIRLOCK_PASSWORD, COSIGN_PASSWORD, or a prompt."})
  static final class Generate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--output-key-prefix", defaultValue = "cosign", description = "File name prefix (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Option(names = "--force", description = "Overwrite existing key files.")
    boolean force;

    @Override
    public Integer call() throws Exception {
      Path key = Path.of(prefix + ".key");
      Path pub = Path.of(prefix + ".pub");
      if (!force && (Files.exists(key) || Files.exists(pub))) {
        throw new InvalidInputException(key + " or " + pub + " already exists (use --force to overwrite)");
      }
      char[] pw = KeyPassword.resolve(System.getenv(), System.console(), "Enter password for private key: ", true);
      SigningKey k = SigningKey.generate();
      AtomicFiles.write(key, k.encryptedPem(pw).getBytes(StandardCharsets.UTF_8));
      AtomicFiles.write(pub, k.publicKeyPem().getBytes(StandardCharsets.UTF_8), "rw-r--r--"); // a public key, as cosign writes it

      spec.commandLine().getOut().println("Private key written to " + key);
      spec.commandLine().getOut().println("Public key written to " + pub + " (key id "
          + dev.airlock.verify.keys.PublicKeys.keyId(k.publicKey()).substring(0, 12) + ")");
      return ExitCodes.OK;
    }
  }
}
