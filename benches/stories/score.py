#!/usr/bin/env python3
"""Pairwise precision, recall and F1 of a grouping against the truth.

usage: score.py GROUPING.tsv TRUTH.tsv

Both files: one record a line, `url<TAB>label` (a first line starting with `url<TAB>` is a header
and skipped). A pair of records is "predicted" when the grouping gives them the same label, "true"
when the truth does; singletons give no pairs. Records of the truth missing from the grouping
count as alone; records not in the truth are ignored. Prints precision, recall, F1 and the counts.
"""
import sys
from collections import Counter


def read(path):
    labels = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("url\t"):
                continue
            if "\t" not in line:
                sys.exit(f"{path}:{n}: expected url<TAB>label")
            url, label = line.split("\t", 1)
            labels[url] = label
    return labels


def pairs(n):
    return n * (n - 1) // 2


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    grouping, truth = read(sys.argv[1]), read(sys.argv[2])
    cells, groups, stories = Counter(), Counter(), Counter()
    missing = 0
    for url, story in truth.items():
        group = grouping.get(url)
        if group is None:
            missing += 1
            group = "\0" + url
        cells[(group, story)] += 1
        groups[group] += 1
        stories[story] += 1
    tp = sum(pairs(n) for n in cells.values())
    predicted = sum(pairs(n) for n in groups.values())
    actual = sum(pairs(n) for n in stories.values())
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"precision {precision:.4f}")
    print(f"recall    {recall:.4f}")
    print(f"f1        {f1:.4f}")
    print(f"pairs: {predicted} predicted, {tp} correct, {actual} in the truth; "
          f"{len(truth)} records, {missing} missing from the grouping")


if __name__ == "__main__":
    main()
