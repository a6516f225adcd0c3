// Optional API features: the contract allows the gateway to add fields, and a few pages use such
// additions when present (listing a course's certificates, moving saved modules and lessons).
import { gql } from "./api";
import { graphql } from "./gql";

let fields: Promise<Set<string>> | null = null;

/** Names of the gateway's root fields, as "Query.x" and "Mutation.y". */
export function rootFields(): Promise<Set<string>> {
  fields ??= gql(
    graphql(`query RootFields { q: __type(name: "Query") { fields { name } } m: __type(name: "Mutation") { fields { name } } }`),
    {},
  ).then(
    (d) =>
      new Set([
        ...(d.q?.fields ?? []).map((f) => `Query.${f.name}`),
        ...(d.m?.fields ?? []).map((f) => `Mutation.${f.name}`),
      ]),
    () => {
      fields = null;
      return new Set<string>();
    },
  );
  return fields;
}
