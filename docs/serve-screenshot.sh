#!/usr/bin/env bash
# The README's screenshot of the search page: `declsearch serve` on the shipped corpus, and
# headless Chromium (Debian's, with fonts-noto-cjk for the Chinese) rendering a search.
#   bash docs/serve-screenshot.sh            (writes docs/serve.png)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin declsearch
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server"; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
target/release/declsearch serve --index "$work/index" --corpus corpus --addr "127.0.0.1:$port" 2>"$work/log" &
server=$!
for _ in $(seq 100); do grep -q listening "$work/log" && break; sleep 0.1; done
# The first cross-lingual search loads the dictionaries; the screenshot shows a warm one.
curl -s "http://127.0.0.1:$port/api/search?q=%E5%8F%8B%E5%9F%8E%E5%90%88%E4%BD%9C&cross=1" >/dev/null
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --hide-scrollbars --window-size=1100,820 \
  --virtual-time-budget=4000 --screenshot=docs/serve.png \
  "http://127.0.0.1:$port/?q=%E5%8F%8B%E5%9F%8E%E5%90%88%E4%BD%9C&cross=1" 2>/dev/null
echo "wrote docs/serve.png"
