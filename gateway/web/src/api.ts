// The only way the client talks to the server: the gateway's GraphQL API (HTTP and WebSocket).
import { createClient, type Client } from "graphql-ws";
import { getToken, signOutExpired } from "./auth";
import type { TypedDocumentString } from "./gql/graphql";

export type ErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "BAD_USER_INPUT"
  | "CONFLICT"
  | "RATE_LIMITED"
  | "UNAVAILABLE"
  | "NETWORK";

/** A failed request, with the server's human message and its machine code. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
  ) {
    super(message);
  }
}

interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string };
}

/** A typed operation (generated into src/gql by `npm run codegen`) and its variables. */
export type Operation<R, V> = TypedDocumentString<R, V>;

export async function gql<R, V>(
  document: Operation<R, V>,
  variables: V,
  options: { idempotencyKey?: string } = {},
): Promise<R> {
  const headers: Record<string, string> = { "Content-Type": "application/json", Accept: "application/json" };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  // A mutation sent again with the same key is answered from the first one (gateway idempotency).
  if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
  let response: Response;
  try {
    response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query: document.toString(), variables }) });
  } catch {
    throw new ApiError("", "NETWORK");
  }
  let body: { data?: R; errors?: GraphQLErrorBody[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError("", response.status === 429 ? "RATE_LIMITED" : "UNAVAILABLE");
  }
  if (body.errors?.length) {
    const first = body.errors[0];
    const code = (first.extensions?.code ?? "UNAVAILABLE") as ErrorCode;
    if (code === "UNAUTHENTICATED" && token) signOutExpired();
    throw new ApiError(first.message, code);
  }
  if (!body.data) throw new ApiError("", "UNAVAILABLE");
  return body.data;
}

let wsClient: Client | null = null;
let wsToken: string | null = null;

function subscriptions(): Client {
  const token = getToken();
  // A new token (sign-in as someone else) needs a new connection: the token travels in connection_init.
  if (wsClient && wsToken === token) return wsClient;
  wsClient?.dispose();
  wsToken = token;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  wsClient = createClient({
    url: `${scheme}//${location.host}/graphql`,
    connectionParams: () => (token ? { Authorization: `Bearer ${token}` } : {}),
    retryAttempts: 5,
  });
  return wsClient;
}

/** Subscribe to a GraphQL subscription; returns a function that stops it. */
export function subscribe<R, V>(
  document: Operation<R, V>,
  variables: V,
  onData: (data: R) => void,
  onError: (error: ApiError) => void,
  onComplete: () => void = () => {},
): () => void {
  return subscriptions().subscribe<R>(
    { query: document.toString(), variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        if (result.errors?.length) {
          const first = result.errors[0] as GraphQLErrorBody;
          onError(new ApiError(first.message, (first.extensions?.code ?? "UNAVAILABLE") as ErrorCode));
        } else if (result.data) {
          onData(result.data as R);
        }
      },
      error: () => onError(new ApiError("", "NETWORK")),
      complete: onComplete,
    },
  );
}
