package dev.airlock.serve;

import dev.airlock.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * HTTP Basic authentication in front of the registry: every request, {@code /v2/} included, needs a user
 * of the htpasswd file (401 with {@code WWW-Authenticate: Basic realm="airlock"} otherwise, as distribution
 * answers). Read-only either way: the handler behind refuses every write.
 *
 * <p>Clients send the same header on every request, so a header once checked is remembered by its SHA-256
 * (never the password itself; at most {@value #REMEMBERED} of them). Failed logins are rate-limited per
 * user name and client address: after {@value #MAX_FAILURES} within a minute, that name from that address is
 * answered 429 without a check until the minute is over, while the same user from another address (and
 * other users from this one) still get their passwords checked, so no client can lock a user out. Each
 * failure is reported to {@code log} with the user name and the address, never the password. At most
 * {@value #TRACKED} (user, address) pairs are tracked; beyond that the ones whose minute is over are
 * dropped first, then the oldest. A header refused once is refused again for the minute without a check and
 * without counting: clients repeat a wrong password on every request (containerd tries a manifest several
 * times), and that is one wrong password, not several guesses.
 */
final class BasicAuthHandler implements RequestHandler {
  static final int MAX_FAILURES = 5;
  static final int REMEMBERED = 1024;
  static final int TRACKED = 16_384;
  private static final long WINDOW_NANOS = 60_000_000_000L;

  private final RequestHandler next;
  private final Htpasswd users;
  private final Consumer<String> log;
  private final Map<String, String> verified = new ConcurrentHashMap<>();
  private final Map<String, long[]> failures = new ConcurrentHashMap<>();
  private final Map<String, Long> refused = new ConcurrentHashMap<>();

  BasicAuthHandler(RequestHandler next, Htpasswd users, Consumer<String> log) {
    this.next = next;
    this.users = users;
    this.log = log;
  }

  @Override
  public void handle(HttpRequestHead request, HttpResponse response) throws IOException {
    String header = request.header("Authorization");
    String who = header == null ? null : name(header);
    boolean limited = false;
    if (header != null) {
      String key = Digest.sha256(header.getBytes(StandardCharsets.UTF_8)).toString();
      String from = response.client();
      limited = !verified.containsKey(key) && who != null && limited(who, from);
      String user = limited ? null : user(header, key, from);
      if (user != null) {
        response.user(user);
        next.handle(request, response);
        return;
      }
    }
    response.header("Docker-Distribution-API-Version", "registry/2.0");
    response.header("WWW-Authenticate", "Basic realm=\"airlock\"");
    response.header("Content-Type", "application/json");
    OciError e = limited ? new OciError(429, "TOOMANYREQUESTS", "too many failed logins for " + printable(who)
        + " from this address; wait a minute")
        : new OciError(401, "UNAUTHORIZED", "authentication required");
    response.sendBytes(e.status(), e.body(), request.method().equals("HEAD"));
  }

  /** The user {@code header} authenticates, or null (and the failure counted and logged). */
  private String user(String header, String key, String from) {
    String known = verified.get(key);
    if (known != null) {
      return known;
    }
    Long refusedAt = refused.get(key);
    if (refusedAt != null && System.nanoTime() - refusedAt <= WINDOW_NANOS) {
      return null; // the same wrong credentials again (clients retry): refused, not another guess
    }
    String[] up = credentials(header);
    if (up == null) {
      log.accept("serve: malformed Authorization header refused");
      return null;
    }
    if (!users.check(up[0], up[1])) {
      if (failures.size() >= TRACKED) {
        prune();
      }
      long[] f = failures.compute(failureKey(up[0], from), (k, v) -> {
        long now = System.nanoTime();
        return v == null || now - v[1] > WINDOW_NANOS ? new long[] {1, now} : new long[] {v[0] + 1, v[1]};
      });
      log.accept("serve: failed login for user " + printable(up[0]) + " (" + f[0] + " in the last minute)"
          + (from == null ? "" : " from " + from));
      if (refused.size() >= REMEMBERED) {
        refused.clear();
      }
      refused.put(key, System.nanoTime());
      return null;
    }
    failures.remove(failureKey(up[0], from));
    if (verified.size() >= REMEMBERED) {
      verified.clear();
    }
    verified.put(key, up[0]);
    return up[0];
  }

  private boolean limited(String user, String from) {
    long[] f = failures.get(failureKey(user, from));
    return f != null && f[0] >= MAX_FAILURES && System.nanoTime() - f[1] <= WINDOW_NANOS;
  }

  private static String failureKey(String user, String from) {
    return user + "\u0000" + (from == null ? "" : from);
  }

  /** Drops the pairs whose minute is over; if none is, the half with the oldest first failure. */
  private void prune() {
    long now = System.nanoTime();
    failures.entrySet().removeIf(e -> now - e.getValue()[1] > WINDOW_NANOS);
    if (failures.size() >= TRACKED) {
      long[] starts = failures.values().stream().mapToLong(v -> now - v[1]).sorted().toArray();
      long median = starts.length == 0 ? 0 : starts[starts.length / 2];
      failures.entrySet().removeIf(e -> now - e.getValue()[1] >= median);
    }
  }

  /** Pairs with failures counted now (tests). */
  int tracked() {
    return failures.size();
  }

  private static String name(String header) {
    String[] up = credentials(header);
    return up == null ? null : up[0];
  }

  /** {@code [user, password]} of a Basic header, or null. */
  private static String[] credentials(String header) {
    if (!header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = decoded.indexOf(':');
    return colon <= 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
  }

  private static String printable(String s) {
    String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return t.replaceAll("[\\p{Cntrl}]", "?");
  }
}
