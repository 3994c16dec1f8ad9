#!/usr/bin/env bash
# Indexing a corpus of about 1 GB in bounded memory, in time linear in its size: the twlaw TSV
# (91 MB, ../shared/data/twlaw) once, then 11 copies of it as 11 files with distinct ids
# (each row's pcode gets the copy's number), each indexed from scratch. Prints the time and
# peak RSS of each run, and how the 1 GB time compares with 11 times the 91 MB time.
# Goal: peak RSS <= 600 MB whatever the size, and the 1 GB time within 10% of 11x.
#   bash benches/big_corpus.sh [COPIES]
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-11}
data=${DECLSEARCH_SHARED:-../shared}/data/twlaw/articles_parallel.tsv.gz
cargo build --release --quiet --bin declsearch
bin=$PWD/target/release/declsearch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/one" "$work/big"
zcat "$data" >"$work/one/twlaw.tsv"
for i in $(seq -w 1 "$copies"); do
    awk -v c="$i" 'NR == 1 {print; next} {$1 = "c" c "-" $1; print}' OFS='\t' FS='\t' \
        "$work/one/twlaw.tsv" >"$work/big/copy$i.tsv"
done
run() { # corpus
    rm -rf "$work/index"
    /usr/bin/time -f "%e %M" -o "$work/time" "$bin" index --corpus "$1" --index "$work/index" \
        --json >"$work/report" 2>/dev/null
    read -r seconds kb <"$work/time"
    passages=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["passages"])' "$work/report")
    echo "$seconds $((kb / 1024)) $passages $(du -sb "$1" | cut -f1)"
}
echo "| corpus | MB | passages | seconds | peak RSS |"
echo "|---|---|---|---|---|"
read -r s1 m1 p1 b1 < <(run "$work/one")
echo "| twlaw TSV | $((b1 >> 20)) | $p1 | $s1 | $m1 MB |"
read -r sn mn pn bn < <(run "$work/big")
echo "| $copies copies | $((bn >> 20)) | $pn | $sn | $mn MB |"
awk -v a="$s1" -v b="$sn" -v n="$copies" \
    'BEGIN {printf "\n%d copies take %.2f times the time of one (linear: %d; ratio to linear %.2f)\n", n, b / a, n, b / a / n}'
