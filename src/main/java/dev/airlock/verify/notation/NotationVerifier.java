package dev.airlock.verify.notation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Verifies one Notation signature envelope against a trust policy statement and a trust store, offline,
 * in Notation's order: integrity, authenticity, trusted identity, expiry, authentic timestamp,
 * revocation. Each validation is enforced, logged or skipped as the statement's level says; the first
 * enforced failure ends verification. This is the library front door every policy front end calls
 * (Notation trust policy files, airlock's {@code notation:} rule, Kyverno's Notary attestor).
 *
 * <p>Time: expiry, and certificate validity when no authenticated time applies, are judged at the
 * verification time given to the constructor (now, for the CLI). With a verified RFC 3161 timestamp the
 * signing chain must be valid over the whole stamped range; under {@code notary.x509.signingAuthority}
 * at {@code authenticSigningTime}. CRLs must be current at the verification time.
 */
public final class NotationVerifier {
  private final TrustStore trustStore;
  private final List<X509CRL> crls;
  private final Instant verificationTime;

  /**
   * @param extraCrls CRLs beyond the trust store's own (for example carried beside a bundle); may be empty
   * @param verificationTime "now"
   */
  public NotationVerifier(TrustStore trustStore, List<X509CRL> extraCrls, Instant verificationTime) {
    this.trustStore = trustStore;
    List<X509CRL> all = new ArrayList<>(trustStore == null ? List.of() : trustStore.crls());
    all.addAll(extraCrls == null ? List.of() : extraCrls);
    this.crls = List.copyOf(all);
    this.verificationTime = verificationTime;
  }

  /**
   * @param signatureName for the report (the signature manifest's digest)
   * @param envelopeMediaType the signature manifest's layer media type
   * @param subject the descriptor of what must have been signed (the signature's {@code subject})
   */
  public NotationResult verify(TrustPolicyStatement statement, String signatureName, String envelopeMediaType,
      byte[] envelope, Descriptor subject) {
    return new Run(statement, signatureName).execute(envelopeMediaType, envelope, subject);
  }

  /**
   * The revocation validation alone, as {@link #verify} runs it last: the chain (leaf first) against this
   * verifier's offline CRLs at the verification time, under the action {@code statement}'s level gives
   * revocation. A failed outcome with action {@code enforce} is one that ends verification; {@code log}
   * only reports it. For chains whose signing key is not at hand (the shared CRL vectors).
   */
  NotationResult.Outcome revocation(TrustPolicyStatement statement, List<X509Certificate> chain) {
    Run run = new Run(statement, "certificate chain");
    run.step(Check.REVOCATION, () -> run.revocation(chain));
    return run.outcomes.get(Check.REVOCATION);
  }

  /** One verification's state: the outcomes so far and what the envelope said. */
  private final class Run {
    final TrustPolicyStatement st;
    final String name;
    final Map<Check, NotationResult.Outcome> outcomes = new EnumMap<>(Check.class);
    SignatureEnvelope env;
    Instant validationTime;
    boolean authenticated;
    /** The latest the signature can have been made, when authenticated (timestamp's upper limit, or authenticSigningTime). */
    Instant signedBy;

    Run(TrustPolicyStatement st, String name) {
      this.st = st;
      this.name = name;
      this.validationTime = verificationTime;
    }

    @FunctionalInterface
    interface Step {
      String run() throws NotationCheckException;
    }

    NotationResult execute(String mediaType, byte[] bytes, Descriptor subject) {
      VerificationLevel level = st.level();
      if (level.isSkip()) {
        for (Check c : Check.values()) {
          outcomes.put(c, new NotationResult.Outcome(c, Action.SKIP, null, "skipped by level skip"));
        }
        return result(true, null, null);
      }
      NotationCheckException failed;
      failed = step(Check.INTEGRITY, () -> integrity(mediaType, bytes, subject));
      if (failed == null) {
        failed = step(Check.AUTHENTICITY, this::authenticity);
      }
      if (failed == null) {
        failed = step(Check.TRUSTED_IDENTITY, this::trustedIdentity);
      }
      if (failed == null) {
        failed = step(Check.EXPIRY, this::expiry);
      }
      if (failed == null) {
        failed = step(Check.AUTHENTIC_TIMESTAMP, this::authenticTimestamp);
      }
      if (failed == null) {
        failed = step(Check.REVOCATION, this::revocation);
      }
      for (Check c : Check.values()) {
        outcomes.putIfAbsent(c, new NotationResult.Outcome(c, level.action(c), null, "not reached"));
      }
      return failed == null ? result(true, null, null) : result(false, failed.check(), failed.getMessage());
    }

