-- airlock import history: one local database per machine (default ~/.local/share/airlock/history.db).
-- The version is in PRAGMA user_version; bump it when the schema changes.
PRAGMA user_version = 5;

CREATE TABLE IF NOT EXISTS imports (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  started           TEXT NOT NULL,            -- RFC 3339, UTC
  finished          TEXT NOT NULL,
  bundle_path       TEXT NOT NULL,
  bundle_digest     TEXT,                     -- the bundle root index digest (what the bundle signature covers)
  bundle_name       TEXT,
  target            TEXT NOT NULL,            -- as given with --to
  status            TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'verification-failed', 'dry-run')),
  verification      TEXT NOT NULL,            -- the verifier's one-line result, or why it failed
  blobs_pushed      INTEGER NOT NULL DEFAULT 0,
  blobs_mounted     INTEGER NOT NULL DEFAULT 0,
  blobs_skipped     INTEGER NOT NULL DEFAULT 0,
  bytes_pushed      INTEGER NOT NULL DEFAULT 0,
  bytes_skipped     INTEGER NOT NULL DEFAULT 0,
  manifests_pushed  INTEGER NOT NULL DEFAULT 0,
  manifests_skipped INTEGER NOT NULL DEFAULT 0,
  mapping           TEXT,                     -- JSON object: source repository -> target repository
  error             TEXT
);
CREATE INDEX IF NOT EXISTS imports_bundle ON imports (bundle_digest);

-- Upload sessions an import left open (version 2): every byte of the layer was sent and hashed to its digest
-- as it went, but the import stopped (killed, or the registry failed) before it could commit. A later import
-- of a bundle holding the layer into the same repository continues the session instead of sending the bytes
-- again, if the registry still has it; a commit, a cancel or a session the registry no longer knows removes it.
CREATE TABLE IF NOT EXISTS staged_uploads (
  registry          TEXT NOT NULL,            -- host:port
  repository        TEXT NOT NULL,
  digest            TEXT NOT NULL,
  size              INTEGER NOT NULL,
  location          TEXT NOT NULL,            -- the session URL as the registry last gave it
  staged_at         TEXT NOT NULL,            -- RFC 3339, UTC
  PRIMARY KEY (registry, repository, digest)
);

-- What each image of an import resolves to at the target (version 3): one row per tagged source of the bundle,
-- written with the import's row. For a platform-filtered index, index says whether the original was kept
-- ('kept-sparse') or a filtered index stands for it ('filtered': digest is the filtered index, source_digest the
-- original, which is then not at the target); 'full' is an index with every child, NULL an image or artifact.
CREATE TABLE IF NOT EXISTS import_images (
  import_id         INTEGER NOT NULL REFERENCES imports (id),
  source            TEXT NOT NULL,            -- the full source reference (docker.io/library/alpine:3.20)
  target            TEXT NOT NULL,            -- the reference at the target (registry:5000/library/alpine:3.20)
  digest            TEXT NOT NULL,            -- what target resolves to
  source_digest     TEXT NOT NULL,            -- the digest in the bundle
  index_handling    TEXT CHECK (index_handling IN ('full', 'kept-sparse', 'filtered')),
  platforms         TEXT,                     -- JSON array of the carried platforms (indexes)
  left_out          TEXT,                     -- JSON array of the platforms left out of the bundle
  reason            TEXT                      -- why a sparse index was kept or filtered
);
CREATE INDEX IF NOT EXISTS import_images_import ON import_images (import_id);

-- The packages the SBOMs of an imported bundle list (version 4), for audit --package: copied from the bundle's
-- catalog when it is first imported with status 'ok', once per bundle digest however often it is imported.
-- import_images says where each source went; imports before version 4 have no rows here.
CREATE TABLE IF NOT EXISTS bundle_packages (
  bundle_digest     TEXT NOT NULL,            -- imports.bundle_digest
  source_ref        TEXT NOT NULL,            -- the source the SBOM is about (import_images.source)
  manifest_digest   TEXT NOT NULL,            -- the SBOM's subject: the source's digest, or one platform's manifest
  platform          TEXT,
  sbom_digest       TEXT NOT NULL,
  sbom_format       TEXT,                     -- SPDX-2.3, CycloneDX-1.5 (null when the catalog did not record it)
  name              TEXT NOT NULL,
  version           TEXT,
  purl              TEXT
);
CREATE INDEX IF NOT EXISTS bundle_packages_name ON bundle_packages (name);
CREATE INDEX IF NOT EXISTS bundle_packages_bundle ON bundle_packages (bundle_digest);

-- The signed creation time of each bundle imported with status 'ok' (version 5): the root index's
-- org.opencontainers.image.created, which the bundle signature covers with the root. import refuses, unless
-- --allow-older, a bundle of the same name created before the newest one imported into the same target.
-- Imports before version 5 have no rows here and do not take part.
CREATE TABLE IF NOT EXISTS bundle_created (
  bundle_digest     TEXT PRIMARY KEY,         -- imports.bundle_digest
  created           TEXT NOT NULL             -- RFC 3339, as the root index states it
);
