-- airlock catalog.db schema. One catalog per bundle (inside the bundle and beside it).
-- The version is in PRAGMA user_version and in schema_info; bump both when the schema changes.
-- Changes are additive (new tables or columns, marked with the version that added them), so a reader of
-- version N also reads every earlier version (docs/bundle-spec.md, "catalog.db").
PRAGMA user_version = 2;

CREATE TABLE schema_info (
  version INTEGER NOT NULL
);
INSERT INTO schema_info (version) VALUES (2);

-- The bundle itself: one row.
CREATE TABLE bundle (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  name         TEXT NOT NULL,
  spec         TEXT NOT NULL,           -- the spec YAML as given
  created      TEXT NOT NULL,           -- RFC 3339, UTC
  tool_version TEXT NOT NULL
);

-- Every source reference in the spec (images, charts, artifacts) and what it resolved to.
CREATE TABLE sources (
  ref        TEXT PRIMARY KEY,          -- full source reference as named in index.json
  kind       TEXT NOT NULL CHECK (kind IN ('image', 'chart', 'artifact', 'chart-image')),
  digest     TEXT NOT NULL,
  media_type TEXT NOT NULL,
  origin     TEXT                       -- where it came from: registry, oci:DIR, chart repo URL
);

-- Every manifest and index in the bundle.
CREATE TABLE manifests (
  digest        TEXT PRIMARY KEY,
  media_type    TEXT NOT NULL,
  size          INTEGER NOT NULL,
  platform      TEXT,                   -- os/arch[/variant] for platform-specific manifests
  artifact_type TEXT
);

-- Children of every index, present or deliberately absent (platform filter). A verifier accepts a
-- missing child only when it is recorded here with present = 0.
CREATE TABLE index_children (
  index_digest TEXT NOT NULL,
  child_digest TEXT NOT NULL,
  platform     TEXT,
  present      INTEGER NOT NULL CHECK (present IN (0, 1)),
  PRIMARY KEY (index_digest, child_digest)
);

-- Every blob stored (each once), and which manifests use it.
CREATE TABLE blobs (
  digest     TEXT PRIMARY KEY,
  size       INTEGER NOT NULL,
  media_type TEXT
);
CREATE TABLE blob_usage (
  blob_digest     TEXT NOT NULL,
  manifest_digest TEXT NOT NULL,
  PRIMARY KEY (blob_digest, manifest_digest)
);

-- Signatures, SBOMs, attestations: manifests whose subject is another manifest.
CREATE TABLE referrers (
  digest         TEXT NOT NULL,
  subject_digest TEXT NOT NULL,
  artifact_type  TEXT,
  kind           TEXT NOT NULL CHECK (kind IN ('signature', 'sbom', 'attestation', 'notation', 'other')),
  via            TEXT NOT NULL CHECK (via IN ('referrers', 'cosign-tag')),  -- subject link or cosign tag scheme
  tag            TEXT,                  -- the cosign tag (sha256-<hex>.sig) when via = cosign-tag
  PRIMARY KEY (digest, subject_digest)
);

-- Helm charts and the images they use.
CREATE TABLE charts (
  name        TEXT NOT NULL,
  version     TEXT NOT NULL,
  app_version TEXT,
  source      TEXT NOT NULL,            -- repository URL or oci:// reference
  ref         TEXT NOT NULL,            -- the OCI reference it is stored under in the bundle
  digest      TEXT NOT NULL,
  PRIMARY KEY (name, version)
);
CREATE TABLE chart_images (
  chart_name    TEXT NOT NULL,
  chart_version TEXT NOT NULL,
  image_ref     TEXT NOT NULL,
  found_in      TEXT NOT NULL,          -- 'annotation' or 'values'
  PRIMARY KEY (chart_name, chart_version, image_ref)
);

-- Local files packed as artifacts.
CREATE TABLE files (
  artifact_ref TEXT NOT NULL,
  path         TEXT NOT NULL,
  digest       TEXT NOT NULL,
  size         INTEGER NOT NULL,
  PRIMARY KEY (artifact_ref, path)
);

-- Packages listed by SBOMs in the bundle (SPDX or CycloneDX JSON).
CREATE TABLE sbom_packages (
  sbom_digest    TEXT NOT NULL,
  subject_digest TEXT,
  name           TEXT NOT NULL,
  version        TEXT,
  purl           TEXT
);
CREATE INDEX sbom_packages_name ON sbom_packages (name);

-- Since version 2. The SBOM documents sbom_packages was read from: one row per SBOM layer.
CREATE TABLE sboms (
  sbom_digest  TEXT NOT NULL,           -- the SBOM referrer (sbom_packages.sbom_digest)
  layer_digest TEXT NOT NULL,
  format       TEXT NOT NULL CHECK (format IN ('spdx', 'cyclonedx')),
  spec_version TEXT,                    -- SPDX-2.3, CycloneDX-1.5
  packages     INTEGER NOT NULL,        -- how many rows of sbom_packages it gave
  PRIMARY KEY (sbom_digest, layer_digest)
);

-- Since version 2. Who each signature or attestation says signed it, as far as can be read offline from the
-- referrer itself. Nothing here was verified by the bundler: it is what the signature claims; verify checks it.
CREATE TABLE signers (
  referrer_digest TEXT NOT NULL,        -- the signature, attestation or Notation manifest (referrers.digest)
  layer_digest    TEXT NOT NULL,        -- the layer holding the signature
  seq             INTEGER NOT NULL,     -- the signature's position in that layer (a DSSE envelope may hold several)
  format          TEXT NOT NULL CHECK (format IN ('cosign', 'cosign-attestation', 'sigstore-bundle', 'notation-jws',
                                                  'notation-cose')),
  identity        TEXT NOT NULL CHECK (identity IN ('key', 'keyless', 'certificate', 'unknown')),
  key_id          TEXT,                 -- hex sha256 of the PKIX DER public key (of the certificate's key when there
                                        -- is one), or the key id as the signature gives it, null when it names none
  subject         TEXT,                 -- keyless: the certificate's SAN, certificate: its subject DN (RFC 2253)
  issuer          TEXT,                 -- keyless: the OIDC issuer (Fulcio extension), certificate: its issuer DN
  cert_sha256     TEXT,                 -- hex sha256 of the leaf certificate (DER)
  PRIMARY KEY (referrer_digest, layer_digest, seq)
);

-- Since version 2. The in-toto predicate type each attestation layer declares.
CREATE TABLE predicates (
  referrer_digest TEXT NOT NULL,
  layer_digest    TEXT NOT NULL,
  predicate_type  TEXT NOT NULL,
  PRIMARY KEY (referrer_digest, layer_digest, predicate_type)
);