    /** Runs a validation; returns the failure when it is enforced, null otherwise. */
    NotationCheckException step(Check c, Step s) {
      Action a = st.level().action(c);
      if (a == Action.SKIP) {
        outcomes.put(c, new NotationResult.Outcome(c, a, null, "skipped by the trust policy"));
        return null;
      }
      try {
        outcomes.put(c, new NotationResult.Outcome(c, a, true, s.run()));
        return null;
      } catch (NotationCheckException e) {
        outcomes.put(c, new NotationResult.Outcome(c, a, false, e.getMessage()));
        return a == Action.ENFORCE || c == Check.INTEGRITY ? e : null;
      }
    }

    String integrity(String mediaType, byte[] bytes, Descriptor subject) throws NotationCheckException {
      env = SignatureEnvelope.parse(mediaType, bytes);
      env.verifySignature();
      JsonNode payload;
      try {
        payload = Json.tree(env.payload(), "payload");
      } catch (RuntimeException e) {
        throw new NotationCheckException(Check.INTEGRITY, "the signed payload is not JSON");
      }
      JsonNode t = payload.path("targetArtifact");
      if (!t.isObject()) {
        throw new NotationCheckException(Check.INTEGRITY, "the signed payload has no targetArtifact");
      }
      String digest = t.path("digest").asText("");
      String mt = t.path("mediaType").asText("");
      long size = t.path("size").asLong(-1);
      if (!digest.equals(subject.digest().toString()) || !mt.equals(subject.mediaType()) || size != subject.size()) {
        throw new NotationCheckException(Check.INTEGRITY, "the signature is for " + mt + " " + digest + " (" + size
            + " bytes), not for " + subject.mediaType() + " " + subject.digest() + " (" + subject.size() + " bytes)");
      }
      return env.envelopeName() + " " + env.algorithm() + " signature over " + subject.digest().shortForm() + " verifies";
    }

    String authenticity() throws NotationCheckException {
      String type = env.signingScheme().equals(SignatureEnvelope.SCHEME_X509) ? "ca" : "signingAuthority";
      List<String> names = st.storesOfType(type);
      if (names.isEmpty()) {
        throw new NotationCheckException(Check.AUTHENTICITY, "the trust policy names no " + type + ": trust store for the "
            + env.signingScheme() + " signing scheme");
      }
      List<X509Certificate> trusted = new ArrayList<>();
      for (String n : names) {
        List<X509Certificate> certs = trustStore == null ? null : trustStore.certificates(type + ":" + n);
        if (certs == null) {
          throw new NotationCheckException(Check.AUTHENTICITY, "trust store " + type + ":" + n + " does not exist in "
              + (trustStore == null ? "the (absent) trust store" : trustStore.source()));
        }
        trusted.addAll(certs);
      }
      try {
        CertificateChains.validate(env.certificateChain(), CertificateChains.CODE_SIGNING, "the signing");
      } catch (CertificateChains.ChainException e) {
        throw new NotationCheckException(Check.AUTHENTICITY, e.getMessage());
      }
      X509Certificate match;
      try {
        match = CertificateChains.firstTrusted(env.certificateChain(), trusted);
      } catch (GeneralSecurityException e) {
        throw new NotationCheckException(Check.AUTHENTICITY, e.getMessage());
      }
      if (match == null) {
        throw new NotationCheckException(Check.AUTHENTICITY, "the signature's certificate chain does not contain any"
            + " trusted certificate of " + String.join(", ", names.stream().map(n -> type + ":" + n).toList())
            + " (certificates are compared whole, not by key)");
      }
      return "chain leads to " + CertificateChains.subject(match) + " of " + type + ":" + String.join(",", names);
    }

    String trustedIdentity() throws NotationCheckException {
      if (st.anyIdentity()) {
        return "any identity is trusted ('*')";
      }
      DistinguishedName subject = DistinguishedName.of(env.leaf().getSubjectX500Principal());
      for (DistinguishedName id : st.trustedIdentities()) {
        if (id.isSubsetOf(subject)) {
          return "signer '" + subject + "' matches x509.subject: " + id;
        }
      }
      throw new NotationCheckException(Check.TRUSTED_IDENTITY, "signing certificate subject '" + subject
          + "' does not match the X.509 trusted identities of the trust policy");
    }

    String expiry() throws NotationCheckException {
      if (env.expiry() == null) {
        return "the signature has no expiry";
      }
      if (!verificationTime.isBefore(env.expiry())) {
        throw new NotationCheckException(Check.EXPIRY, "the signature expired at " + env.expiry()
            + " (verification time " + verificationTime + ")");
      }
      return "the signature expires at " + env.expiry();
    }

