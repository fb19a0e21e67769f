package dev.airlock.verify.notation;

import java.util.EnumMap;
import java.util.Map;

/**
 * A trust policy's {@code signatureVerification}: the level (strict, permissive, audit, skip) with its
 * overrides applied, i.e. one {@link Action} per {@link Check}. Integrity is always enforced unless the
 * level is skip, and trusted identity follows authenticity.
 */
public final class VerificationLevel {
  private final String name;
  private final Map<Check, Action> actions;

  private VerificationLevel(String name, Map<Check, Action> actions) {
    this.name = name;
    this.actions = actions;
  }

  /**
   * @param level strict, permissive, audit or skip
   * @param overrides keys authenticity, authenticTimestamp, expiry, revocation; values enforce, log (skip
   *     only for revocation); already validated by {@link TrustPolicyDocument}
   */
  public static VerificationLevel of(String level, Map<String, String> overrides) {
    Map<Check, Action> a = new EnumMap<>(Check.class);
    switch (level) {
      case "strict" -> set(a, Action.ENFORCE, Action.ENFORCE, Action.ENFORCE, Action.ENFORCE, Action.ENFORCE);
      case "permissive" -> set(a, Action.ENFORCE, Action.ENFORCE, Action.LOG, Action.LOG, Action.LOG);
      case "audit" -> set(a, Action.ENFORCE, Action.LOG, Action.LOG, Action.LOG, Action.LOG);
      case "skip" -> set(a, Action.SKIP, Action.SKIP, Action.SKIP, Action.SKIP, Action.SKIP);
      default -> throw new IllegalArgumentException("unknown level " + level);
    }
    if (overrides != null) {
      for (Map.Entry<String, String> o : overrides.entrySet()) {
        Action act = Action.valueOf(o.getValue().toUpperCase(java.util.Locale.ROOT));
        switch (o.getKey()) {
          case "authenticity" -> {
            a.put(Check.AUTHENTICITY, act);
            a.put(Check.TRUSTED_IDENTITY, act);
          }
          case "authenticTimestamp" -> a.put(Check.AUTHENTIC_TIMESTAMP, act);
          case "expiry" -> a.put(Check.EXPIRY, act);
          case "revocation" -> a.put(Check.REVOCATION, act);
          default -> throw new IllegalArgumentException("unknown override " + o.getKey());
        }
      }
    }
    return new VerificationLevel(level, a);
  }

  private static void set(Map<Check, Action> a, Action integrity, Action authenticity, Action timestamp, Action expiry,
      Action revocation) {
    a.put(Check.INTEGRITY, integrity);
    a.put(Check.AUTHENTICITY, authenticity);
    a.put(Check.TRUSTED_IDENTITY, authenticity);
    a.put(Check.AUTHENTIC_TIMESTAMP, timestamp);
    a.put(Check.EXPIRY, expiry);
    a.put(Check.REVOCATION, revocation);
  }

  public String name() {
    return name;
  }

  public boolean isSkip() {
    return name.equals("skip");
  }

  public Action action(Check c) {
    return actions.get(c);
  }

  @Override
  public String toString() {
    return name;
  }
}
