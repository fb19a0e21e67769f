package dev.airlock.mirror;

import dev.airlock.AirlockException;
import dev.airlock.InvalidInputException;
import dev.airlock.bundle.BundleSpec;
import dev.airlock.importer.BundleImporter;
import dev.airlock.importer.ImportResult;
import dev.airlock.oci.Digest;
import dev.airlock.progress.ByteSize;
import dev.airlock.progress.ProgressListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code mirror --watch INTERVAL}: mirrors again and again, regsync-style, until interrupted. The first round
 * says what it mirrored in one line; later rounds say nothing unless an entry changed: one line per entry
 * whose digest moved (its new blobs are all a round pushes, since a re-run pushes only what is missing), is
 * new, or is gone from the source. A failed round (a registry down, a policy failure, which pushes nothing)
 * is one line, and the next round runs at its time.
 */
public final class MirrorWatch {
  private static final Pattern INTERVAL = Pattern.compile("(\\d+)(ms|s|m|h)");

  private final Mirror mirror;
  private final BundleSpec spec;
  private final Path specFile;
  private final Duration interval;
  private final Consumer<String> log;
  private Map<String, Digest> last;

  public MirrorWatch(Mirror mirror, BundleSpec spec, Path specFile, Duration interval, Consumer<String> log) {
    this.mirror = mirror;
    this.spec = spec;
    this.specFile = specFile;
    this.interval = interval;
    this.log = log;
  }

  /** {@code 30s}, {@code 5m}, {@code 1h}, {@code 500ms}; at least one second but for tests' {@code ms}. */
  public static Duration parseInterval(String s) {
    Matcher m = INTERVAL.matcher(s.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new InvalidInputException("--watch '" + s + "' is not an interval (e.g. 30s, 5m, 1h)");
    }
    long n = Long.parseLong(m.group(1));
    Duration d = switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
    if (d.isZero()) {
      throw new InvalidInputException("--watch interval must be more than 0");
    }
    return d;
  }

  /**
   * Runs rounds until interrupted or {@code rounds} have run; {@code options} gives each round's import
   * options for a progress listener (the watch passes none: its output is its lines).
   */
  public void run(Function<ProgressListener, BundleImporter.Options> options, long rounds) {
    for (long n = 0; n < rounds; n++) {
      if (n > 0) {
        try {
          Thread.sleep(interval.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
      round(options.apply(ProgressListener.NONE));
    }
  }

  /** One round, logged. */
  void round(BundleImporter.Options options) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Mirror.Result r;
    try {
      r = mirror.run(spec, specFile, options);
    } catch (AirlockException | IOException | UncheckedIOException e) {
      log.accept(now + " round failed, nothing changed at the target for what failed: " + e.getMessage());
      return;
    }
    Map<String, Digest> current = new LinkedHashMap<>();
    r.entries().forEach(e -> current.put(e.refName(), e.digest()));
    ImportResult i = r.imported();
    String pushed = i.blobsPushed() + " blobs (" + ByteSize.human(i.bytesPushed()) + ") and " + i.manifestsPushed()
        + " manifests pushed";
    if (last == null) {
      log.accept(now + " mirrored " + current.size() + " entries to " + options.to() + ": " + pushed + ", "
          + i.blobsSkipped() + " blobs already there");
    } else {
      int changes = 0;
      for (Map.Entry<String, Digest> e : current.entrySet()) {
        Digest before = last.get(e.getKey());
        if (before == null) {
          log.accept(now + " " + e.getKey() + ": new, " + e.getValue() + " (" + pushed + " this round)");
          changes++;
        } else if (!before.equals(e.getValue())) {
          log.accept(now + " " + e.getKey() + ": " + before.shortForm() + " -> " + e.getValue().shortForm() + " ("
              + pushed + " this round)");
          changes++;
        }
      }
      for (Map.Entry<String, Digest> e : last.entrySet()) {
        if (!current.containsKey(e.getKey())) {
          log.accept(now + " " + e.getKey() + ": no longer in the source or the spec (was " + e.getValue().shortForm()
              + "; left at the target)");
        }
      }
      if (changes == 0 && (i.blobsPushed() > 0 || i.manifestsPushed() > 0)) {
        log.accept(now + " no tag moved, but " + pushed + " (content missing at the target)");
      }
    }
    last = current;
  }
}