    String authenticTimestamp() throws NotationCheckException {
      List<X509Certificate> chain = env.certificateChain();
      if (env.signingScheme().equals(SignatureEnvelope.SCHEME_SIGNING_AUTHORITY)) {
        Instant t = env.authenticSigningTime();
        for (X509Certificate c : chain) {
          if (t.isBefore(c.getNotBefore().toInstant()) || t.isAfter(c.getNotAfter().toInstant())) {
            throw new NotationCheckException(Check.AUTHENTIC_TIMESTAMP, "certificate " + CertificateChains.subject(c)
                + " was not valid at the authentic signing time " + t);
          }
        }
        validationTime = t;
        signedBy = t;
        authenticated = true;
        return "the chain is valid at the authentic signing time " + t;
      }
      boolean verifyTs = !st.storesOfType("tsa").isEmpty();
      if (verifyTs && st.verifyTimestamp().equals(TrustPolicyStatement.AFTER_CERT_EXPIRY)
          && CertificateChains.invalidAt(chain, verificationTime) == null) {
        verifyTs = false;
      }
      if (!verifyTs) {
        String invalid = CertificateChains.invalidAt(chain, verificationTime);
        if (invalid != null) {
          throw new NotationCheckException(Check.AUTHENTIC_TIMESTAMP, invalid
              + (st.storesOfType("tsa").isEmpty() ? "; no tsa trust store is configured, so no timestamp is consulted" : ""));
        }
        return "the chain is valid at the verification time " + verificationTime
            + (st.storesOfType("tsa").isEmpty() ? " (no tsa trust store: timestamp not consulted)" : "");
      }
      if (env.timestampToken() == null) {
        throw new NotationCheckException(Check.AUTHENTIC_TIMESTAMP, "no timestamp countersignature was found in the"
            + " signature envelope, and the trust policy requires one (verifyTimestamp: " + st.verifyTimestamp() + ")");
      }
      List<X509Certificate> tsaRoots = new ArrayList<>();
      for (String n : st.storesOfType("tsa")) {
        List<X509Certificate> certs = trustStore == null ? null : trustStore.certificates("tsa:" + n);
        if (certs == null) {
          throw new NotationCheckException(Check.AUTHENTIC_TIMESTAMP, "trust store tsa:" + n + " does not exist in "
              + (trustStore == null ? "the (absent) trust store" : trustStore.source()));
        }
        tsaRoots.addAll(certs);
      }
      TimestampVerifier.Stamp stamp = TimestampVerifier.verify(env.timestampToken(), env.signature(), tsaRoots);
      for (X509Certificate c : chain) {
        if (stamp.lower().isBefore(c.getNotBefore().toInstant()) || stamp.upper().isAfter(c.getNotAfter().toInstant())) {
          throw new NotationCheckException(Check.AUTHENTIC_TIMESTAMP, "certificate " + CertificateChains.subject(c)
              + " is not valid over the whole timestamp range [" + stamp.lower() + ", " + stamp.upper() + "]");
        }
      }
      validationTime = stamp.genTime();
      signedBy = stamp.upper();
      authenticated = true;
      return "timestamped at " + stamp.genTime() + " by " + CertificateChains.subject(stamp.tsa())
          + "; the chain is valid over [" + stamp.lower() + ", " + stamp.upper() + "]";
    }

    String revocation() throws NotationCheckException {
      return revocation(env.certificateChain());
    }

    String revocation(List<X509Certificate> chain) throws NotationCheckException {
      // a listed certificate whose invalidity date is after the authenticated signing time did not revoke this signature
      CrlRevocationChecker.check(chain, crls, verificationTime, signedBy);
      boolean any = chain.stream().anyMatch(CrlRevocationChecker::namesRevocationSource);
      return any ? "no certificate of the chain is revoked (offline CRLs)"
          : "no certificate of the chain names a CRL or OCSP source";
    }

    NotationResult result(boolean passed, Check failure, String message) {
      List<NotationResult.Outcome> list = new ArrayList<>();
      for (Check c : Check.values()) {
        list.add(outcomes.get(c));
      }
      String subject = env == null ? null : env.leaf().getSubjectX500Principal().getName();
      return new NotationResult(name, st.name(), st.level().name(), env == null ? null : env.envelopeName(),
          env == null ? null : env.signingScheme(), subject,
          env == null ? null : env.authenticSigningTime() != null ? env.authenticSigningTime() : env.signingTime(),
          validationTime, authenticated, list, passed, failure, message);
    }
  }
}
