#!/usr/bin/env python3
"""report.py RESULTS.tsv FACTS.txt: prints the benchmark's markdown report (medians, ratios, every run).

RESULTS.tsv rows: scenario, tool, run, seconds, peak RSS KiB, bytes, status (ok | n/a), note.
"""
import statistics
import sys

# scenario: (airlock's command, [(peer tool, peer's command, target on the time ratio airlock/peer)])
SCENARIOS = [
    ("export", "airlock bundle", [("skopeo", "skopeo copy docker→oci + tar", 1 / 1.5)]),
    ("import", "airlock import", [("skopeo", "untar + skopeo copy oci→docker", 1 / 1.5)]),
    ("verify", "airlock verify", [("openssl", "openssl dgst -sha256", 1 / 0.8),
                                  ("sha256sum", "sha256sum", None)]),
    ("serve", "skopeo pulls from airlock serve", [("docker-registry", "skopeo pulls from docker-registry", 1.0)]),
    ("volumes-export", "airlock bundle --volume-size", [("single-tar", "airlock bundle (one tarball)", 1.1)]),
    ("volumes-import", "airlock import of the parts", [("single-tar", "airlock import of the tarball", 1.1)]),
    ("volumes-zstd-export", "airlock bundle --volume-size --compress zstd",
     [("plain-parts", "airlock bundle --volume-size (plain parts)", None)]),
    ("volumes-zstd-import", "airlock import of the compressed parts",
     [("single-tar", "airlock import of the tarball", None)]),
    ("delta-export", "airlock bundle --since RECEIPT (week 2: one image + one small layer)",
     [("full", "airlock bundle (the full week-2 bundle)", None)]),
    ("delta-import", "airlock import of the delta onto week 1", [("full", "airlock import of the full week-2 bundle", None)]),
]
RSS_TARGET_MB = 300
# Issue 18's targets for the small corpus (the full corpus keeps the ones above); the tiny corpus shows the
# fixed costs and has none.
SMALL_TARGETS = {("export", "skopeo"): 1.0, ("import", "skopeo"): 0.8, ("verify", "openssl"): 3.0,
                 ("serve", "docker-registry"): 1.0}


def mib(n):
    return f"{n / 1048576:,.1f} MiB"


