// The "JavaScript (fetch)" example of the PostGrad reference page
// (PostGrad's public API reference, "Using Your API Key"), run against kapi.
// CHANGED: the base URL ('https://postgrad.io' -> KAPI_BASE_URL) and the key
// ('pg_live_xxxxxxxxxxxxx' -> KAPI_KEY). Nothing else, except:
// ADDED: the feed id may be overridden by KAPI_FEED (default: the page's own
// placeholder uuid, which no kapi feed has), and the last line prints the result.
const BASE_URL = process.env.KAPI_BASE_URL;                                   // CHANGED
const KEY = process.env.KAPI_KEY;                                             // CHANGED
const FEED = process.env.KAPI_FEED ?? 'b1a2c3d4-e5f6-7890-abcd-ef0123456789'; // ADDED

// ---- the page's example, verbatim but for the three names above ----
const response = await fetch(BASE_URL + '/api/v1/knowledge', {
headers: {
'Authorization': 'Bearer ' + KEY,
'X-PostGrad-Feed': FEED,
},
});
const data = await response.json();
// ---- end of the page's example ----

console.log(`fetch: HTTP ${response.status}`, JSON.stringify(data.error ?? {       // ADDED
  entries: data.data.length, first: data.data[0]?.title, total: data.pagination.total,
  queries_remaining: data.meta.queries_remaining }));
