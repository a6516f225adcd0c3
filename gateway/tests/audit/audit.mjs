// Runs graphql-http's server audit against URL (argv[2]) and prints one JSON document:
// [{id, name, status: "ok" | "warn" | "error", reason}], where name starts with MUST, SHOULD or MAY.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs http://127.0.0.1:PORT/graphql');
  process.exit(2);
}
const results = await auditServer({ url, fetchFn: fetch });
const out = await Promise.all(
  results.map(async (r) => ({
    id: r.id,
    name: r.name,
    status: r.status,
    reason: r.status === 'ok' ? null : r.reason,
    response: r.status === 'ok' ? null : await describe(r.response),
  })),
);
console.log(JSON.stringify(out, null, 1));

async function describe(response) {
  if (!response) return null;
  try {
    const body = await response.clone().text();
    return { status: response.status, contentType: response.headers.get('content-type'), body: body.slice(0, 300) };
  } catch {
    return { status: response.status };
  }
}
