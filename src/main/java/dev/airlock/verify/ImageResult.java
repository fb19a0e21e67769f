package dev.airlock.verify;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.airlock.verify.notation.NotationResult;
import java.util.List;

/**
 * The policy outcome for one image of the bundle.
 *
 * @param required how many rules had to pass
 * @param notes things present but not verified, and signatures tried that did not pass
 * @param notation every Notation signature verified for this image: envelope, signer, scheme, each check
 *     with its action (enforced, logged, skipped) and the failure's reason category
 */
public record ImageResult(String reference, String digest, String policy, int required, List<RuleResult> rules,
    List<String> notes, boolean passed, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<NotationResult> notation) {
  public ImageResult {
    notation = notation == null ? List.of() : List.copyOf(notation);
  }

  public ImageResult(String reference, String digest, String policy, int required, List<RuleResult> rules,
      List<String> notes, boolean passed) {
    this(reference, digest, policy, required, rules, notes, passed, List.of());
  }
}
