package dev.airlock.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under src/test/resources/golden: the output must equal the file. With
 * {@code -Dairlock.golden.update=true} the file is rewritten instead (review the diff before committing it).
 */
final class Golden {
  static final Path DIR = Path.of("src/test/resources/golden");

  private Golden() {}

  static void assertMatches(String name, String actual) throws IOException {
    Path file = DIR.resolve(name);
    if (Boolean.getBoolean("airlock.golden.update")) {
      Files.createDirectories(DIR);
      Files.writeString(file, actual);
    }
    assertThat(file).as("golden file " + file + " (write it with -Dairlock.golden.update=true)").exists();
    assertThat(actual).isEqualTo(Files.readString(file));
  }
}
