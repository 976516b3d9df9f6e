// Run Apollo Client's PersistedQueryLink against the API and report what it did.
//   node apq.mjs <graphql endpoint> <bearer token>
// Prints one JSON object: the HTTP requests the link sent (method, whether the
// document text went along, the hash) and the results the client got.
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client/core/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";

const [endpoint, token] = process.argv.slice(2);
const sent = [];

async function recordingFetch(url, options) {
  const parsed = new URL(url);
  const body = options.body ? JSON.parse(options.body) : null;
  const extensions = body ? body.extensions : JSON.parse(parsed.searchParams.get("extensions") || "null");
  const query = body ? body.query : parsed.searchParams.get("query");
  sent.push({
    method: options.method || "GET",
    withQuery: Boolean(query),
    hash: extensions && extensions.persistedQuery ? extensions.persistedQuery.sha256Hash : null,
  });
  const response = await fetch(url, options);
  const copy = response.clone();
  sent[sent.length - 1].status = response.status;
  sent[sent.length - 1].body = await copy.json();
  return response;
}

const link = createPersistedQueryLink({
  sha256: (text) => createHash("sha256").update(text).digest("hex"),
  useGETForHashedQueries: true,
}).concat(
  new HttpLink({ uri: endpoint, fetch: recordingFetch, headers: { authorization: `Bearer ${token}` } }),
);
const client = new ApolloClient({ link, cache: new InMemoryCache(), defaultOptions: { query: { fetchPolicy: "no-cache" } } });
const ME = gql`query Me { me { id email name } }`;

const results = [];
for (let i = 0; i < 2; i++) {
  const { data, errors } = await client.query({ query: ME });
  results.push({ data, errors: errors || null });
}
console.log(JSON.stringify({ sent, results }));
