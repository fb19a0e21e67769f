package dev.airlock.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Json;

/** An error answer in the distribution spec's shape: status plus {@code {"errors":[{code,message}]}}. */
record OciError(int status, String code, String message) {
  static OciError blobUnknown(String digest) {
    return new OciError(404, "BLOB_UNKNOWN", "blob unknown to registry: " + digest);
  }

  static OciError manifestUnknown(String ref) {
    return new OciError(404, "MANIFEST_UNKNOWN", "manifest unknown: " + ref);
  }

  static OciError nameUnknown(String name) {
    return new OciError(404, "NAME_UNKNOWN", "repository name not known to registry: " + name);
  }

  static OciError nameInvalid(String why) {
    return new OciError(400, "NAME_INVALID", "invalid repository name: " + why);
  }

  static OciError digestInvalid(String why) {
    return new OciError(400, "DIGEST_INVALID", why);
  }

  static OciError unsupported(String what) {
    return new OciError(405, "UNSUPPORTED", what + ": this registry is read-only");
  }

  static OciError notFound(String path) {
    return new OciError(404, "NOT_FOUND", "no such endpoint: " + path);
  }

  byte[] body() {
    ObjectNode root = Json.MAPPER.createObjectNode();
    ArrayNode errors = root.putArray("errors");
    ObjectNode e = errors.addObject();
    e.put("code", code);
    e.put("message", message);
    return Json.write(root);
  }
}
