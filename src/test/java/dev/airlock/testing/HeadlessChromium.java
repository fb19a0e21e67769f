package dev.airlock.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Debian's Chromium, headless, without a driver: {@code --dump-dom} prints the page as the browser holds it
 * after its scripts ran, {@code --screenshot} writes a PNG. Every run gets a fresh profile directory and no
 * network features (no sync, component updates or background requests); the pages tested are local files.
 */
public final class HeadlessChromium {
  private final Path binary;

  private HeadlessChromium(Path binary) {
    this.binary = binary;
  }

  /** Skips the test when Chromium is missing (fails with AIRLOCK_REQUIRE_PEERS=1). */
  public static HeadlessChromium find() {
    return new HeadlessChromium(Peers.chromium());
  }

  /** The DOM after load, serialized; {@code fragment} (may be null) is appended to the file URL after '#'. */
  public String dumpDom(Path page, String fragment) throws IOException, InterruptedException {
    return run(page, fragment, List.of("--dump-dom")).out();
  }

  /** Writes a screenshot of the page at {@code width} x {@code height} CSS pixels. */
  public void screenshot(Path page, Path png, int width, int height) throws IOException, InterruptedException {
    Files.createDirectories(png.toAbsolutePath().getParent());
    Files.deleteIfExists(png);
    run(page, null, List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height,
        "--hide-scrollbars"));
    if (!Files.isRegularFile(png) || Files.size(png) < 1000) {
      throw new AssertionError("chromium wrote no screenshot to " + png);
    }
  }

  private ProcessRunner.Result run(Path page, String fragment, List<String> what) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("airlock-chromium-");
    try {
      List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
          "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
          "--disable-extensions", "--user-data-dir=" + profile));
      cmd.addAll(what);
      cmd.add(page.toAbsolutePath().toUri() + (fragment == null ? "" : "#" + fragment));
      return ProcessRunner.run(cmd, 120).assertOk();
    } finally {
      try (Stream<Path> s = Files.walk(profile)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
