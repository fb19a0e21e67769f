package dev.airlock.verify;

import java.util.List;

/**
 * The policy outcome for one image of the bundle.
 *
 * @param required how many rules had to pass
 * @param notes things present but not verified (notation signatures)
 */
public record ImageResult(String reference, String digest, String policy, int required, List<RuleResult> rules,
    List<String> notes, boolean passed) {}
