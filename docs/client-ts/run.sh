#!/usr/bin/env bash
# Run kapi's generated TypeScript client and the PostGrad reference page's
# fetch/axios examples against a running kapi (Node 18.17 or later + npm, so
# Debian 12's own nodejs 18.19 does; not part of `make test`).
#
#   docs/client-ts/run.sh BASE_URL KEY
#   e.g. docs/client-ts/run.sh http://127.0.0.1:8080 "$(./bin/kapi demo | jq -r .key)"
#
# The key's account should subscribe to a feed (the demo account does). The last
# step loops until the per-minute limit answers 429, so run it at most once a
# minute.
set -euo pipefail
cd "$(dirname "$0")"
if [ $# -ne 2 ]; then
  echo "usage: $0 BASE_URL KEY" >&2
  exit 2
fi
export KAPI_BASE_URL=${1%/} KAPI_KEY=$2

# The oldest Node every pinned package declares it supports (package-lock.json:
# @redocly/openapi-core wants 18.17).
command -v node >/dev/null || { echo "$0: node not found: apt-get install nodejs npm" >&2; exit 1; }
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>18||(a===18&&b>=17)?0:1)'; then
  echo "$0: Node $(node --version) is too old; this needs 18.17 or later (Debian 12's nodejs is 18.19)" >&2
  exit 1
fi

[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
echo "== generate the client types from docs/openapi.yaml (openapi-typescript)"
npx --no-install openapi-typescript ../openapi.yaml -o src/kapi.d.ts
echo "== type-check the tour against them (tsc)"
npx --no-install tsc --noEmit -p .

echo "== the reference page's examples, only the base URL and key changed (placeholder feed: expect 404 NOT_FOUND)"
node reference/fetch.mjs
node reference/axios.mjs
feed=$(curl -fsS -H "Authorization: Bearer $KAPI_KEY" "$KAPI_BASE_URL/api/v1/feeds" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const f=JSON.parse(s).data.find(f=>f.subscription_status==="active");console.log(f?f.id:"")})')
echo "== the same examples with KAPI_FEED=$feed (a subscribed feed from GET /api/v1/feeds)"
KAPI_FEED=$feed node reference/fetch.mjs
KAPI_FEED=$feed node reference/axios.mjs

echo "== the tour through the generated client (openapi-fetch)"
npx --no-install tsx src/tour.ts
