#!/usr/bin/env python3
"""The reference: datasketch MinHash + MinHashLSH on a stories set.

usage: reference.py SET.jsonl OUT_PREFIX THRESHOLD...

Each record's body (the article text; the title is not part of it, as in newsdb's content hash) is
lowercased and split into words of letters and digits; its shingles are the word 5-grams (a text of
fewer than five words is one shingle). One MinHash of 128 permutations (seed 1) per record.

For each threshold t: a MinHashLSH(threshold=t, num_perm=128) holds every record; each record is
queried; a candidate pair is an edge when the MinHashes' estimated Jaccard is >= t too (the
verification users add to drop LSH's false candidates). The groups are the connected components
of the edges. Writes OUT_PREFIX-verified-t.tsv, and OUT_PREFIX-lsh-t.tsv with the components of the
raw candidate pairs (no verification), both `url<TAB>group`. Prints one JSON line per threshold.
"""
import json
import re
import sys
import time

from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
WORD = re.compile(r"[^\W_]+")


def shingles(text):
    words = WORD.findall(text.lower())
    if len(words) < 5:
        return [" ".join(words).encode("utf-8")]
    return [" ".join(words[i:i + 5]).encode("utf-8") for i in range(len(words) - 4)]


def components(n, edges):
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(n)]


def write(path, urls, groups):
    with open(path, "w", encoding="utf-8") as f:
        for url, g in zip(urls, groups):
            f.write(f"{url}\tg{g}\n")


def main():
    path, prefix, thresholds = sys.argv[1], sys.argv[2], [float(t) for t in sys.argv[3:]]
    urls, hashes = [], []
    started = time.process_time()
    with open(path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            m = MinHash(num_perm=NUM_PERM, seed=1)
            m.update_batch(shingles(record.get("body") or ""))
            urls.append(record["url"])
            hashes.append(m)
    signing = time.process_time() - started
    for t in thresholds:
        started = time.process_time()
        lsh = MinHashLSH(threshold=t, num_perm=NUM_PERM)
        for i, m in enumerate(hashes):
            lsh.insert(i, m)
        raw, verified = [], []
        for i, m in enumerate(hashes):
            for j in lsh.query(m):
                if j > i:
                    raw.append((i, j))
                    if m.jaccard(hashes[j]) >= t:
                        verified.append((i, j))
        write(f"{prefix}-verified-{t:.1f}.tsv", urls, components(len(urls), verified))
        write(f"{prefix}-lsh-{t:.1f}.tsv", urls, components(len(urls), raw))
        print(json.dumps({"threshold": t, "records": len(urls), "candidate_pairs": len(raw),
                          "verified_pairs": len(verified), "sign_cpu_s": round(signing, 3),
                          "group_cpu_s": round(time.process_time() - started, 3)}), flush=True)


if __name__ == "__main__":
    main()
