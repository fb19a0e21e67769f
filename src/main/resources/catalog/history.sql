-- airlock import history: one local database per machine (default ~/.local/share/airlock/history.db).
-- The version is in PRAGMA user_version; bump it when the schema changes.
PRAGMA user_version = 1;

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
