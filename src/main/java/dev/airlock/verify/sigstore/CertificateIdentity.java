package dev.airlock.verify.sigstore;

import dev.airlock.InvalidInputException;
import dev.sigstore.VerificationOptions;
import dev.sigstore.strings.StringMatcher;

/**
 * Who must have signed keylessly: the certificate's subject alternative name (exact or a regular
 * expression) and the OIDC issuer that Fulcio recorded.
 */
public record CertificateIdentity(String identity, String identityRegexp, String issuer, String issuerRegexp) {
  public CertificateIdentity {
    if ((identity == null) == (identityRegexp == null)) {
      throw new InvalidInputException("give exactly one of a certificate identity or an identity regexp");
    }
    if ((issuer == null || issuer.isBlank()) && (issuerRegexp == null || issuerRegexp.isBlank())) {
      throw new InvalidInputException("a keyless identity needs the OIDC issuer");
    }
    if (issuer != null && issuerRegexp != null) {
      throw new InvalidInputException("give exactly one of an OIDC issuer or an issuer regexp");
    }
  }

  public CertificateIdentity(String identity, String identityRegexp, String issuer) {
    this(identity, identityRegexp, issuer, null);
  }

  public VerificationOptions.CertificateMatcher matcher() {
    try {
      return VerificationOptions.CertificateMatcher.fulcio()
          .subjectAlternativeName(identity != null ? StringMatcher.string(identity) : StringMatcher.regex(identityRegexp))
          .issuer(issuer != null ? StringMatcher.string(issuer) : StringMatcher.regex(issuerRegexp))
          .build();
    } catch (RuntimeException | dev.sigstore.strings.RegexSyntaxException e) {
      throw new InvalidInputException("invalid certificate identity or issuer regexp '" + (identityRegexp != null ? identityRegexp : issuerRegexp) + "': " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return (identity != null ? identity : "~" + identityRegexp) + " from " + (issuer != null ? issuer : "~" + issuerRegexp);
  }
}
