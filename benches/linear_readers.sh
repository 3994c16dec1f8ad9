#!/usr/bin/env bash
# Every reader is linear in its input: index one-line Markdown and HTML files of 10 MB and
# 50 MB made of the markup that once made the readers quadratic (unmatched `[`, `<`, `(` in
# Markdown; a text run between every two tags, and tags that never close, in HTML), and print
# the time and peak RSS of each run. Goal: 50 MB in under 30 s.
#   bash benches/linear_readers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin declsearch
bin=$PWD/target/release/declsearch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| file | size | seconds | MB/s | peak RSS |"
echo "|---|---|---|---|---|"
for mb in 10 50; do
  for kind in md html; do
    rm -rf "$work/corpus" "$work/index"
    mkdir "$work/corpus"
    python3 - "$work/corpus/one-line.$kind" "$mb" "$kind" <<'PY'
import sys
path, mb, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
unit = ("[友城 <合作 (交流 *上合*组织 " if kind == "md"
        else "<p>减贫</p><span class=\"a\">上合组织</span><br>交流 &amp; 合作 ")
size = mb * 1024 * 1024
text = unit * (size // len(unit.encode()) + 1)
if kind == "html":
    text += "<a href=\"x\" <b <i"
open(path, "w").write(text)
PY
    /usr/bin/time -f "%e %M" -o "$work/time" "$bin" index --corpus "$work/corpus" --index "$work/index" 2>/dev/null
    read -r seconds kb <"$work/time"
    awk -v k="$kind" -v mb="$mb" -v s="$seconds" -v kb="$kb" \
      'BEGIN {printf "| one line of .%s | %d MB | %.2f | %.1f | %.0f MB |\n", k, mb, s, mb / s, kb / 1024}'
  done
done
