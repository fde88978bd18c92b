// A short tour of kapi through a client generated from docs/openapi.yaml:
// openapi-typescript wrote src/kapi.d.ts (the types), openapi-fetch is the
// runtime. Nothing here is hand-written API plumbing: paths, parameters and
// response shapes are all checked by tsc against the generated types.
//
//   KAPI_BASE_URL=http://127.0.0.1:8080 KAPI_KEY=pg_live_… npx tsx src/tour.ts
import createClient from "openapi-fetch";
import type { paths } from "./kapi";

const baseUrl = process.env.KAPI_BASE_URL ?? "http://127.0.0.1:8080";
const key = process.env.KAPI_KEY;
if (!key) throw new Error("set KAPI_KEY to a kapi API key (./bin/kapi demo prints one)");

const kapi = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${key}` } });

function fail(step: string, status: number, error: unknown): never {
  throw new Error(`${step}: HTTP ${status} ${JSON.stringify(error)}`);
}

// 1. List feeds (no feed header needed).
const feeds = await kapi.GET("/api/v1/feeds");
if (!feeds.data) fail("list feeds", feeds.response.status, feeds.error);
console.log(`feeds: ${feeds.data.pagination.total} in the catalogue`);
for (const f of feeds.data.data) {
  console.log(`  ${f.slug.padEnd(24)} ${String(f.entry_count).padStart(4)} entries  subscription=${f.subscription_status}`);
}
const subscribed = feeds.data.data.find((f) => f.subscription_status === "active");
if (!subscribed) throw new Error("the key's account subscribes to no feed");

// 2. Search in each mode, scoped to one feed by the X-PostGrad-Feed header.
const q = "how to sleep better";
for (const mode of ["keyword", "semantic", "hybrid"] as const) {
  const r = await kapi.GET("/api/v1/knowledge/search", {
    params: { query: { q, mode, limit: 3 }, header: { "X-PostGrad-Feed": subscribed.slug } },
  });
  if (!r.data) fail(`search ${mode}`, r.response.status, r.error);
  const top = r.data.data.map((e) => `${e.title} (${e.raw_score})`).join(" | ");
  console.log(`search ${mode.padEnd(8)} feed=${r.data.context?.feeds[0].slug} hits=${r.data.data.length} has_more=${r.data.pagination.has_more}: ${top}`);
}

// 3. Fan out over every subscribed feed: one quota unit, hits name their feed.
const all = await kapi.GET("/api/v1/knowledge/search", {
  params: { query: { q, mode: "hybrid", limit: 5, verbosity: "compact" }, header: { "X-PostGrad-Feed": "all" } },
});
if (!all.data) fail("fan-out", all.response.status, all.error);
console.log(`fan-out: X-PostGrad-Feeds-Searched=${all.response.headers.get("X-PostGrad-Feeds-Searched")}; ` +
  all.data.data.map((e) => `${e.feed_slug}: ${e.title}`).join(" | "));

// 4. Usage: the same block every authenticated response carries in meta.
const usage = await kapi.GET("/api/v1/usage");
if (!usage.data) fail("usage", usage.response.status, usage.error);
const u = usage.data.data;
console.log(`usage: ${u.queries_used}/${u.queries_limit} this month (tier ${u.tier}), ` +
  `X-RateLimit-Remaining=${usage.response.headers.get("X-RateLimit-Remaining")}`);

// 5. Hit the per-minute limit: /usage costs no monthly quota, so loop on it.
for (let i = 1; i <= 200; i++) {
  const r = await kapi.GET("/api/v1/usage");
  if (r.response.status !== 429) continue;
  if (!r.error) throw new Error("429 without an error body");
  const retryAfter = r.response.headers.get("Retry-After");
  console.log(`429 after ${i} more requests: ${r.error.error.code} (details.limit=${JSON.stringify(r.error.error.details?.limit)}), ` +
    `Retry-After=${retryAfter}s, message: ${r.error.error.message}`);
  process.exit(0);
}
throw new Error("no 429 after 200 requests");
