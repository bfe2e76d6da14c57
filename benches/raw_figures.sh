#!/usr/bin/env bash
# Figures for compressed raw copies (issue 15, item 2): database size over JSON Lines input size,
# import time (wall, CPU user+sys, peak RSS) of two newsdb binaries in alternating runs (the
# machine is shared: alternating spreads its changes of speed over both), then `compact` of the
# old binary's database and `stats` on it.
#
#   benches/raw_figures.sh OLD_NEWSDB NEW_NEWSDB [SIZE] [RUNS]     # SIZE default 20000, RUNS 2
#
# The input is the import bench's generator (benches/common): articles-SIZE.jsonl. Needs GNU time
# (/usr/bin/time). Work files go to $NEWSDB_BENCH_DIR (default: a temp dir), removed at the end.
set -euo pipefail

old=$(realpath "$1")
new=$(realpath "$2")
size=${3:-20000}
runs=${4:-2}
dir=$(mktemp -d "${NEWSDB_BENCH_DIR:-${TMPDIR:-/tmp}}/newsdb-raw-XXXXXX")
trap 'rm -rf "$dir"' EXIT

# `cargo test --bench import` runs the same generator without a release build of the bench.
NEWSDB_BENCH_GENERATE_ONLY="$dir" NEWSDB_BENCH_SIZES="$size" cargo test --bench import >/dev/null
input="$dir/articles-$size.jsonl"
input_bytes=$(stat -c %s "$input")
echo "input: $size articles, $input_bytes bytes of JSON Lines"

# Prints: wall_s cpu_s peak_rss_mb
timed() {
    /usr/bin/time -f '%e %U %S %M' -o "$dir/time" "$@" >/dev/null 2>"$dir/stderr" \
        || { cat "$dir/stderr" >&2; exit 1; }
    awk '{ printf "%s %.2f %.0f\n", $1, $2 + $3, $4 / 1024 }' "$dir/time"
}

db_bytes() {
    # The WAL is folded into the file when the last connection closes.
    stat -c %s "$1"
}

for run in $(seq "$runs"); do
    for which in old new; do
        binary=$old
        [ "$which" = new ] && binary=$new
        db="$dir/$which.sqlite"
        rm -f "$db" "$db-wal" "$db-shm"
        read -r wall cpu rss < <(timed "$binary" --db "$db" import "$input")
        bytes=$(db_bytes "$db")
        ratio=$(awk -v d="$bytes" -v i="$input_bytes" 'BEGIN { printf "%.2f", d / i }')
        echo "run $run $which import: wall ${wall}s cpu ${cpu}s peak ${rss} MB; db $bytes bytes = $ratio x input"
    done
done

read -r wall cpu rss < <(timed "$new" --db "$dir/old.sqlite" compact)
bytes=$(db_bytes "$dir/old.sqlite")
echo "compact (old db, new binary): wall ${wall}s cpu ${cpu}s peak ${rss} MB; file still $bytes bytes"
tail -1 "$dir/stderr"
read -r wall cpu rss < <(timed "$new" --db "$dir/old.sqlite" compact --vacuum)
bytes=$(db_bytes "$dir/old.sqlite")
ratio=$(awk -v d="$bytes" -v i="$input_bytes" 'BEGIN { printf "%.2f", d / i }')
echo "compact --vacuum: wall ${wall}s cpu ${cpu}s peak ${rss} MB; db $bytes bytes = $ratio x input"
for which in old new; do
    binary=$old
    [ "$which" = new ] && binary=$new
    read -r wall cpu rss < <(timed "$binary" --db "$dir/new.sqlite" stats)
    echo "stats ($which binary, new db): wall ${wall}s cpu ${cpu}s"
done
