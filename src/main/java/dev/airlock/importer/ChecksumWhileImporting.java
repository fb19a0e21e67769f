package dev.airlock.importer;

import dev.airlock.AirlockException;
import dev.airlock.Futures;
import dev.airlock.VerificationException;
import dev.airlock.bundle.ChecksumFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The checksum file beside a bundle ({@link ChecksumFile}) when the verification left layers to be hashed while
 * they are uploaded into a registry: the bundle file (or every part file) is hashed on one more thread while
 * the import uploads, and {@link #await} is called before anything is committed, so a bundle whose file
 * disagrees with its {@code .sha256} leaves nothing at the registry, as with every other target.
 */
final class ChecksumWhileImporting implements AutoCloseable {
  private final ChecksumFile sums;
  private final ExecutorService thread;
  private final CompletableFuture<Void> hashed;

  private ChecksumWhileImporting(ChecksumFile sums) {
    this.sums = sums;
    this.thread = Executors.newSingleThreadExecutor(Futures.daemon("airlock-checksum-file"));
    this.hashed = CompletableFuture.runAsync(() -> {
      try {
        sums.checkAll();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, thread);
    thread.shutdown();
  }

  /** Starts hashing what the checksum file beside {@code bundle} covers; null when there is none. */
  static ChecksumWhileImporting start(Path bundle) throws IOException {
    ChecksumFile sums;
    try {
      sums = ChecksumFile.beside(bundle);
    } catch (AirlockException e) {
      throw e instanceof VerificationException v ? v : new VerificationException(e.getMessage(), e);
    }
    return sums == null ? null : new ChecksumWhileImporting(sums);
  }

  /**
   * Waits for the hashing; a file that disagrees with its line, or has none, is a {@link VerificationException}
   * naming the checksum file and the file.
   */
  void await() throws IOException {
    try {
      Futures.join(hashed);
    } catch (AirlockException e) {
      throw e instanceof VerificationException v ? v : new VerificationException(e.getMessage(), e);
    } catch (IOException e) {
      throw new VerificationException(sums.path() + ": the files it names cannot be read: " + e.getMessage(), e);
    }
  }

  /** Stops the hashing when the import ends before {@link #await} (the thread is interrupted). */
  @Override
  public void close() {
    thread.shutdownNow();
  }
}
