package dev.airlock.verify.tuf;

import dev.airlock.InvalidInputException;
import dev.airlock.VerificationException;
import dev.sigstore.tuf.FileSystemTufStore;
import dev.sigstore.tuf.Fetcher;
import dev.sigstore.tuf.MetaFetcher;
import dev.sigstore.tuf.PassthroughCacheMetaStore;
import dev.sigstore.tuf.RootProvider;
import dev.sigstore.tuf.SigstoreTufClient;
import dev.sigstore.tuf.TrustedMetaStore;
import dev.sigstore.tuf.Updater;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * A TUF client over a local repository directory in the consistent-snapshot layout
 * ({@code N.root.json}, {@code timestamp.json}, {@code V.snapshot.json}, {@code V.targets.json},
 * {@code targets/<sha256>.<name>}), built on sigstore-java's TUF {@code Updater} with a fixed clock:
 * it walks the root chain from a pinned root checking threshold signatures at each step, then checks
 * timestamp, snapshot and targets (signatures, versions, hashes, lengths, expiry at the validation time)
 * and returns a target's bytes only when its hashes match targets.json. No network is touched.
 */
public final class OfflineTufClient {
  private OfflineTufClient() {}

  public static final String TRUSTED_ROOT_TARGET = "trusted_root.json";

  /**
   * @param repository the local TUF repository directory
   * @param pinnedRoot the trusted initial root.json, or null for the one embedded in sigstore-java
   *     (Sigstore public-good root v10)
   * @param at the validation time: expiry of every role is checked against it
   * @return the verified {@code trusted_root.json} bytes
   */
  public static byte[] trustedRoot(Path repository, Path pinnedRoot, Instant at) throws IOException {
    return target(repository, pinnedRoot, at, TRUSTED_ROOT_TARGET);
  }

  public static byte[] target(Path repository, Path pinnedRoot, Instant at, String target) throws IOException {
    if (!Files.isDirectory(repository)) {
      throw new InvalidInputException("TUF repository " + repository + " is not a directory");
    }
    if (pinnedRoot != null && !Files.isRegularFile(pinnedRoot)) {
      throw new InvalidInputException("pinned TUF root " + pinnedRoot + " does not exist");
    }
    Path cache = dev.airlock.files.OwnedTempDirs.create(Path.of(System.getProperty("java.io.tmpdir")), "airlock-tuf-");
    try {
      FileSystemTufStore store = FileSystemTufStore.newFileSystemStore(cache);
      Updater updater = Updater.builder()
          .setClock(Clock.fixed(at, ZoneOffset.UTC))
          .setVerifiers(dev.sigstore.tuf.encryption.Verifiers::newVerifier)
          .setMetaFetcher(MetaFetcher.newFetcher(new DirectoryFetcher(repository)))
          .setTargetFetcher(new DirectoryFetcher(repository.resolve("targets")))
          .setTrustedRootPath(pinnedRoot == null
              ? RootProvider.fromResource(SigstoreTufClient.PUBLIC_GOOD_ROOT_RESOURCE)
              : RootProvider.fromFile(pinnedRoot))
          .setTrustedMetaStore(TrustedMetaStore.newTrustedMetaStore(PassthroughCacheMetaStore.newPassthroughMetaCache(store)))
          .setTargetStore(store)
          .build();
      try {
        updater.updateMeta();
        updater.downloadTarget(target);
      } catch (IOException | RuntimeException | dev.sigstore.json.JsonParseException e) {
        throw new VerificationException("TUF repository " + repository + " does not verify at " + at + ": "
            + describe(e), e);
      }
      return store.readTarget(target);
    } finally {
      dev.airlock.files.OwnedTempDirs.delete(cache);
    }
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    String name = e.getClass().getSimpleName();
    String first = m == null ? name : m.lines().findFirst().orElse(name);
    return name.equals("RoleExpiredException") ? "metadata expired (" + first + ")" : first;
  }

  /** Reads metadata and targets from a directory, with the size limit the updater asks for. */
  private record DirectoryFetcher(Path dir) implements Fetcher {
    @Override
    public String getSource() {
      return dir.toString();
    }

    @Override
    public byte[] fetchResource(String name, int maxLength) throws IOException {
      if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
        throw new IOException("refusing TUF file name " + name);
      }
      Path p = dir.resolve(name);
      if (!Files.isRegularFile(p)) {
        return null;
      }
      try {
        return dev.airlock.files.BoundedFile.read(p, maxLength, "TUF file");
      } catch (dev.airlock.InvalidInputException e) {
        throw new IOException(e.getMessage(), e);
      }
    }
  }
}
