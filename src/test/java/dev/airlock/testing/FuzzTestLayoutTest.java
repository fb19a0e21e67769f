package dev.airlock.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The build's fuzzing rests on a layout (docs/fuzzing.md): every {@code *FuzzTest} class holds exactly one
 * {@link FuzzTest} (Jazzer fuzzes one per JVM, and the fuzz execution starts one JVM per class), with the
 * shared time budget, and committed inputs in Jazzer's directory for it.
 */
class FuzzTestLayoutTest {
  @Test
  void everyFuzzTestClassHasOneFuzzTestWithABudgetAndInputs() throws Exception {
    Path classes = Path.of(FuzzTestLayoutTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> names;
    try (Stream<Path> s = Files.walk(classes)) {
      names = s.map(p -> classes.relativize(p).toString())
          .filter(n -> n.endsWith("FuzzTest.class") && !n.contains("$"))
          .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
          .sorted().toList();
    }
    assertThat(names).hasSizeGreaterThanOrEqualTo(9);
    for (String name : names) {
      Class<?> c = Class.forName(name);
      List<Method> fuzz = Arrays.stream(c.getDeclaredMethods()).filter(m -> m.isAnnotationPresent(FuzzTest.class)).toList();
      assertThat(fuzz).as(name).hasSize(1);
      assertThat(fuzz.get(0).getAnnotation(FuzzTest.class).maxDuration()).as(name).isEqualTo(Fuzzing.BUDGET);
      Path inputs = inputs(c, fuzz.get(0));
      assertThat(inputs).as(name).isDirectory();
      try (Stream<Path> s = Files.list(inputs)) {
        assertThat(s.filter(Files::isRegularFile).count()).as(name + " inputs").isPositive();
      }
    }
  }

  private static Path inputs(Class<?> c, Method m) throws URISyntaxException {
    var url = c.getResource(c.getSimpleName() + "Inputs/" + m.getName());
    assertThat(url).as(c.getName() + " has no " + c.getSimpleName() + "Inputs/" + m.getName()).isNotNull();
    return Path.of(url.toURI());
  }
}
