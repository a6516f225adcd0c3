// Independent verifiers for Kentbilim certificates, run by tests/interop (pytest) under Node.
//
// Nothing here is our code: Data Integrity proofs are checked by Digital Bazaar's @digitalbazaar/vc
// with the eddsa-rdfc-2022 cryptosuite (the stack of the Learner Credential Wallet and VerifierPlus),
// revocation by @digitalbazaar/vc-bitstring-status-list, VC-JWTs by the npm `jose` library, and the
// Open Badges 3.0 JSON Schema by Ajv (as the Digital Credentials Consortium's verifier-core does).
// This file only wires them up: an offline document loader and a JSON job format.
//
// Usage: node verify.mjs < job.json > results.json
//
// job = {
//   "contexts":  {url: JSON-LD context document}    served offline, nothing is ever fetched
//   "documents": {url-or-DID: document}              DID documents, status list credentials
//   "checks":    [check, ...]                        run in order, one result each
// }
// check kinds:
//   {"kind": "di", "credential": {...}}                       @digitalbazaar/vc verifyCredential
//        (with credentialStatus: the status list is loaded from "documents", its own proof
//         verified, and the bit read: result.status.revoked)
//   {"kind": "jwt-jwks", "token": "...", "jwks": {...}}       jose.jwtVerify, key from a JWK Set by kid
//   {"kind": "jwt-did", "token": "...", "didDocument": {...}} jose.jwtVerify, key from the DID document
//   {"kind": "bitstring", "encodedList": "u...", "index": n}  decode a BitstringStatusList, read one bit
//   {"kind": "schema", "document": {...}}                    Ajv (2019-09) against the OB 3.0 AchievementCredential schema
// result = {"ok": bool, "error": "..." | null, ...kind-specific fields}

import {readFileSync} from 'node:fs';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus, decodeList} from '@digitalbazaar/vc-bitstring-status-list';
import * as jose from 'jose';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';

function offlineLoader({contexts = {}, documents = {}}) {
  const served = new Map([...Object.entries(contexts), ...Object.entries(documents)]);
  const answer = (url, document) => ({contextUrl: null, documentUrl: url, document: structuredClone(document)});
  return async function documentLoader(url) {
    if(url.startsWith('did:')) {
      // A DID resolver in miniature: the DID document given for this DID, or one verification method
      // of it (with the document's @context, as DID resolvers return dereferenced fragments).
      const [did] = url.split('#');
      const didDocument = served.get(did);
      if(!didDocument) {
        throw new Error(`offline loader: no DID document for ${did}`);
      }
      if(url === did) {
        return answer(url, didDocument);
      }
      const method = (didDocument.verificationMethod || []).find(m => m.id === url);
      if(!method) {
        throw new Error(`offline loader: ${did} has no verification method ${url}`);
      }
      return answer(url, {'@context': didDocument['@context'], ...method});
    }
    if(!served.has(url)) {
      throw new Error(`offline loader: ${url} is not served (nothing is fetched from the network)`);
    }
    return answer(url, served.get(url));
  };
}

function describe(error) {
  if(!error) {
    return null;
  }
  const errors = Array.isArray(error) ? error : [error];
  return errors.map(e => {
    const nested = e.errors ? ` (${describe(e.errors)})` : '';
    const inner = e.cause || (e.details && e.details.cause);
    const cause = inner ? ` [cause: ${describe(inner)}]` : '';
    // jsonld.js reports what safe mode refused (e.g. a term no context defines) as an event.
    const event = e.details && e.details.event;
    const refused = event ? ` [${event.message} ${JSON.stringify(event.details || {})}]` : '';
    return `${e.name || 'Error'}: ${e.message}${refused}${nested}${cause}`;
  }).join('; ');
}

async function verifyDataIntegrity(check, documentLoader) {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  const result = await vc.verifyCredential({
    credential: check.credential,
    suite,
    documentLoader,
    checkStatus: async options => checkStatus({...options, verifyBitstringStatusListCredential: true}),
  });
  const out = {ok: result.verified === true, error: null};
  if(!out.ok) {
    out.error = describe(result.error) ||
      describe((result.results || []).map(r => r.error).filter(Boolean)) ||
      describe(result.statusResult && result.statusResult.error) || 'not verified';
  }
  out.proofs = (result.results || []).map(r => ({
    verified: r.verified,
    verificationMethod: r.verificationMethod && r.verificationMethod.id,
  }));
  if(result.statusResult) {
    // One result per BitstringStatusListEntry; `status` is the bit (true: set, i.e. revoked).
    const entries = result.statusResult.results || [];
    out.status = {
      verified: result.statusResult.verified === true,
      revoked: entries.some(entry => entry.status === true),
      purposes: entries.map(entry => entry.credentialStatus && entry.credentialStatus.statusPurpose),
    };
  }
  return out;
}

