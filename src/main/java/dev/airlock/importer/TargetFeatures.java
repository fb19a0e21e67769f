package dev.airlock.importer;

/**
 * What a target supports, found out before anything is pushed.
 *
 * @param referrersApi the target answers the OCI 1.1 referrers API (else referrers go to the fallback tag)
 * @param sparseIndex the target is known to accept an index whose children are not all present (an OCI
 *     layout); false for a registry, where only its answer to the push tells (docker-registry 2.8 refuses)
 * @param mounts cross-repository blob mounts are possible
 * @param notes what the probe found, for the plan (auth scopes, API version)
 */
public record TargetFeatures(boolean referrersApi, boolean sparseIndex, boolean mounts, String notes) {}
