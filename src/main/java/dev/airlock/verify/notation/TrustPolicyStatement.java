package dev.airlock.verify.notation;

import java.util.List;

/**
 * One statement of a Notation trust policy, already validated: which repositories it covers, how strictly
 * it verifies, which named trust stores ({@code ca:NAME}, {@code signingAuthority:NAME}, {@code tsa:NAME})
 * it trusts and which signer identities ({@code *} or {@code x509.subject:} DNs) it accepts. Other policy
 * front ends (airlock's {@code notation:} rule, a Kyverno {@code Notary} attestor) build one directly.
 *
 * @param registryScopes fully qualified repositories, or the single global scope {@code *}
 * @param verifyTimestamp {@code always} or {@code afterCertExpiry}
 * @param trustedIdentities empty when {@code anyIdentity}
 */
public record TrustPolicyStatement(
    String name,
    List<String> registryScopes,
    VerificationLevel level,
    String verifyTimestamp,
    List<String> trustStores,
    boolean anyIdentity,
    List<DistinguishedName> trustedIdentities) {

  public static final String ALWAYS = "always";
  public static final String AFTER_CERT_EXPIRY = "afterCertExpiry";

  public TrustPolicyStatement {
    registryScopes = List.copyOf(registryScopes);
    trustStores = List.copyOf(trustStores);
    trustedIdentities = List.copyOf(trustedIdentities);
    verifyTimestamp = verifyTimestamp == null ? ALWAYS : verifyTimestamp;
  }

  public boolean isGlobal() {
    return registryScopes.contains("*");
  }

  /** The named stores of one type ({@code ca}, {@code signingAuthority}, {@code tsa}), by name. */
  public List<String> storesOfType(String type) {
    return trustStores.stream().filter(s -> s.startsWith(type + ":")).map(s -> s.substring(type.length() + 1)).toList();
  }
}
