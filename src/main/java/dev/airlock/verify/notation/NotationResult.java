package dev.airlock.verify.notation;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.time.Instant;
import java.util.List;

/**
 * The outcome of verifying one Notation signature under one trust policy statement: what was verified
 * (envelope, signer, scheme), each validation with the action the policy gave it, and, when it failed,
 * the first enforced failure's reason category.
 *
 * @param signature the signature manifest's digest (or a caller's name for the envelope)
 * @param envelope {@code JWS} or {@code COSE}; null when the envelope could not be read
 * @param certificateSubject the signing certificate's subject DN; null when unknown
 * @param validationTime the time certificates were judged at ({@code authenticated} says whether it came
 *     from a verified timestamp or authenticSigningTime rather than the verification time)
 * @param failure the reason category of the enforced failure; null when passed
 */
public record NotationResult(
    String signature,
    String statement,
    String level,
    String envelope,
    String signingScheme,
    String certificateSubject,
    @JsonSerialize(using = ToStringSerializer.class) Instant signingTime,
    @JsonSerialize(using = ToStringSerializer.class) Instant validationTime,
    boolean authenticated,
    List<Outcome> checks,
    boolean passed,
    Check failure,
    String failureMessage) {

  /**
   * One validation: {@code passed} is null when it was not run (skipped by the level, or not reached
   * after an enforced failure).
   */
  public record Outcome(Check check, Action action, Boolean passed, String detail) {}

  /** The validations that failed but were only logged. */
  @JsonIgnore
  public List<Outcome> logged() {
    return checks.stream().filter(o -> Boolean.FALSE.equals(o.passed()) && o.action() == Action.LOG).toList();
  }

  /** One line for a report. */
  public String summary() {
    StringBuilder b = new StringBuilder();
    b.append("notation ").append(envelope == null ? "signature" : envelope + " signature").append(' ').append(shortName(signature));
    if (level.equals("skip")) {
      return "notation trust policy statement '" + statement + "' is set to skip signature verification";
    }
    if (certificateSubject != null) {
      b.append(" by '").append(certificateSubject).append("' (").append(signingScheme).append(')');
    }
    if (passed) {
      b.append(" verified (statement '").append(statement).append("', level ").append(level);
      List<Check> enforced = checks.stream().filter(o -> o.action() == Action.ENFORCE && Boolean.TRUE.equals(o.passed()))
          .map(Outcome::check).toList();
      b.append("; enforced: ").append(String.join(", ", enforced.stream().map(Check::label).toList()));
      Outcome ts = checks.get(Check.AUTHENTIC_TIMESTAMP.ordinal());
      if (authenticated && Boolean.TRUE.equals(ts.passed())) {
        b.append("; ").append(ts.detail());
      }
      for (Outcome o : logged()) {
        b.append("; logged ").append(o.check().label()).append(": ").append(o.detail());
      }
      b.append(')');
    } else {
      b.append(": ").append(failure.label()).append(" failed: ").append(failureMessage)
          .append(" (statement '").append(statement).append("', level ").append(level).append(')');
    }
    return b.toString();
  }

  private static String shortName(String s) {
    return s != null && s.startsWith("sha256:") && s.length() > 19 ? s.substring(0, 19) : String.valueOf(s);
  }
}
