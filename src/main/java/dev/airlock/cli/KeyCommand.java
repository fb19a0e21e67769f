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
    description = "Generate cosign-compatible signing keys; prepare and read keys on PKCS#11 tokens.",
    subcommands = {KeyCommand.Generate.class, KeyCommand.HolderCertificate.class, KeyCommand.PublicKey.class})
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

  @Command(name = "holder-certificate", mixinStandardHelpOptions = true,
      description = {"Write a holder certificate (DER) for a public key made on a PKCS#11 token, to store on the token"
          + " beside the key (pkcs11-tool --write-object CERT --type cert --id ID --label LABEL): the JDK's PKCS#11 key"
          + " store lists a private key only with a certificate of its CKA_ID.",
          "It is signed by a throwaway key; airlock uses only its public key, and checks it against the token's key"
              + " each time it opens the key. See docs/verification.md."})
  static final class HolderCertificate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--public", required = true, paramLabel = "PUB", description = "The token key's public key: PEM,"
        + " or DER as pkcs11-tool --read-object --type pubkey writes it.")
    Path pub;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "CERT.der") Path out;

    @Option(names = "--subject", defaultValue = "CN=airlock site signing key", paramLabel = "DN",
        description = "Subject (and issuer) name (default: ${DEFAULT-VALUE}).")
    String subject;

    @Override
    public Integer call() throws Exception {
      if (!Files.isRegularFile(pub)) {
        throw new InvalidInputException("public key file " + pub + " does not exist");
      }
      byte[] bytes = dev.airlock.files.BoundedFile.read(pub, dev.airlock.files.BoundedFile.KEY_CAP, "public key");
      String text = new String(bytes, StandardCharsets.US_ASCII);
      java.security.PublicKey key = text.contains("-----BEGIN")
          ? dev.airlock.verify.keys.PublicKeys.parsePem(text, "public key " + pub)
          : dev.airlock.verify.keys.PublicKeys.fromDer(bytes, "public key " + pub);
      AtomicFiles.write(out, dev.airlock.sitesign.pkcs11.HolderCertificate.of(key, subject), "rw-r--r--");
      spec.commandLine().getOut().println("Holder certificate written to " + out + " (key id "
          + dev.airlock.verify.keys.PublicKeys.keyId(key).substring(0, 12) + ")");
      return ExitCodes.OK;
    }
  }

  @Command(name = "public-key", mixinStandardHelpOptions = true,
      description = "Print the public key (PEM) of a signing key: a cosign key file, or a pkcs11: URI (the key is opened"
          + " and a test signature checked, so this also proves the token, PIN and certificate work).")
  static final class PublicKey implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--key", required = true, paramLabel = "KEY") String key;

    @Option(names = "--pkcs11-module", paramLabel = "SO") Path pkcs11Module;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write it here instead of printing it.")
    Path out;

    @Override
    public Integer call() throws Exception {
      SigningKey k = KeySources.load(key, pkcs11Module);
      if (out != null) {
        AtomicFiles.write(out, k.publicKeyPem().getBytes(StandardCharsets.UTF_8), "rw-r--r--");
        spec.commandLine().getOut().println("Public key written to " + out + " (key id "
            + dev.airlock.verify.keys.PublicKeys.keyId(k.publicKey()).substring(0, 12) + ")" + (k.device() == null ? ""
                : "; the private key is on the token (" + k.device() + ")" + (k.privateKey().getEncoded() == null
                    ? ", not extractable" : ", EXTRACTABLE: its value can be read off the token")));
      } else {
        spec.commandLine().getOut().print(k.publicKeyPem());
      }
      return ExitCodes.OK;
    }
  }
}
