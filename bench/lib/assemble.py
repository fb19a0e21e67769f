#!/usr/bin/env python3
"""assemble.py SPEC LAYERMAP OUTDIR

Writes OUTDIR/layout (an OCI image layout holding every image and index of the corpus definition SPEC,
each under its ref name, e.g. bench/jre:17), OUTDIR/refs.txt (one ref a line) and OUTDIR/facts.txt.
LAYERMAP has "NAME PATH" lines; PATH.diffid and PATH.digest sit beside each gzip layer PATH.
Configs, manifests and indexes are authored here with fixed content, so the same layers give the same
digests.
"""
import hashlib
import json
import os
import shutil
import sys

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
CREATED = "2024-01-01T00:00:00Z"
SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"


def main(spec_path, layermap_path, out):
    layers, packages, images, signatures = {}, {}, [], []
    for line in open(layermap_path):
        name, path = line.split()
        layers[name] = {
            "path": path,
            "digest": open(path + ".digest").read().strip(),
            "diffid": open(path + ".diffid").read().strip(),
            "size": os.path.getsize(path),
        }
    for line in open(spec_path):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "layer":
            packages[words[1]] = words[2:]
        elif words[0] == "image":
            images.append((words[1], [("amd64", words[2:])]))
        elif words[0] == "signature":
            signatures.append(words[1])
        elif words[0] == "index":
            images.append((words[1], [(w.split("=")[0], w.split("=")[1].split(",")) for w in words[2:]], True))
        else:
            sys.exit("assemble.py: unknown line: " + line.strip())

    layout = os.path.join(out, "layout")
    blobs = os.path.join(layout, "blobs", "sha256")
    os.makedirs(blobs)

    def put_layer(name):
        layer = layers[name]
        target = os.path.join(blobs, layer["digest"])
        if not os.path.exists(target):
            try:
                os.link(layer["path"], target)
            except OSError:
                shutil.copyfile(layer["path"], target)
        return {"mediaType": LAYER, "digest": "sha256:" + layer["digest"], "size": layer["size"]}

    def put_json(doc, media_type):
        data = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
        hexd = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, hexd), "wb") as f:
            f.write(data)
        return {"mediaType": media_type, "digest": "sha256:" + hexd, "size": len(data)}

    def put_image(arch, names):
        config = {
            "architecture": arch,
            "os": "linux",
            "created": CREATED,
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                       "Cmd": ["/bin/bash"]},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + layers[n]["diffid"] for n in names]},
            "history": [{"created": CREATED, "created_by": "dpkg-deb -x " + " ".join(packages[n])} for n in names],
        }
        if arch == "arm64":
            config["variant"] = "v8"
        manifest = {
            "schemaVersion": 2,
            "mediaType": MANIFEST,
            "config": put_json(config, CONFIG),
            "layers": [put_layer(n) for n in names],
        }
        return put_json(manifest, MANIFEST), sum(layers[n]["size"] for n in names)

    entries, refs, per_image_bytes = [], [], 0
    for item in images:
        ref, platforms = item[0], item[1]
        if len(item) == 2:
            desc, nbytes = put_image(*platforms[0])
            per_image_bytes += nbytes
        else:
            children = []
            for arch, names in platforms:
                child, nbytes = put_image(arch, names)
                per_image_bytes += nbytes
                child["platform"] = {"architecture": arch, "os": "linux"}
                if arch == "arm64":
                    child["platform"]["variant"] = "v8"
                children.append(child)
            desc = put_json({"schemaVersion": 2, "mediaType": INDEX, "manifests": children}, INDEX)
        desc["annotations"] = {"org.opencontainers.image.ref.name": ref}
        entries.append(desc)
        refs.append(ref)

    for signed in signatures:
        subject = next((e for e in entries if e["annotations"]["org.opencontainers.image.ref.name"] == signed), None)
        if subject is None:
            sys.exit("assemble.py: signature of an unknown image: " + signed)
        repo = signed.rsplit(":", 1)[0]
        payload = {"critical": {"identity": {"docker-reference": repo}, "image": {"docker-manifest-digest": subject["digest"]},
                                "type": "cosign container image signature"}, "optional": None}
        layer = put_json(payload, SIMPLE_SIGNING)
        layer["annotations"] = {"dev.cosignproject.cosign/signature": "MEUCIQDbenchbenchbenchbenchbenchbenchbenchbenchbenchAiB"
                                "benchbenchbenchbenchbenchbenchbenchbenchbenchbench="}
        config = {"architecture": "", "os": "", "created": CREATED,
                  "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}, "config": {}}
        sig = put_json({"schemaVersion": 2, "mediaType": MANIFEST, "config": put_json(config, CONFIG), "layers": [layer]},
                       MANIFEST)
        ref = repo + ":" + subject["digest"].replace(":", "-") + ".sig"
        sig["annotations"] = {"org.opencontainers.image.ref.name": ref}
        entries.append(sig)
        refs.append(ref)

    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": INDEX, "manifests": entries}, f, separators=(",", ":"))
    with open(os.path.join(out, "refs.txt"), "w") as f:
        f.write("\n".join(refs) + "\n")
    used = {n for item in images for _, names in item[1] for n in names}
    unique = sum(layers[n]["size"] for n in used)
    total_blobs = sum(os.path.getsize(os.path.join(blobs, b)) for b in os.listdir(blobs))
    with open(os.path.join(out, "facts.txt"), "w") as f:
        f.write(f"images={sum(1 for i in images if len(i) == 2)}\n")
        f.write(f"indexes={sum(1 for i in images if len(i) == 3)}\n")
        f.write(f"layers={len(used)}\n")
        f.write(f"unique_layer_bytes={unique}\n")
        f.write(f"per_image_layer_bytes={per_image_bytes}\n")
        f.write(f"blob_bytes={total_blobs}\n")
        f.write(f"blobs={len(os.listdir(blobs))}\n")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
