#!/usr/bin/env python3
"""change-image.py LAYOUT OUT

The delta scenario's week-2 change: the first image (not index) of the corpus LAYOUT gains one small layer
(a gzip tar of one 4 KiB file). Writes an OCI layout OUT holding just the changed image under the same ref name
(its other blobs hard-linked from LAYOUT), and prints "REF DIGEST NEW_LAYER_BYTES".
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def main(layout, out):
    index = json.load(open(os.path.join(layout, "index.json")))
    entry = next((m for m in index["manifests"] if m["mediaType"] == MANIFEST
                  and ".sig" not in m.get("annotations", {}).get("org.opencontainers.image.ref.name", "")), None)
    if entry is None:
        sys.exit("change-image.py: the corpus has no single-platform image")
    ref = entry["annotations"]["org.opencontainers.image.ref.name"]
    src = os.path.join(layout, "blobs", "sha256")
    dst = os.path.join(out, "blobs", "sha256")
    os.makedirs(dst)

    def blob(digest):
        return os.path.join(src, digest.split(":", 1)[1])

    def link(digest):
        target = os.path.join(dst, digest.split(":", 1)[1])
        if not os.path.exists(target):
            try:
                os.link(blob(digest), target)
            except OSError:
                shutil.copyfile(blob(digest), target)

    def put(data):
        hexd = hashlib.sha256(data).hexdigest()
        with open(os.path.join(dst, hexd), "wb") as f:
            f.write(data)
        return "sha256:" + hexd

    manifest = json.load(open(blob(entry["digest"])))
    config = json.load(open(blob(manifest["config"]["digest"])))
    for layer in manifest["layers"]:
        link(layer["digest"])
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as t:
        content = b"week 2 patch\n" * 315
        info = tarfile.TarInfo("etc/airlock-bench-week2")
        info.size, info.mtime, info.mode = len(content), 0, 0o644
        t.addfile(info, io.BytesIO(content))
    tar = raw.getvalue()
    gz = gzip.compress(tar, mtime=0)
    layer_digest = put(gz)
    config["rootfs"]["diff_ids"].append("sha256:" + hashlib.sha256(tar).hexdigest())
    config.setdefault("history", []).append({"created": config.get("created", "2024-01-01T00:00:00Z"),
                                             "created_by": "bench delta: one small layer"})
    cfg = json.dumps(config, separators=(",", ":"), sort_keys=True).encode()
    manifest["config"] = {"mediaType": manifest["config"]["mediaType"], "digest": put(cfg), "size": len(cfg)}
    manifest["layers"].append({"mediaType": LAYER, "digest": layer_digest, "size": len(gz)})
    data = json.dumps(manifest, separators=(",", ":"), sort_keys=True).encode()
    digest = put(data)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{"mediaType": MANIFEST, "digest": digest, "size": len(data),
                                                       "annotations": {"org.opencontainers.image.ref.name": ref}}]}, f)
    print(ref, digest, len(gz))


if __name__ == "__main__":
    main(*sys.argv[1:3])
