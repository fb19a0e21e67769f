package dev.airlock.verify.integrity;

import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import java.nio.file.Path;
import java.util.List;

/**
 * The parts of a bundle that passed the integrity checks.
 *
 * @param formatVersion the bundle format version its root declares (1 when it declares none)
 * @param root the bundle root index descriptor
 * @param catalog digest of catalog.db (in the metadata manifest)
 * @param catalogFile the spooled catalog (valid while the scan is open)
 * @param lock digest of bundle.lock.yaml
 * @param signatures bundle signature manifests (subject = root, artifactType Sigstore bundle)
 * @param entries the root's entries: images, charts, artifacts (with ref names) and referrers
 * @param absentChildren index children deliberately absent (recorded in the catalog with present = 0)
 * @param tufRepo the carried TUF repository archive (a metadata layer), or null
 * @param tufRepoFile its spooled file (valid while the scan is open), or null
 * @param expectedAtTarget blobs of a delta bundle (format version 3) left out as expected at the target, as the
 *     catalog's {@code expected_blobs} records them (0 for a full bundle)
 */
public record BundleContents(
    int formatVersion,
    Descriptor root,
    Digest catalog,
    Path catalogFile,
    Digest lock,
    List<Descriptor> signatures,
    List<Descriptor> entries,
    int manifests,
    int blobs,
    int absentChildren,
    Digest tufRepo,
    Path tufRepoFile,
    int expectedAtTarget) {}
