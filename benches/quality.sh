#!/usr/bin/env bash
# Ranking quality on the evaluation sets in ../shared/data: builds an index of each corpus and
# prints MRR@10, Recall@10, nDCG@10 and the queries with no hit, lexical, then hybrid
# (`--semantic`: meaning fused with the words) when the semantic model is found
# (`declsearch model fetch`, or DECLSEARCH_MODEL).
#   bash benches/quality.sh
# The indexes stay in target/quality: a passage is embedded once, and later runs only embed
# what changed (the first run embeds about 1,600 passages: 10-15 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/data
if [ ! -d "$data" ]; then
  echo "skipped: $data is absent" >&2
  exit 0
fi
cargo build --release --quiet --bin declsearch
bin=target/release/declsearch
work=target/quality
mkdir -p "$work"
semantic=()
if "$bin" model path >/dev/null 2>&1; then
  semantic=(--semantic)
else
  echo "hybrid skipped: no semantic model (fetch it with \`declsearch model fetch\`)" >&2
fi

# name corpus queries qrels [eval options]
build() {
  "$bin" index "${semantic[@]}" --corpus "$data/$2" --index "$work/$1" >/dev/null 2>&1
}
measure() { # label index queries qrels [options]
  local label=$1 index=$2 queries=$3 qrels=$4
  shift 4
  printf '%-10s %-8s ' "$label" "$( [[ " $* " == *" --semantic "* ]] && echo hybrid || echo lexical)"
  "$bin" eval --index "$work/$index" --queries "$data/$queries" --qrels "$data/$qrels" "$@" 2>/dev/null
}
build cmrc2018 cmrc2018/cmrc2018.corpus.jsonl
build xquad-zh xquad/xquad-zh.corpus.jsonl
build xquad-en xquad/xquad-en.corpus.jsonl
for mode in lexical hybrid; do
  options=()
  if [ "$mode" = hybrid ]; then
    [ ${#semantic[@]} -eq 0 ] && break
    options=(--semantic)
  fi
  measure cmrc2018 cmrc2018 cmrc2018/cmrc2018.queries.tsv cmrc2018/cmrc2018.qrels "${options[@]}"
  measure xquad-zh xquad-zh xquad/xquad-zh.dev.queries.tsv xquad/xquad.dev.qrels "${options[@]}"
  measure xquad-en xquad-en xquad/xquad-en.dev.queries.tsv xquad/xquad.dev.qrels "${options[@]}"
  # English questions against the Chinese paragraphs, through their translations.
  measure "en->zh" xquad-zh xquad/xquad-en.dev.queries.tsv xquad/xquad.dev.qrels --cross "${options[@]}"
done
