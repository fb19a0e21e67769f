package dev.airlock.testing;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * What a {@link FaultProxy} injects: a rate per {@link Fault} kind (the chance that one request gets it),
 * which requests may get one, and how long a stall and a trickle's pauses last. The choice for a request
 * depends only on the seed, the request (method, path with upload-session ids masked, query without
 * {@code _state}) and how many times that request was seen before, so a run with the same seed and the same
 * requests gets the same faults whatever the threads' interleaving (except between identical requests
 * sent at the same moment, such as two upload starts in one repository).
 */
public record FaultPlan(long seed, Map<Fault, Double> rates, Predicate<FaultProxy.Request> eligible, Duration stall,
    Duration trickleGap, int tricklePieces) {

  /** The kinds of fault. */
  public enum Fault {
    /**
     * The connection closes partway through a body: the request's when it has one (the registry gets part of
     * an upload), else the answer's (part of a manifest or blob; part of the head when it has no body).
     */
    DROP_MID_BODY("drop mid-body"),
    /** Like a drop, but the proxy goes silent for {@link #stall()} first, holding the connection open. */
    STALL("stall"),
    /** The proxy answers 500, 502 or 503 itself; the registry never sees the request. */
    HTTP_ERROR("HTTP 5xx"),
    /** The registry processes the request; its answer is thrown away and the connection closed. */
    LOST_RESPONSE("lost response"),
    /** The connection is reset once the request is read, before any answer; the registry never sees it. */
    RESET("reset before answer"),
    /** The answer comes in pieces with pauses shorter than a read timeout: slow, not dead. */
    TRICKLE("slow trickle");

    private final String label;

    Fault(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  public FaultPlan {
    rates = Map.copyOf(rates);
    double sum = rates.values().stream().mapToDouble(Double::doubleValue).sum();
    if (sum > 1.0 + 1e-9 || rates.values().stream().anyMatch(r -> r < 0)) {
      throw new IllegalArgumentException("fault rates must be >= 0 and add up to at most 1: " + rates);
    }
    eligible = eligible == null ? r -> true : eligible;
  }

  /** No faults: the proxy forwards everything. */
  public static FaultPlan none() {
    return new FaultPlan(0, Map.of(), null, Duration.ofSeconds(1), Duration.ofMillis(100), 3);
  }

  /** {@code kind} at {@code rate}; stalls of 1 s, trickle pauses of 100 ms. */
  public static FaultPlan of(long seed, Fault kind, double rate) {
    return new FaultPlan(seed, Map.of(kind, rate), null, Duration.ofSeconds(1), Duration.ofMillis(100), 3);
  }

  /** Every kind, {@code totalRate} shared equally among them. */
  public static FaultPlan mixed(long seed, double totalRate) {
    Map<Fault, Double> m = new EnumMap<>(Fault.class);
    for (Fault f : Fault.values()) {
      m.put(f, totalRate / Fault.values().length);
    }
    return new FaultPlan(seed, m, null, Duration.ofSeconds(1), Duration.ofMillis(100), 3);
  }

  /** The same plan, faulting only the requests {@code p} accepts (the others still count as seen). */
  public FaultPlan onlyFor(Predicate<FaultProxy.Request> p) {
    return new FaultPlan(seed, rates, p, stall, trickleGap, tricklePieces);
  }

  /** Sets how long a stall stays silent and the pause between trickled pieces. */
  public FaultPlan withTiming(Duration stallFor, Duration gap) {
    return new FaultPlan(seed, rates, eligible, stallFor, gap, tricklePieces);
  }

  public double rate(Fault f) {
    return rates.getOrDefault(f, 0.0);
  }

  /** The fault for the {@code n}-th (1-based) sighting of {@code request}, or null; with its random source. */
  Decision decide(FaultProxy.Request request, int n) {
    SplittableRandom rnd = new SplittableRandom(mix(seed, fnv(request.key()), n));
    if (!eligible.test(request)) {
      return null;
    }
    double roll = rnd.nextDouble();
    double acc = 0;
    for (Fault f : Fault.values()) {
      acc += rate(f);
      if (roll < acc) {
        return new Decision(f, rnd);
      }
    }
    return null;
  }

  record Decision(Fault fault, SplittableRandom random) {}

  private static long fnv(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  private static long mix(long seed, long key, int n) {
    long z = seed * 0x9E3779B97F4A7C15L + key + n * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
