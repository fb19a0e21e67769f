package dev.airlock.store;

import java.io.IOException;
import java.io.InputStream;

/** Opens a blob's bytes; may be called again to retry an upload from the start. */
@FunctionalInterface
public interface BlobSource {
  InputStream open() throws IOException;
}
