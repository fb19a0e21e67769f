package dev.airlock.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Json;
import dev.airlock.verify.ImageResult;
import dev.airlock.verify.RuleResult;
import dev.airlock.verify.VerificationReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A verification outcome as a report shows it: the {@link VerificationReport} of a verification run for the
 * report, or one saved earlier with {@code airlock verify -o json} ({@code how} says which).
 */
public record Verdict(VerificationReport report, String how) {
  private static final int CAP = 16 * 1024 * 1024;

  public boolean passed() {
    return report.passed();
  }

  /** A saved {@code verify -o json} result; it must be about a bundle of the same file name as {@code bundle}. */
  public static Verdict load(Path file, Path bundle) throws IOException {
    JsonNode n = Json.tree(dev.airlock.files.BoundedFile.read(file, (int) CAP, "--verification"), "verification " + file);
    if (!n.path("passed").isBoolean() || !n.path("checks").isArray() || !n.path("bundle").isTextual()) {
      throw new InvalidInputException("--verification " + file + " is not the output of airlock verify -o json"
          + " (it needs bundle, checks and passed)");
    }
    String named = n.path("bundle").asText();
    String namedFile = Path.of(named).getFileName() == null ? named : Path.of(named).getFileName().toString();
    if (bundle != null && !namedFile.equals(bundle.getFileName().toString())) {
      throw new InvalidInputException("--verification " + file + " is about " + named + ", not " + bundle);
    }
    List<VerificationReport.Check> checks = new ArrayList<>();
    for (JsonNode c : n.path("checks")) {
      checks.add(new VerificationReport.Check(c.path("name").asText(), c.path("passed").asBoolean(false),
          c.path("detail").asText("")));
    }
    List<ImageResult> images = new ArrayList<>();
    for (JsonNode i : n.path("images")) {
      List<RuleResult> rules = new ArrayList<>();
      for (JsonNode r : i.path("rules")) {
        rules.add(new RuleResult(r.path("rule").asText(), r.path("passed").asBoolean(false), r.path("why").asText("")));
      }
      List<String> notes = new ArrayList<>();
      i.path("notes").forEach(x -> notes.add(x.asText()));
      images.add(new ImageResult(i.path("reference").asText(), i.path("digest").asText(), i.path("policy").asText(),
          i.path("required").asInt(), rules, notes, i.path("passed").asBoolean(false)));
    }
    boolean passed = n.path("passed").asBoolean()
        && checks.stream().allMatch(VerificationReport.Check::passed) && images.stream().allMatch(ImageResult::passed);
    VerificationReport r = new VerificationReport(named, n.path("formatVersion").asInt(0), checks, images, passed, null);
    return new Verdict(r, "saved by airlock verify -o json in " + file.getFileName());
  }
}
