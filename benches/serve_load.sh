#!/usr/bin/env bash
# `declsearch serve` under load and under schemathesis, on twlaw's parallel articles
# (../shared/data/twlaw, 91 MB of TSV), all on loopback:
#  1. wrk, 16 connections, the 1000 keyword queries of keyword.queries.tsv in turn (top 10 with
#     highlights and fragments): requests/s, p50, p99, failed requests;
#  2. the same while `declsearch index --full` rebuilds the served index in another process
#     (a new generation published mid-run): failed requests must be 0;
#  3. schemathesis (PyPI, in a throwaway venv) against /api/openapi.json: no 5xx, no answer
#     outside the schema.
#   bash benches/serve_load.sh [SECONDS]     (each wrk run; default 20)
# Needs wrk (installed from Debian's packages when missing, as root) and Python 3.
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/data/twlaw
seconds=${1:-20}
if [ ! -d "$data" ]; then
  echo "skipped: $data is absent" >&2
  exit 0
fi
if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --quiet --bin declsearch
bin=$PWD/target/release/declsearch
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/corpus"
zcat "$data/articles_parallel.tsv.gz" >"$work/corpus/articles_parallel.tsv"
echo "building the twlaw index..." >&2
"$bin" index --corpus "$work/corpus" --index "$work/index" 2>/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --index "$work/index" --corpus "$work/corpus" --addr "127.0.0.1:$port" 2>"$work/serve.log" &
server=$!
for _ in $(seq 100); do
  grep -q listening "$work/serve.log" && break
  sleep 0.1
done
base="http://127.0.0.1:$port"

cat >"$work/queries.lua" <<'LUA'
local paths = {}
local function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
for line in io.lines(os.getenv("QUERIES")) do
  local query = line:match("^[^\t]*\t(.*)$")
  if query then paths[#paths + 1] = "/api/search?limit=10&q=" .. encode(query) end
end
local at = 0
function setup(thread)
  thread:set("offset", math.random(#paths))
end
function request()
  at = at + 1
  return wrk.format("GET", paths[(at + (offset or 0)) % #paths + 1])
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %.0f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout,
    summary.requests))
end
LUA
load() {
  QUERIES=$data/keyword.queries.tsv wrk -t2 -c16 -d"${1}s" --timeout 10s \
    -s "$work/queries.lua" "$base" | grep '^RESULT'
}
# Warm the page cache and the server.
QUERIES=$data/keyword.queries.tsv wrk -t1 -c4 -d3s -s "$work/queries.lua" "$base" >/dev/null

read -r rps p50 p99 failed total < <(load "$seconds" | cut -d' ' -f2-)
echo "| run | requests/s | p50 ms | p99 ms | failed / requests |"
echo "|---|---|---|---|---|"
echo "| serving | $rps | $p50 | $p99 | $failed / $total |"

# Again, while another process rebuilds the served index from scratch and publishes it: wrk
# runs from before the rebuild starts until 3 s after it has published (SIGINT ends wrk with
# its summary).
before=$(curl -s "$base/api/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
load 3600 >"$work/during" &
wrk_pid=$!
sleep 2
"$bin" index --full --corpus "$work/corpus" --index "$work/index" 2>/dev/null
sleep 3
pkill -INT -P "$wrk_pid" wrk || kill -INT "$wrk_pid"
wait "$wrk_pid" || true
read -r rps p50 p99 failed total < <(cut -d' ' -f2- "$work/during")
after=$(curl -s "$base/api/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
echo "| while \`index --full\` runs ($before -> $after) | $rps | $p50 | $p99 | $failed / $total |"

# schemathesis against the OpenAPI document. Its positive_data_acceptance check is left out:
# a query the schema allows may still have nothing to search (only punctuation, or a word over
# the 100 bytes a term may have), and that is a 400 by design, as on the command line.
venv=$work/venv
python3 -m venv "$venv"
"$venv/bin/pip" install -q schemathesis >/dev/null
echo
echo "schemathesis $("$venv/bin/schemathesis" --version | awk '{print $NF}'):"
"$venv/bin/schemathesis" run "$base/api/openapi.json" --url "$base" --checks all \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-100}" --exclude-path /api/reindex \
  --exclude-checks positive_data_acceptance \
  --no-color 2>&1 | tail -25
