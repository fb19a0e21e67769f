package dev.airlock.oci;

import dev.airlock.InvalidInputException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An image reference in the Docker grammar: {@code [host[:port]/]path[:tag][@digest]}. A name with no
 * host is on {@code docker.io}, and a one-component Docker Hub name is in {@code library/}.
 */
public final class Reference {
  public static final String DOCKER_HUB = "docker.io";
  private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
  private static final Pattern PATH = Pattern.compile(COMPONENT + "(?:/" + COMPONENT + ")*");
  private static final Pattern DOMAIN =
      Pattern.compile("(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
          + "|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

  private final String registry;
  private final String repository;
  private final String tag;
  private final Digest digest;

  private Reference(String registry, String repository, String tag, Digest digest) {
    this.registry = registry;
    this.repository = repository;
    this.tag = tag;
    this.digest = digest;
  }

  public static Reference of(String registry, String repository, String tag, Digest digest) {
    return parse(registry + "/" + repository + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : ""));
  }

  /** Parses a reference; a reference with neither tag nor digest gets no tag (see {@link #withDefaultTag()}). */
  public static Reference parse(String s) {
    if (s == null || s.isBlank()) {
      throw new InvalidInputException("image reference is empty");
    }
    String in = s.trim();
    if (in.startsWith("docker://")) {
      in = in.substring("docker://".length());
    }
    String what = "invalid image reference '" + Digest.printable(s) + "'";
    Digest digest = null;
    int at = in.indexOf('@');
    if (at >= 0) {
      try {
        digest = Digest.parse(in.substring(at + 1));
      } catch (InvalidInputException e) {
        throw new InvalidInputException(what + ": " + e.getMessage());
      }
      in = in.substring(0, at);
    }
    String tag = null;
    int slash = in.lastIndexOf('/');
    int colon = in.lastIndexOf(':');
    if (colon > slash) {
      tag = in.substring(colon + 1);
      in = in.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new InvalidInputException(what + ": tag '" + tag + "' is not valid (letters, digits, _ . - up to 128)");
      }
    }
    String registry;
    String path;
    int first = in.indexOf('/');
    String head = first < 0 ? null : in.substring(0, first);
    if (head != null && (head.contains(".") || head.contains(":") || head.equals("localhost")
        || !head.equals(head.toLowerCase(java.util.Locale.ROOT)))) {
      registry = head;
      path = in.substring(first + 1);
      if (!DOMAIN.matcher(registry).matches()) {
        throw new InvalidInputException(what + ": registry host '" + registry + "' is not valid");
      }
    } else {
      registry = DOCKER_HUB;
      path = in;
    }
    if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
      registry = DOCKER_HUB;
    }
    if (path.isEmpty() || !PATH.matcher(path).matches()) {
      throw new InvalidInputException(what + ": repository '" + path
          + "' must be lowercase letters, digits and separators (. _ __ -) in /-separated components");
    }
    if (registry.equals(DOCKER_HUB) && !path.contains("/")) {
      path = "library/" + path;
    }
    if (registry.length() + 1 + path.length() > 255) {
      throw new InvalidInputException(what + ": name is longer than 255 characters");
    }
    return new Reference(registry, path, tag, digest);
  }

  /** The registry as written ({@code docker.io}, {@code localhost:5000}). */
  public String registry() {
    return registry;
  }

  /** The host to talk to: Docker Hub's API lives at {@code registry-1.docker.io}. */
  public String apiHost() {
    return registry.equals(DOCKER_HUB) ? "registry-1.docker.io" : registry;
  }

  public String repository() {
    return repository;
  }

  public String tag() {
    return tag;
  }

  public Digest digest() {
    return digest;
  }

  /** The tag, or "latest" when neither tag nor digest is given. */
  public Reference withDefaultTag() {
    return tag == null && digest == null ? new Reference(registry, repository, "latest", null) : this;
  }

  public Reference withTag(String t) {
    if (t != null && !TAG.matcher(t).matches()) {
      throw new InvalidInputException("tag '" + t + "' is not valid");
    }
    return new Reference(registry, repository, t, null);
  }

  public Reference withDigest(Digest d) {
    return new Reference(registry, repository, tag, d);
  }

  public Reference withRepository(String registry, String repository) {
    return parse(registry + "/" + repository + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : ""));
  }

  /** What to ask a registry for: the digest when known, else the tag (or "latest"). */
  public String identifier() {
    if (digest != null) {
      return digest.toString();
    }
    return tag != null ? tag : "latest";
  }

  /** {@code registry/repository} without tag or digest. */
  public String name() {
    return registry + "/" + repository;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(name());
    if (tag != null) {
      b.append(':').append(tag);
    }
    if (digest != null) {
      b.append('@').append(digest);
    }
    return b.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Reference r && r.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return Objects.hash(toString());
  }
}
