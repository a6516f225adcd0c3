// RDFC-1.0 canonical N-Quads by rdf-canonize (through jsonld.js), the implementation the
// @digitalbazaar/vc verifiers hash, for tests/interop/test_rdfc_rdf_canonize.py. Not our code.
//
// Usage: node canonize.mjs < job.json > results.json
// job = {"contexts": {url: context document}, "documents": [JSON-LD document, ...]}
// result per document: {"nquads": "..."} or {"error": "..."}; contexts are served offline only.

import {readFileSync} from 'node:fs';

import jsonld from 'jsonld';

const job = JSON.parse(readFileSync(0, 'utf8'));
const contexts = new Map(Object.entries(job.contexts || {}));

async function documentLoader(url) {
  if(!contexts.has(url)) {
    throw new Error(`offline loader: ${url} is not served (nothing is fetched from the network)`);
  }
  return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
}

const results = [];
for(const document of job.documents) {
  try {
    const nquads = await jsonld.canonize(document, {
      algorithm: 'RDFC-1.0',
      format: 'application/n-quads',
      documentLoader,
      safe: true,
    });
    results.push({nquads});
  } catch(error) {
    results.push({error: `${error.name}: ${error.message}`});
  }
}
process.stdout.write(JSON.stringify({results}));