def main(tsv, facts_path):
    facts = dict(line.rstrip("\n").split("=", 1) for line in open(facts_path) if "=" in line)
    rows = [line.rstrip("\n").split("\t") for line in open(tsv) if line.strip()]
    runs = {}
    for scen, tool, run, secs, rss, nbytes, status, note in rows:
        r = runs.setdefault((scen, tool), {"ok": [], "na": None, "note": note})
        if status == "ok":
            r["ok"].append((int(run), float(secs), int(float(rss)), int(float(nbytes))))
        else:
            r["na"] = note

    def summary(scen, tool):
        r = runs.get((scen, tool))
        if not r or not r["ok"]:
            return None
        ok = r["ok"]
        return {
            "secs": statistics.median(s for _, s, _, _ in ok),
            "min": min(s for _, s, _, _ in ok),
            "max": max(s for _, s, _, _ in ok),
            "rss": max(k for _, _, k, _ in ok) * 1024,
            "bytes": statistics.median(b for _, _, _, b in ok),
            "n": len(ok),
        }

    out = []
    p = out.append
    p(f"# airlock vs skopeo: {facts['size']} corpus, {facts['date']}")
    p("")
    p(f"- machine: {facts['nproc']} cores ({facts['cpu']}), {facts['memory']} memory, {facts['os']}")
    p(f"- {facts['java']}; airlock JVM options: {facts['airlock_java_opts']}")
    p(f"- peers: {facts['skopeo']}; {facts['registry']}; {facts['openssl']}; {facts['sha256sum']}")
    p(f"- airlock commit {facts['commit']}; {facts['runs']} runs per scenario, airlock and peer alternately")
    p(f"- corpus ({facts['size']}): {facts['images']} images + {facts['indexes']} multi-arch index "
      f"(linux/amd64 + linux/arm64), {facts['layers']} distinct layers from Debian 12 .deb packages; "
      f"{mib(int(facts['unique_layer_bytes']))} of distinct gzip layers "
      f"({mib(int(facts['per_image_layer_bytes']))} summed over images, so shared layers save "
      f"{mib(int(facts['per_image_layer_bytes']) - int(facts['unique_layer_bytes']))}); "
      f"{facts['blobs']} blobs, {mib(int(facts['blob_bytes']))} in all")
    p("")
    p("Times are medians of wall-clock seconds (min–max in brackets). ratio = airlock median / peer median: "
      "below 1 airlock is faster. Peak RSS is the largest process's (for serve: the server's).")
    p("")
    p("| scenario | airlock | peer | ratio | target | airlock bytes | peer bytes | airlock peak RSS | peer peak RSS |")
    p("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    rss_seen = []
    only = [x for x in facts.get("only", "").split(",") if x]
    for scen, acmd, peers in SCENARIOS:
        if only and scen.split("-")[0] not in only:
            continue
        a = summary(scen, "airlock")
        r = runs.get((scen, "airlock"), {})
        for tool, pcmd, target in peers:
            if facts["size"] == "small" and (scen, tool) in SMALL_TARGETS:
                target = SMALL_TARGETS[(scen, tool)]
            elif facts["size"] == "tiny" and not scen.startswith("volumes"):
                target = None
            b = summary(scen, tool)
            bt = f"{b['secs']:.2f} s [{b['min']:.2f}–{b['max']:.2f}]" if b else "–"
            if a:
                at = f"{a['secs']:.2f} s [{a['min']:.2f}–{a['max']:.2f}]"
                ratio = f"**{a['secs'] / b['secs']:.2f}**" if b else "–"
                met = ""
                if target and b:
                    met = " ✓" if a["secs"] / b["secs"] <= target else " ✗"
                abytes, arss = mib(a["bytes"]), f"{a['rss'] / 1e6:.0f} MB"
            else:
                at, ratio, met, abytes, arss = "n/a", "n/a", "", "n/a", "n/a"
            tgt = f"≤ {target:.2f}{met}" if target else "–"
            brss = f"{b['rss'] / 1e6:.0f} MB" if b else "–"
            bbytes = mib(b["bytes"]) if b else "–"
            p(f"| {scen}: {acmd} vs {pcmd} | {at} | {bt} | {ratio} | {tgt} | {abytes} | "
              f"{bbytes} | {arss} | {brss} |")
        if a:
            rss_seen.append((scen, a["rss"]))
    p("")
    notes = []
    for scen, _, _ in SCENARIOS:
        r = runs.get((scen, "airlock"))
        if r and not r["ok"] and r["na"]:
            notes.append(f"- {scen}: airlock n/a: {r['na']}")
    v = {t: summary("verify", t) for t in ("airlock", "openssl", "sha256sum")}
    tput = [f"{t} {s['bytes'] / s['secs'] / 1048576:,.0f} MiB/s" for t, s in v.items() if s]
    if tput:
        notes.append("- verify throughput over the bundle's blobs: " + ", ".join(tput))
    if v["airlock"] and v["openssl"]:
        share = v["openssl"]["secs"] / v["airlock"]["secs"]
        notes.append(f"- verify: airlock reaches {share:.0%} of openssl's throughput (target ≥ 80%)")
    a_exp, s_exp = summary("export", "airlock"), summary("export", "skopeo")
    if a_exp and s_exp:
        notes.append(f"- export: airlock's export takes {a_exp['bytes'] / s_exp['bytes']:.0%} of the disk of skopeo's "
                     "layout + tar (target: smaller whenever images share layers)")
    if rss_seen:
        worst = max(rss_seen, key=lambda x: x[1])
        ok = "✓" if worst[1] / 1e6 < RSS_TARGET_MB else "✗"
        notes.append(f"- airlock peak RSS: at most {worst[1] / 1e6:.0f} MB ({worst[0]}); target < {RSS_TARGET_MB} MB "
                     f"whatever the corpus size {ok}")
    if notes:
        p("Notes:")
        p("")
        out.extend(notes)
        p("")
    p("## Every run")
    p("")
    p("| scenario | tool | run | seconds | peak RSS | bytes | note |")
    p("| --- | --- | --- | --- | --- | --- | --- |")
    for scen, tool, run, secs, rss, nbytes, status, note in rows:
        if status == "ok":
            p(f"| {scen} | {tool} | {run} | {float(secs):.2f} | {int(float(rss)) * 1024 / 1e6:.0f} MB | {mib(int(float(nbytes)))} | {note} |")
        else:
            p(f"| {scen} | {tool} | {run} | n/a | | | {note} |")
    p("")
    p(f"Images: {facts['refs']}")
    print("\n".join(out))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