const JWT_OPTIONS = {algorithms: ['EdDSA'], typ: 'vc+jwt'};

async function verifyJwtWithJwks(check) {
  // What any JWKS client does: the JWK whose kid equals the header's kid.
  const {payload, protectedHeader} = await jose.jwtVerify(check.token, jose.createLocalJWKSet(check.jwks), JWT_OPTIONS);
  return {ok: true, error: null, payload, header: protectedHeader};
}

async function verifyJwtWithDidDocument(check) {
  // VC-JOSE-COSE: the header's kid is a DID URL; the key is that verification method's publicKeyJwk.
  const resolveKey = async header => {
    const method = (check.didDocument.verificationMethod || []).find(m => m.id === header.kid);
    if(!method) {
      throw new Error(`the DID document has no verification method ${header.kid}`);
    }
    if(!(check.didDocument.assertionMethod || []).includes(method.id)) {
      throw new Error(`${method.id} is not an assertionMethod of the DID document`);
    }
    if(!method.publicKeyJwk) {
      throw new Error(`${method.id} has no publicKeyJwk`);
    }
    return jose.importJWK({...method.publicKeyJwk, alg: 'EdDSA'}, 'EdDSA');
  };
  const {payload, protectedHeader} = await jose.jwtVerify(check.token, resolveKey, JWT_OPTIONS);
  return {ok: true, error: null, payload, header: protectedHeader};
}

let achievementCredentialSchema;

function schemaValidator() {
  // As the Digital Credentials Consortium's verifier-core (VerifierPlus) checks Open Badges 3.0
  // credentials: Ajv's draft 2019-09 validator with ajv-formats (logger off: only its console noise).
  if(!achievementCredentialSchema) {
    const ajv = new Ajv2019({allErrors: true, logger: false});
    addFormats(ajv);
    const schema = JSON.parse(readFileSync(
      new URL('../schemas/ob_v3p0_achievementcredential_schema.json', import.meta.url), 'utf8'));
    achievementCredentialSchema = ajv.compile(schema);
  }
  return achievementCredentialSchema;
}

async function validateSchema(check) {
  const validate = schemaValidator();
  const valid = validate(check.document);
  const errors = (validate.errors || []).map(e => `${e.instancePath || '(root)'}: ${e.message}`);
  return {ok: valid === true, error: valid ? null : errors.join('; '), errors};
}

async function readBit(check) {
  const list = await decodeList({encodedList: check.encodedList});
  return {ok: true, error: null, revoked: list.getStatus(check.index), length: list.length};
}

const KINDS = {
  'di': verifyDataIntegrity,
  'jwt-jwks': verifyJwtWithJwks,
  'jwt-did': verifyJwtWithDidDocument,
  'bitstring': readBit,
  'schema': validateSchema,
};

async function main() {
  const job = JSON.parse(readFileSync(0, 'utf8'));
  const documentLoader = offlineLoader(job);
  const results = [];
  for(const check of job.checks) {
    const run = KINDS[check.kind];
    if(!run) {
      results.push({ok: false, error: `unknown check kind ${JSON.stringify(check.kind)}`});
      continue;
    }
    try {
      results.push(await run(check, documentLoader));
    } catch(error) {
      results.push({ok: false, error: describe(error)});
    }
  }
  process.stdout.write(JSON.stringify({results, versions: VERSIONS}));
}

const VERSIONS = Object.fromEntries(
  ['@digitalbazaar/vc', '@digitalbazaar/data-integrity', '@digitalbazaar/eddsa-rdfc-2022-cryptosuite',
    '@digitalbazaar/ed25519-multikey', '@digitalbazaar/vc-bitstring-status-list', 'jose', 'jsonld',
    'rdf-canonize', 'ajv', 'ajv-formats'].map(name => [name, JSON.parse(readFileSync(
    new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version]));

main().catch(error => {
  process.stderr.write(`${describe(error)}\n`);
  process.exit(2);
});
