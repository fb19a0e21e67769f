package dev.airlock.receipt;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a receipt payload as a stream into an inventory, checking it is what {@link ReceiptWriter} writes:
 * a known version, every field present, digests valid, lists sorted without duplicates, totals that match.
 */
final class PayloadReader {
  private PayloadReader() {}

  static Receipt.Header read(Path payload, DigestInventory inv, String what) throws IOException {
    String w = what + ": payload";
    Integer version = null;
    String target = null;
    String created = null;
    String tool = null;
    long[] totals = null;
    boolean repos = false;
    boolean manifests = false;
    boolean blobs = false;
    long[] withRepository = {0};
    try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(payload), 64 * 1024);
        JsonParser p = Json.MAPPER.getFactory().createParser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new InvalidInputException(w + " is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case ReceiptFormat.VERSION_FIELD -> {
            if (t != JsonToken.VALUE_NUMBER_INT) {
              throw new InvalidInputException(w + ": " + ReceiptFormat.VERSION_FIELD + " is not a number");
            }
            version = p.getIntValue();
            if (version > ReceiptFormat.FORMAT_VERSION) {
              throw new InvalidInputException(what + ": receipt format version " + version
                  + " is newer than this airlock reads (" + ReceiptFormat.FORMAT_VERSION + "); use a newer airlock");
            }
            if (version < 1) {
              throw new InvalidInputException(w + ": receipt format version " + version + " is not a version");
            }
          }
          case "target" -> target = text(p, t, "target", w);
          case "created" -> created = text(p, t, "created", w);
          case "tool" -> tool = text(p, t, "tool", w);
          case "totals" -> totals = totals(p, t, w);
          case "repositories" -> {
            repositories(p, t, inv, w);
            repos = true;
          }
          case "manifests" -> {
            entries(p, t, inv, true, w, withRepository);
            manifests = true;
          }
          case "blobs" -> {
            entries(p, t, inv, false, w, withRepository);
            blobs = true;
          }
          default -> p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw new InvalidInputException(w + " has data after its end");
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new InvalidInputException(w + " is not valid JSON: " + Json.firstLine(e.getOriginalMessage()));
    }
    if (version == null || target == null || created == null || tool == null || totals == null || !repos || !manifests
        || !blobs) {
      throw new InvalidInputException(w + " lacks one of " + ReceiptFormat.VERSION_FIELD
          + ", target, created, tool, totals, repositories, manifests, blobs");
    }
    if (version < 2 && withRepository[0] > 0) {
      throw new InvalidInputException(w + ": a receipt of format version " + version + " lists blobs as [digest, size],"
          + " not [digest, size, repository] (format 2)");
    }
    inv.flush();
    long[] counted = {inv.repositoryCount(), inv.tagCount(), inv.manifestCount(), inv.blobCount(), inv.blobBytes()};
    if (!java.util.Arrays.equals(totals, counted)) {
      throw new InvalidInputException(w + ": the totals do not match the lists (repositories, tags, manifests, blobs,"
          + " bytes: " + java.util.Arrays.toString(totals) + " said, " + java.util.Arrays.toString(counted) + " listed)");
    }
    return new Receipt.Header(version, target, created, tool, totals[0], totals[1], totals[2], totals[3], totals[4]);
  }

  private static String text(JsonParser p, JsonToken t, String field, String w) throws IOException {
    if (t != JsonToken.VALUE_STRING) {
      throw new InvalidInputException(w + ": '" + field + "' is not a string");
    }
    return p.getText();
  }

  private static long[] totals(JsonParser p, JsonToken t, String w) throws IOException {
    if (t != JsonToken.START_OBJECT) {
      throw new InvalidInputException(w + ": 'totals' is not an object");
    }
    String[] names = {"repositories", "tags", "manifests", "blobs", "blobBytes"};
    long[] out = new long[names.length];
    java.util.Arrays.fill(out, -1);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      int i = java.util.Arrays.asList(names).indexOf(name);
      if (i < 0) {
        p.skipChildren();
        continue;
      }
      out[i] = number(p, v, "totals." + name, w);
    }
    for (int i = 0; i < names.length; i++) {
      if (out[i] < 0) {
        throw new InvalidInputException(w + ": totals." + names[i] + " is missing");
      }
    }
    return out;
  }

  private static long number(JsonParser p, JsonToken t, String field, String w) throws IOException {
    if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER || p.getLongValue() < 0) {
      throw new InvalidInputException(w + ": '" + field + "' is not a non-negative integer");
    }
    return p.getLongValue();
  }

  private static Digest digest(String s, String field, String w) {
    if (s == null || !Digest.isValid(s)) {
      throw new InvalidInputException(w + ": " + field + " '" + s + "' is not a digest");
    }
    return Digest.parse(s);
  }

  private static void repositories(JsonParser p, JsonToken t, DigestInventory inv, String w) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw new InvalidInputException(w + ": 'repositories' is not a list");
    }
    String previous = null;
    while (p.nextToken() == JsonToken.START_OBJECT) {
      String name = null;
      boolean tags = false;
      java.util.List<String[]> pending = new java.util.ArrayList<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        if (field.equals("name")) {
          name = text(p, v, "repositories[].name", w);
        } else if (field.equals("tags")) {
          if (v != JsonToken.START_OBJECT) {
            throw new InvalidInputException(w + ": a repository's 'tags' is not an object");
          }
          String prevTag = null;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String tag = p.currentName();
            String d = text(p, p.nextToken(), "tag " + tag, w);
            if (prevTag != null && prevTag.compareTo(tag) >= 0) {
              throw new InvalidInputException(w + ": tags are not sorted (" + tag + " after " + prevTag + ")");
            }
            prevTag = tag;
            pending.add(new String[] {tag, d});
            if (pending.size() > 100_000) {
              throw new InvalidInputException(w + ": more than 100000 tags in one repository");
            }
          }
          tags = true;
        } else {
          p.skipChildren();
        }
      }
      if (name == null || !tags) {
        throw new InvalidInputException(w + ": a repository lacks 'name' or 'tags'");
      }
      if (previous != null && previous.compareTo(name) >= 0) {
        throw new InvalidInputException(w + ": repositories are not sorted (" + name + " after " + previous + ")");
      }
      previous = name;
      for (String[] tag : pending) {
        inv.addTag(name, tag[0], digest(tag[1], "tag " + name + ":" + tag[0], w));
      }
    }
    if (p.currentToken() != JsonToken.END_ARRAY) {
      throw new InvalidInputException(w + ": 'repositories' holds something other than objects");
    }
  }

  private static void entries(JsonParser p, JsonToken t, DigestInventory inv, boolean manifests, String w,
      long[] withRepository) throws IOException {
    String list = manifests ? "manifests" : "blobs";
    if (t != JsonToken.START_ARRAY) {
      throw new InvalidInputException(w + ": '" + list + "' is not a list");
    }
    String previous = null;
    while (p.nextToken() == JsonToken.START_ARRAY) {
      String d = text(p, p.nextToken(), list + "[0]", w);
      long size = number(p, p.nextToken(), list + "[1]", w);
      String repository = null;
      JsonToken after = p.nextToken();
      if (!manifests && after == JsonToken.VALUE_STRING) { // format 2: a repository holding the blob
        repository = p.getText();
        if (repository.isEmpty()) {
          throw new InvalidInputException(w + ": an entry of 'blobs' names an empty repository");
        }
        withRepository[0]++;
        after = p.nextToken();
      }
      if (after != JsonToken.END_ARRAY) {
        throw new InvalidInputException(w + ": an entry of '" + list + "' is not [digest, size"
            + (manifests ? "]" : "] nor [digest, size, repository]"));
      }
      Digest dg = digest(d, list + " entry", w);
      if (previous != null && previous.compareTo(d) >= 0) {
        throw new InvalidInputException(w + ": '" + list + "' is not sorted without duplicates (" + d + ")");
      }
      previous = d;
      if (manifests) {
        inv.addManifest(dg, size);
      } else {
        inv.addBlob(dg, size, repository);
      }
    }
    if (p.currentToken() != JsonToken.END_ARRAY) {
      throw new InvalidInputException(w + ": '" + list + "' holds something other than [digest, size] pairs");
    }
  }
}
