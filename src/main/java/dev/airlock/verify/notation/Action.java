package dev.airlock.verify.notation;

/** What a failed validation does: ends verification ({@code enforce}), is only reported ({@code log}), or is not run. */
public enum Action {
  ENFORCE,
  LOG,
  SKIP;

  public String word() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
