package dev.airlock.sitesign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.AirlockException;
import dev.airlock.NotFoundException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import dev.airlock.verify.BundleSigner;
import dev.airlock.verify.keys.SigningKey;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Signs images at a target with the site key: for each, a Sigstore bundle referrer ({@link SiteSignature}) pushed
 * with the referrers API where the target has it and the {@code sha256-<hex>} fallback tag otherwise (the store
 * does that), then re-read to prove it is discoverable; optionally also the legacy {@code .sig} tag.
 */
public final class SiteSigner {
  /** An image to sign: its repository at the target and its manifest digest. */
  public record Subject(String repository, Digest digest) {}

  /** What was written for one image: the referrer manifest, and the legacy tag (null when not asked). */
  public record Signed(String repository, Digest image, Digest referrer, String legacyTag) {}

  private final SigningKey key;
  private final boolean legacyTag;

  public SiteSigner(SigningKey key, boolean legacyTag) {
    this.key = key;
    this.legacyTag = legacyTag;
  }

  /** Signs every subject (each once); fails at the first that cannot be signed or is not discoverable after. */
  public List<Signed> sign(ContentStore target, String targetName, Collection<Subject> subjects, Admission admission)
      throws IOException {
    List<Signed> out = new ArrayList<>();
    for (Subject s : new LinkedHashSet<>(subjects)) {
      out.add(signOne(target, targetName, s, admission));
    }
    return out;
  }

  private Signed signOne(ContentStore target, String targetName, Subject s, Admission admission) throws IOException {
    String repo = s.repository();
    String name = targetName + (repo.isEmpty() ? "" : "/" + repo);
    RawManifest image;
    try {
      image = target.getManifest(repo, s.digest().toString());
    } catch (NotFoundException e) {
      throw new AirlockException("cannot sign " + name + "@" + s.digest() + ": it is not at the target");
    }
    byte[] bundle = SiteSignature.sigstoreBundle(key, name, s.digest(), admission);
    Descriptor layer = Descriptor.of(MediaTypes.SIGSTORE_BUNDLE_V03, Digest.sha256(bundle), bundle.length);
    byte[] manifest = SiteSignature.referrerManifest(image.descriptor(), layer, admission);
    RawManifest referrer = RawManifest.of(manifest, MediaTypes.OCI_MANIFEST, "site signature of " + name);
    target.putBlob(repo, BundleSigner.EMPTY_DESCRIPTOR, () -> new ByteArrayInputStream(BundleSigner.EMPTY_CONFIG));
    target.putBlob(repo, layer, () -> new ByteArrayInputStream(bundle));
    target.putManifest(repo, referrer, null);
    boolean listed = target.referrers(repo, s.digest(), MediaTypes.SIGSTORE_BUNDLE_V03).stream()
        .anyMatch(d -> d.digest().equals(referrer.digest()));
    if (!listed) {
      throw new AirlockException("the site signature " + referrer.digest().shortForm() + " of " + name + "@"
          + s.digest() + " was pushed but is not discoverable as a referrer");
    }
    String tag = legacyTag ? pushLegacy(target, repo, name, s.digest(), admission) : null;
    return new Signed(repo, s.digest(), referrer.digest(), tag);
  }

  /** Adds a simple-signing layer to the image's {@code .sig} manifest (kept layers: those already there). */
  private String pushLegacy(ContentStore target, String repo, String name, Digest image, Admission admission)
      throws IOException {
    String tag = image.tagForm() + ".sig";
    byte[] payload = SiteSignature.simpleSigningPayload(name, image, admission);
    Digest payloadDigest = Digest.sha256(payload);
    List<JsonNode> layers = new ArrayList<>();
    try {
      RawManifest existing = target.getManifest(repo, tag);
      if (!existing.isIndex()) {
        existing.json().path("layers").forEach(layers::add);
      }
    } catch (NotFoundException e) {
      // the first signature of this image
    }
    Set<Digest> payloads = new LinkedHashSet<>();
    layers.forEach(l -> payloads.add(Digest.parse(l.path("digest").asText())));
    if (!payloads.contains(payloadDigest)) {
      layers.add(SiteSignature.legacyLayer(payloadDigest, payload.length, key.sign(payload)));
      payloads.add(payloadDigest);
      target.putBlob(repo, Descriptor.of(MediaTypes.COSIGN_SIMPLESIGNING, payloadDigest, payload.length),
          () -> new ByteArrayInputStream(payload));
    }
    byte[] config = SiteSignature.legacyConfig(payloads);
    Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length);
    target.putBlob(repo, configDesc, () -> new ByteArrayInputStream(config));
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    ObjectNode c = m.putObject("config");
    c.put("mediaType", configDesc.mediaType());
    c.put("size", configDesc.size());
    c.put("digest", configDesc.digest().toString());
    ArrayNode ls = m.putArray("layers");
    layers.forEach(ls::add);
    target.putManifest(repo, RawManifest.of(Json.write(m), MediaTypes.OCI_MANIFEST, "signature tag " + tag), tag);
    return tag;
  }
}
