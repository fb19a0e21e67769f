package dev.airlock.verify.sigstore;

import dev.airlock.InvalidInputException;
import dev.sigstore.VerificationOptions;
import dev.sigstore.strings.StringMatcher;

/**
 * Who must have signed keylessly: the certificate's subject alternative name (exact or a regular
 * expression) and the OIDC issuer that Fulcio recorded.
 */
public record CertificateIdentity(String identity, String identityRegexp, String issuer) {
  public CertificateIdentity {
    if ((identity == null) == (identityRegexp == null)) {
      throw new InvalidInputException("give exactly one of a certificate identity or an identity regexp");
    }
    if (issuer == null || issuer.isBlank()) {
      throw new InvalidInputException("a keyless identity needs the OIDC issuer");
    }
  }

  public VerificationOptions.CertificateMatcher matcher() {
    try {
      return VerificationOptions.CertificateMatcher.fulcio()
          .subjectAlternativeName(identity != null ? StringMatcher.string(identity) : StringMatcher.regex(identityRegexp))
          .issuer(StringMatcher.string(issuer))
          .build();
    } catch (RuntimeException | dev.sigstore.strings.RegexSyntaxException e) {
      throw new InvalidInputException("invalid certificate identity regexp '" + identityRegexp + "': " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return (identity != null ? identity : "~" + identityRegexp) + " from " + issuer;
  }
}
