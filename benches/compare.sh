#!/usr/bin/env bash
# declsearch against ripgrep and tantivy on twlaw's parallel articles (../shared/data/twlaw,
# 91 MB of TSV): index time, index size, peak RSS, warm query latency beside a tantivy
# character-bigram index (benches/peer_tantivy.py, tantivy from PyPI in a throwaway venv;
# both pinned to one core, run in turns), cold single-query CLI latency, and ripgrep's time
# for the same Chinese keywords over the raw text. Prints one Markdown table.
#   bash benches/compare.sh [RUNS]     (RUNS: index builds to take the median of; default 3)
# Needs hyperfine and ripgrep (installed from Debian's packages when missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/data/twlaw
runs=${1:-3}
if [ ! -d "$data" ]; then
  echo "skipped: $data is absent" >&2
  exit 0
fi
for tool in rg:ripgrep hyperfine:hyperfine; do
  if ! command -v "${tool%%:*}" >/dev/null; then
    apt-get update -qq && apt-get install -y -qq "${tool##*:}" >/dev/null
  fi
done
cargo build --release --quiet --bin declsearch --example latency
bin=target/release/declsearch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
zcat "$data/articles_parallel.tsv.gz" >"$work/corpus/articles_parallel.tsv"
tsv="$work/corpus/articles_parallel.tsv"
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

# Index builds: wall seconds and peak RSS of each full build.
for _ in $(seq "$runs"); do
  rm -rf "$work/index"
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" index --corpus "$work/corpus" --index "$work/index" 2>/dev/null
  cat "$work/time" >>"$work/builds"
done
index_s=$(cut -d' ' -f1 "$work/builds" | median)
rss_mb=$(cut -d' ' -f2 "$work/builds" | median | awk '{printf "%.0f", $1/1024}')
size_mb=$(du -sm "$work/index" | cut -f1)

# Warm latency: one process, each query once after a warm-up pass, on one core; declsearch
# and the tantivy peer in turns, twice each, the better run of each kept.
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet tantivy==0.27.0
"$work/venv/bin/python" benches/peer_tantivy.py "$tsv" "$data/keyword.queries.tsv" "$work/peer" >/dev/null
for _ in 1 2; do
  taskset -c 0 target/release/examples/latency "$work/index" >>"$work/warm"
  taskset -c 0 "$work/venv/bin/python" benches/peer_tantivy.py "$tsv" "$data/keyword.queries.tsv" "$work/peer" >>"$work/peer.txt"
done
best_of() { # file lang field
  awk -v l="$2" -v f="$3" '$1==l {for(i=2;i<=NF;i++){split($i,kv,"="); if(kv[1]==f) print kv[2]}}' "$1" | sort -g | head -1
}
warm_of() { best_of "$work/warm" "$1" "$2"; }
peer_of() { best_of "$work/peer.txt" "$1" "$2"; }

# Cold latency: a new process per query, medians over 20 runs.
cold_ms() { # command line, words split as a shell would
  eval "$1" >/dev/null || { echo "failed: $1" >&2; exit 1; }
  hyperfine -N -w 3 -r 20 --export-csv "$work/h.csv" "$1" >/dev/null 2>&1
  awk -F, 'NR==2 {printf "%.1f", $4*1000}' "$work/h.csv"
}
zh_cold=$(cold_ms "$bin search --index $work/index 勞工保險")
en_cold=$(cold_ms "$bin search --index $work/index 'labor insurance'")
rg_cold=$(cold_ms "rg -c -F -e 勞工 -e 保險 $tsv")

# The first 50 Chinese keyword queries, whole process each, declsearch against ripgrep
# (any of the query's words, as declsearch's default mode).
head -50 "$data/keyword.queries.tsv" | cut -f2 >"$work/keywords"
loop_s() { # tool
  local start end
  start=$(date +%s.%N)
  while IFS= read -r query; do
    if [ "$1" = rg ]; then
      # shellcheck disable=SC2046
      rg -c -F $(printf -- '-e %s ' $query) "$tsv" >/dev/null || true
    else
      "$bin" search --index "$work/index" --limit 10 "$query" >/dev/null || true
    fi
  done <"$work/keywords"
  end=$(date +%s.%N)
  echo "$start $end" | awk '{printf "%.1f", ($2-$1)*1000/50}'
}
ds_loop=$(loop_s declsearch)
rg_loop=$(loop_s rg)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }

cat <<EOF
Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); corpus $(du -m "$tsv" | cut -f1) MB, $(($(wc -l <"$tsv") - 1)) rows.

| measure | declsearch | ripgrep (or as named) | declsearch / peer |
|---|---|---|---|
| index build, full (median of $runs) | ${index_s} s | none | |
| index size | ${size_mb} MB | none | |
| peak RSS while indexing | ${rss_mb} MB | | |
| warm query p50 / p99, zh ($(warm_of zh queries) queries), one core | $(warm_of zh p50_ms) / $(warm_of zh p99_ms) ms | tantivy bigrams: $(peer_of zh p50_ms) / $(peer_of zh p99_ms) ms | p50 $(ratio "$(warm_of zh p50_ms)" "$(peer_of zh p50_ms)") |
| warm query p50 / p99, en ($(warm_of en queries) queries), one core | $(warm_of en p50_ms) / $(warm_of en p99_ms) ms | tantivy bigrams: $(peer_of en p50_ms) / $(peer_of en p99_ms) ms | p50 $(ratio "$(warm_of en p50_ms)" "$(peer_of en p50_ms)") |
| cold CLI query 勞工保險 (median of 20) | ${zh_cold} ms | ${rg_cold} ms (勞工 or 保險) | $(ratio "$zh_cold" "$rg_cold") |
| cold CLI query labor insurance | ${en_cold} ms | | $(ratio "$en_cold" "$rg_cold") |
| 50 Chinese keyword queries, mean per process | ${ds_loop} ms | ${rg_loop} ms | $(ratio "$ds_loop" "$rg_loop") |
EOF
