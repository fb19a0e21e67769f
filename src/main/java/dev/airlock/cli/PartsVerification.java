package dev.airlock.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.bundle.parts.PartCheck;
import dev.airlock.bundle.parts.PartFile;
import dev.airlock.bundle.parts.PartManifest;
import dev.airlock.bundle.parts.PartSet;
import dev.airlock.oci.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;

/**
 * {@code verify} of parts: one part alone (any part but the first, or {@code --this-part}), or the whole set
 * (a directory, or the first part), each part checked alone first, naming the part numbers missing,
 * corrupted or from another bundle; a whole set then goes on to the bundle's own verification.
 */
final class PartsVerification {
  private final PrintWriter out;
  private final PrintWriter err;
  private final boolean json;

  PartsVerification(PrintWriter out, PrintWriter err, boolean json) {
    this.out = out;
    this.err = err;
    this.json = json;
  }

  /** An exit code when verification ends here (a part alone, or a broken set); null: go on with the whole bundle. */
  Integer verify(Path path, List<PublicKey> keys, boolean allowUnsigned, boolean thisPart) throws IOException {
    if (!Files.isDirectory(path) && !PartSet.isGlob(path) && (thisPart || !isFirstPart(path))) {
      PartCheck.Report r = PartCheck.check(path, keys, allowUnsigned);
      if (json) {
        out.println(pretty(partJson(r)));
      } else {
        out.println("Part " + path);
        printPart(r, "  ");
        out.println(r.ok() ? "Verified (this part alone; verify the directory or the first part for the set)."
            : "NOT verified.");
      }
      out.flush();
      if (!r.ok()) {
        err.println("airlock: verification failed: " + path.getFileName() + ": " + r.failures().get(0));
        return ExitCodes.VERIFICATION_FAILED;
      }
      return ExitCodes.OK;
    }
    PartSet.SetReport set = PartSet.check(path, keys, allowUnsigned);
    if (!json || !set.ok()) {
      if (json) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("bundle", set.bundleName());
        n.put("parts", set.parts());
        n.put("passed", false);
        n.put("problems", set.problems());
        n.set("parts", statuses(set));
        ArrayNode a = n.putArray("partReports");
        set.reports().forEach(r -> a.add(partJson(r)));
        out.println(pretty(n));
      } else {
        out.println("Parts of bundle '" + set.bundleName() + "' (" + set.parts() + " parts) in "
            + (Files.isDirectory(path) ? path : path.toAbsolutePath().getParent()));
        for (PartCheck.Report r : set.reports()) {
          out.println("  " + (r.ok() ? "ok  " : "FAIL") + " " + r.file().getFileName()
              + (r.manifest() == null ? "" : ": " + r.manifest().describe()));
          if (!r.ok()) {
            printPart(r, "         ");
          }
        }
      }
      out.flush();
    }
    lastSet = set;
    if (!set.ok()) {
      if (!json) {
        out.println("NOT verified: " + set.problems());
        out.flush();
      }
      err.println("airlock: verification failed: " + set.problems());
      return ExitCodes.VERIFICATION_FAILED;
    }
    return null;
  }

  /** The set checked last (null: none, or one part alone). */
  PartSet.SetReport lastSet;

  /** Each part of the set by number: file, status (ok, missing, corrupt, other-bundle) and bytes; then other files. */
  static ArrayNode statuses(PartSet.SetReport set) {
    java.util.TreeMap<Integer, ObjectNode> byNumber = new java.util.TreeMap<>();
    ArrayNode others = Json.MAPPER.createArrayNode();
    for (PartCheck.Report r : set.reports()) {
      PartManifest m = r.manifest();
      dev.airlock.bundle.parts.PartFormat.Name name =
          dev.airlock.bundle.parts.PartFormat.parseName(r.file().getFileName().toString());
      boolean ours = m != null && m.bundleRoot().equals(set.root()) && m.parts() == set.parts()
          && !set.foreign().stream().anyMatch(f -> f.startsWith(r.file().getFileName() + " ("));
      Integer number = m != null ? Integer.valueOf(m.part()) : name != null ? Integer.valueOf(name.part()) : null;
      String status = m == null ? (number != null && number >= 1 && number <= set.parts()
          && set.corrupted().containsKey(number) ? "corrupt" : "other-bundle")
          : !ours ? "other-bundle" : r.ok() ? "ok" : "corrupt";
      ObjectNode o = Json.MAPPER.createObjectNode();
      if (number != null) {
        o.put("part", number);
      }
      o.put("file", r.file().toString());
      o.put("status", status);
      try {
        o.put("bytes", Files.size(r.file()));
      } catch (IOException e) {
        o.putNull("bytes");
      }
      if (!r.failures().isEmpty()) {
        o.put("why", r.failures().get(0));
      }
      if (!status.equals("other-bundle") && number != null
          && (!byNumber.containsKey(number) || status.equals("ok"))) {
        byNumber.put(number, o);
      } else {
        others.add(o);
      }
    }
    for (int k : set.missing()) {
      ObjectNode o = Json.MAPPER.createObjectNode();
      o.put("part", k);
      o.putNull("file");
      o.put("status", "missing");
      o.putNull("bytes");
      byNumber.put(k, o);
    }
    ArrayNode out = Json.MAPPER.createArrayNode();
    byNumber.values().forEach(out::add);
    others.forEach(out::add);
    return out;
  }

  private static boolean isFirstPart(Path path) {
    try {
      return PartFile.open(path).manifest().part() == 1;
    } catch (RuntimeException | IOException e) {
      return false; // unreadable: checked alone, which says why
    }
  }

  private void printPart(PartCheck.Report r, String indent) {
    PartManifest m = r.manifest();
    if (m != null) {
      out.println(indent + "this is " + m.describe() + ", bundle bytes " + m.data().offset() + "-"
          + (m.data().end() - 1) + " of " + m.bundleSize());
    }
    for (String p : r.passed()) {
      out.println(indent + "ok   " + p);
    }
    for (String f : r.failures()) {
      out.println(indent + "FAIL " + f);
    }
  }

  private static ObjectNode partJson(PartCheck.Report r) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("file", r.file().toString());
    PartManifest m = r.manifest();
    if (m != null) {
      n.put("bundle", m.bundleName());
      n.put("root", m.bundleRoot().toString());
      n.put("part", m.part());
      n.put("parts", m.parts());
      n.put("offset", m.data().offset());
      n.put("size", m.data().size());
    }
    n.put("passed", r.ok());
    r.passed().forEach(n.putArray("checks")::add);
    ArrayNode f = n.putArray("failures");
    r.failures().forEach(f::add);
    return n;
  }

  private static String pretty(ObjectNode n) {
    try {
      return Json.MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(n);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
