package dev.airlock.registry;

import dev.airlock.oci.Descriptor;
import java.net.URI;

/**
 * An upload session holding every byte of a blob, verified while they were sent, but not committed: the
 * repository does not have the blob until {@link RegistryStore#commit(StagedUpload)}, and
 * {@link RegistryStore#cancel(StagedUpload)} drops it.
 *
 * @param location the session's URL as the registry last gave it
 */
public record StagedUpload(String repository, Descriptor blob, URI location) {}
