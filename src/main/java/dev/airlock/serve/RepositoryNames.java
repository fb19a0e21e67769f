package dev.airlock.serve;

import dev.airlock.bundle.BundleFormat;
import dev.airlock.oci.Descriptor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The repository names a served bundle or layout answers to. A bundle names content by full source
 * reference ({@code docker.io/library/alpine:3.20}); that full name is served as the repository
 * {@code docker.io/library/alpine}, and the name without its host ({@code library/alpine}) is an alias
 * as long as no other host has the same path. Ref names that are a bare tag (layouts written by other
 * tools, {@code oci:DIR:latest}) are served under the repository {@value #BARE_TAG_REPOSITORY}. The bundle
 * root's repository is served but not listed in the catalog.
 */
public final class RepositoryNames {
  public static final String BARE_TAG_REPOSITORY = "local";
  /** The distribution spec's repository name grammar. */
  static final Pattern NAME = Pattern.compile(
      "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*");

  /** served name -> the repository as the store knows it (the ref name before ':tag'; "" for bare tags). */
  private final Map<String, String> served;
  /** served names of airlock's own repository (the bundle root): answered by name, not listed. */
  private final Set<String> internal;

  private RepositoryNames(Map<String, String> served, Set<String> internal) {
    this.served = served;
    this.internal = internal;
  }

  public static RepositoryNames of(List<Descriptor> indexEntries) {
    Map<String, String> full = new TreeMap<>();
    Map<String, Set<String>> aliases = new HashMap<>();
    for (Descriptor d : indexEntries) {
      String ref = d.annotation(Descriptor.REF_NAME);
      if (ref == null) {
        continue;
      }
      String storeRepo = storeRepository(ref);
      if (storeRepo.isEmpty()) {
        full.put(BARE_TAG_REPOSITORY, "");
        continue;
      }
      if (NAME.matcher(storeRepo).matches()) {
        full.put(storeRepo, storeRepo);
      }
      int slash = storeRepo.indexOf('/');
      if (slash > 0 && looksLikeHost(storeRepo.substring(0, slash))) {
        String alias = storeRepo.substring(slash + 1);
        if (NAME.matcher(alias).matches()) {
          aliases.computeIfAbsent(alias, k -> new TreeSet<>()).add(storeRepo);
        }
      }
    }
    Map<String, String> out = new TreeMap<>(full);
    aliases.forEach((alias, targets) -> {
      if (targets.size() == 1 && !full.containsKey(alias)) {
        out.put(alias, targets.iterator().next());
      }
    });
    String root = storeRepository(BundleFormat.ROOT_REF_NAME);
    Set<String> internal = new TreeSet<>();
    out.forEach((name, storeRepo) -> {
      if (storeRepo.equals(root)) {
        internal.add(name);
      }
    });
    return new RepositoryNames(out, internal);
  }

  /** The part of a ref name before its tag: {@code docker.io/library/alpine:3.20} -> {@code docker.io/library/alpine}. */
  static String storeRepository(String refName) {
    int slash = refName.lastIndexOf('/');
    int colon = refName.lastIndexOf(':');
    return colon > slash ? refName.substring(0, colon) : (slash < 0 ? "" : refName);
  }

  static boolean looksLikeHost(String component) {
    return component.contains(".") || component.contains(":") || component.equals("localhost");
  }

  /** The store's repository for a served name, or empty when the name is not served. */
  public Optional<String> lookup(String servedName) {
    return Optional.ofNullable(served.get(servedName));
  }

  /**
   * Every served name, sorted (for {@code _catalog}), but airlock's own repository of the bundle root
   * ({@code dev.airlock/bundle}, and its alias {@code bundle}), which stays reachable by name.
   */
  public List<String> all() {
    return served.keySet().stream().filter(n -> !internal.contains(n)).toList();
  }
}
