#!/usr/bin/env bash
# Ranking quality on the evaluation sets in ../shared/data: builds an index of each corpus in a
# temporary folder and prints MRR@10, Recall@10, nDCG@10 and the queries with no hit.
#   bash benches/quality.sh
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/data
if [ ! -d "$data" ]; then
  echo "skipped: $data is absent" >&2
  exit 0
fi
cargo build --release --quiet --bin declsearch
bin=target/release/declsearch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() { # name corpus queries qrels
  "$bin" index --corpus "$data/$2" --index "$work/$1" >/dev/null 2>&1
  printf '%-10s ' "$1"
  "$bin" eval --index "$work/$1" --queries "$data/$3" --qrels "$data/$4" 2>/dev/null
}
run cmrc2018 cmrc2018/cmrc2018.corpus.jsonl cmrc2018/cmrc2018.queries.tsv cmrc2018/cmrc2018.qrels
run xquad-zh xquad/xquad-zh.corpus.jsonl xquad/xquad-zh.dev.queries.tsv xquad/xquad.dev.qrels
run xquad-en xquad/xquad-en.corpus.jsonl xquad/xquad-en.dev.queries.tsv xquad/xquad.dev.qrels
# English questions against the Chinese paragraphs, through their translations.
printf '%-10s ' "en->zh"
"$bin" eval --cross --index "$work/xquad-zh" --queries "$data/xquad/xquad-en.dev.queries.tsv" --qrels "$data/xquad/xquad.dev.qrels" 2>/dev/null
