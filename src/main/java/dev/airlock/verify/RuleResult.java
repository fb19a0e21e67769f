package dev.airlock.verify;

/** One policy rule for one image: passed or not, and why (which signature, or what went wrong). */
public record RuleResult(String rule, boolean passed, String why) {}
