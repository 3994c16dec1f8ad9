#!/usr/bin/env bash
# Indexing speed of each format: a corpus of copies of one file of that format (the shipped
# declaration as .txt, .md and .html; the fixtures printed and saved from it as .pdf, .docx and
# .odt), about MB megabytes of each (20 by default), indexed from scratch; prints the files'
# size, the time, MB/s and passages.
#   bash benches/formats.sh [MB]
set -euo pipefail
cd "$(dirname "$0")/.."
target_mb=${1:-20}
cargo build --release --quiet --bin declsearch
bin=$PWD/target/release/declsearch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seed=corpus/sco-qingdao-friendship-initiative.txt
make_one() { # format, file
    case $1 in
    txt) cp "$seed" "$2" ;;
    md) sed 's/^\(.\)/\1/; 1s/^/# /' "$seed" | awk '{print; print ""}' >"$2" ;;
    html) { echo '<!doctype html><meta charset="utf-8"><title>t</title>'; sed 's/^/<p>/; s/$/<\/p>/' "$seed"; } >"$2" ;;
    pdf) cp tests/fixtures/seed.pdf "$2" ;;
    docx | odt) cp "tests/fixtures/initiative.$1" "$2" ;;
    esac
}
echo "| format | files | MB | seconds | MB/s | passages | passages/s |"
echo "|---|---|---|---|---|---|---|"
for format in txt md html pdf docx odt; do
    rm -rf "$work/corpus" "$work/index"
    mkdir "$work/corpus"
    make_one "$format" "$work/one.$format"
    copies=$((target_mb * 1048576 / $(stat -c %s "$work/one.$format") + 1))
    for i in $(seq 1 "$copies"); do
        # Each copy differs by a line, so no two files are the same document.
        if [[ $format == txt || $format == md ]]; then
            { cat "$work/one.$format"; printf '\ncopy %d\n' "$i"; } >"$work/corpus/c$i.$format"
        else
            cp "$work/one.$format" "$work/corpus/c$i.$format"
        fi
    done
    bytes=$(du -sb "$work/corpus" | cut -f1)
    start=$(date +%s.%N)
    "$bin" index --corpus "$work/corpus" --index "$work/index" --json >"$work/report" 2>/dev/null
    end=$(date +%s.%N)
    passages=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["passages"])' "$work/report")
    awk -v f="$format" -v n="$copies" -v b="$bytes" -v s="$(echo "$end - $start" | bc)" -v p="$passages" \
        'BEGIN {printf "| %s | %d | %.1f | %.2f | %.2f | %d | %.0f |\n", f, n, b/1048576, s, b/1048576/s, p, p/s}'
done
