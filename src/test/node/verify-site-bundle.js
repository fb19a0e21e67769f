// Verifies a Sigstore bundle airlock's import --sign-with wrote, with sigstore-js (@sigstore/verify, the verifier
// of the npm sigstore client), offline: the public key is the only trust material (no Fulcio CA, no Rekor, no TSA,
// so every threshold 0), the DSSE signature is checked over its PAE by the library; then the in-toto statement's
// subject must name the image digest. Usage: node verify-site-bundle.js BUNDLE.json KEY.pub sha256:HEX
// Prints one JSON line; exit 0 verified, 1 refused, 2 usage or library missing.
'use strict';
const fs = require('fs');
const crypto = require('crypto');
let verify, bundleLib;
try {
  verify = require('@sigstore/verify');
  bundleLib = require('@sigstore/bundle');
} catch (e) {
  console.log(JSON.stringify({ error: 'sigstore-js not found: ' + e.message }));
  process.exit(2);
}
const [bundlePath, keyPath, digest] = process.argv.slice(2);
if (!bundlePath || !keyPath || !digest) {
  console.log(JSON.stringify({ error: 'usage: verify-site-bundle.js BUNDLE.json KEY.pub sha256:HEX' }));
  process.exit(2);
}
try {
  const json = JSON.parse(fs.readFileSync(bundlePath, 'utf8'));
  const bundle = bundleLib.bundleFromJSON(json);
  const hint = bundle.verificationMaterial.content.publicKey.hint;
  const publicKey = crypto.createPublicKey(fs.readFileSync(keyPath, 'utf8'));
  const root = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [],
    certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
  const trust = verify.toTrustMaterial(root, (h) => {
    if (h !== hint) {
      throw new Error('no key for hint ' + h);
    }
    return { publicKey, validFor: () => true };
  });
  const verifier = new verify.Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  verifier.verify(verify.toSignedEntity(bundle));
  const env = bundle.content.dsseEnvelope;
  const statement = JSON.parse(Buffer.from(env.payload).toString('utf8'));
  const [alg, hex] = digest.split(':');
  const named = (statement.subject || []).some((s) => s.digest && s.digest[alg] === hex);
  if (!named) {
    console.log(JSON.stringify({ verified: false, error: 'the statement does not name ' + digest }));
    process.exit(1);
  }
  console.log(JSON.stringify({ verified: true, mediaType: json.mediaType, payloadType: env.payloadType,
    predicateType: statement.predicateType, keyHint: hint }));
} catch (e) {
  console.log(JSON.stringify({ verified: false, error: String(e && e.message || e) }));
  process.exit(1);
}
