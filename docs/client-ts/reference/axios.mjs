// The "JavaScript (axios)" example of the PostGrad reference page
// (PostGrad's public API reference, "Using Your API Key"), run against kapi.
// CHANGED: the base URL ('https://postgrad.io/api/v1' -> KAPI_BASE_URL + '/api/v1')
// and the key ('pg_live_xxxxxxxxxxxxx' -> KAPI_KEY). Nothing else, except:
// ADDED: the feed id may be overridden by KAPI_FEED (default: the page's own
// placeholder uuid), axios's throw on a non-2xx status is caught to print the
// error envelope, and the result is printed.
import axios from 'axios';
const BASE_URL = process.env.KAPI_BASE_URL;                                   // CHANGED
const KEY = process.env.KAPI_KEY;                                             // CHANGED
const FEED = process.env.KAPI_FEED ?? 'b1a2c3d4-e5f6-7890-abcd-ef0123456789'; // ADDED

try {                                                                         // ADDED
// ---- the page's example, verbatim but for the three names above ----
const client = axios.create({
baseURL: BASE_URL + '/api/v1',
headers: {
'Authorization': 'Bearer ' + KEY,
'X-PostGrad-Feed': FEED,
},
});
const { data } = await client.get('/knowledge');
// ---- end of the page's example ----
console.log('axios: HTTP 200', JSON.stringify({ entries: data.data.length, first: data.data[0]?.title,  // ADDED
  total: data.pagination.total, queries_remaining: data.meta.queries_remaining }));
} catch (err) {                                                               // ADDED
  if (!err.response) throw err;
  console.log(`axios: HTTP ${err.response.status}`, JSON.stringify(err.response.data.error));
}
