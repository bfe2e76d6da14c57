#!/usr/bin/env bash
# Load on `newsdb serve` (issue 16, item 4): a database of 100,000 generated articles (the import
# bench's generator, benches/common), the release binary serving it on loopback, and wrk with 8
# connections for 30 s on each of: article pages, entity pages, search pages (a set of 23 that
# repeat, so mostly answered from the page cache) and searches never asked before. Prints p50 and p99
# latency, requests per second, errors (socket errors and non-2xx answers) and the server's peak
# RSS; then the same runs again while another process imports 30% more articles into the same
# database, fed to it at 200 articles/s on its standard input, as a stream of feeds would, so that
# it lasts through all four runs and the store stays near 100,000 articles. The `import` column
# says whether that import ran for the whole run (`all`), ended during it (`part`) or before it
# (`-`); its time is printed at the end. NEWSDB_BENCH_IMPORT_RATE=0 imports the articles at full
# speed instead (the same 100,000 again, recorded as seen again, then the new ones), which ends
# during the second or third run.
#
#   benches/serve.sh                       # targets: p50 < 30 ms, p99 < 150 ms, 0 errors, RSS < 150 MB
#
# Knobs (environment): NEWSDB_BENCH_ARTICLES (100000), NEWSDB_BENCH_SECONDS (30),
# NEWSDB_BENCH_CONNECTIONS (8), NEWSDB_BENCH_COMPACT (1: `newsdb compact` before serving; 0: not),
# NEWSDB_BENCH_IMPORT_RATE (200 articles/s; 0: as fast as it goes),
# NEWSDB_BENCH_BIN (skip the release build and use this binary),
# NEWSDB_BENCH_DB (keep the database there and reuse it when it holds the articles; the import
# phase then adds to it), NEWSDB_BENCH_INPUTS (a folder holding, or to hold, the generated
# articles-N.jsonl files, kept), NEWSDB_BENCH_DIR (where work files go; removed at the end).
# Needs wrk (Debian: apt-get install wrk). Nothing leaves 127.0.0.1.
set -euo pipefail

articles=${NEWSDB_BENCH_ARTICLES:-100000}
seconds=${NEWSDB_BENCH_SECONDS:-30}
connections=${NEWSDB_BENCH_CONNECTIONS:-8}
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d "${NEWSDB_BENCH_DIR:-${TMPDIR:-/tmp}}/newsdb-serve-XXXXXX")
server_pid=
import_pid=
cleanup() {
    # The import runs under /usr/bin/time: stop newsdb itself, then time.
    [ -n "$import_pid" ] && { pkill -P "$import_pid" 2>/dev/null; kill "$import_pid" 2>/dev/null; } || true
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "serve.sh: wrk is missing (apt-get install wrk)" >&2; exit 1; }

if [ -n "${NEWSDB_BENCH_BIN:-}" ]; then
    bin=$(realpath "$NEWSDB_BENCH_BIN")
else
    (cd "$root" && cargo build --release --bin newsdb >/dev/null)
    bin="${CARGO_TARGET_DIR:-$root/target}/release/newsdb"
fi

extra=$((articles * 3 / 10))
rate=${NEWSDB_BENCH_IMPORT_RATE:-200}
more=$((articles + extra))
db=${NEWSDB_BENCH_DB:-$dir/serve.sqlite}
inputs=${NEWSDB_BENCH_INPUTS:-$dir}
if [ ! -s "$inputs/articles-$articles.jsonl" ] || [ ! -s "$inputs/articles-$more.jsonl" ]; then
    (cd "$root" && NEWSDB_BENCH_GENERATE_ONLY="$inputs" NEWSDB_BENCH_SIZES="$articles,$more" \
        cargo test --bench import >/dev/null)
fi

count() { "$bin" --db "$db" query "$1" --format csv | tail -n +2; }

if [ ! -s "$db" ] || [ "$(count 'SELECT count(*) FROM articles')" -lt "$articles" ]; then
    echo "importing $articles articles into $db"
    /usr/bin/time -f 'import: %e s, peak RSS %M KB' "$bin" --db "$db" import "$inputs/articles-$articles.jsonl" -q
fi
# A served store is compacted after its import, as the README advises (the full-text index's
# segments merged into one); NEWSDB_BENCH_COMPACT=0 serves it as the import left it.
if [ "${NEWSDB_BENCH_COMPACT:-1}" = 1 ]; then
    "$bin" --db "$db" compact
fi
echo "database: $(count 'SELECT count(*) FROM articles') articles, $(count 'SELECT count(*) FROM entities') entities, $(($(stat -c %s "$db") / 1048576)) MB"
echo "load: $(cut -d' ' -f1 /proc/loadavg) (1-minute average) on $(nproc) cores"

"$bin" --db "$db" serve --port 0 >"$dir/serve.out" 2>"$dir/serve.err" &
server_pid=$!
for _ in $(seq 100); do
    grep -q '^listening on ' "$dir/serve.out" 2>/dev/null && break
    sleep 0.1
done
base=$(sed -n 's/^listening on \(http:[^ ]*\)\/$/\1/p' "$dir/serve.out")
[ -n "$base" ] || { echo "serve.sh: the server did not start" >&2; cat "$dir/serve.err" >&2; exit 1; }

# The paths each run cycles through: 1,000 random articles; 1,000 entities, the 100 most
# mentioned and 900 at random; search terms from the generator's names, places and topics,
# selective and common, with a phrase and a date sort among them.
count "SELECT '/articles/' || id FROM articles ORDER BY random() LIMIT 1000" >"$dir/articles.paths"
count "SELECT '/entities/' || id FROM (SELECT entity_id AS id FROM mentions GROUP BY entity_id
       ORDER BY count(*) DESC LIMIT 100)
       UNION ALL SELECT '/entities/' || id FROM (SELECT id FROM entities ORDER BY random() LIMIT 900)" \
    >"$dir/entities.paths"
for term in okafor schmidt tanaka novak haddad mensah kowalski brennan seoul lagos nairobi \
    lima oslo dakar quito ceasefire budget '%22anna+okafor%22' 'sato+berlin' 'park&sort=date' \
    'gupta&page=2' 'lisbon+OR+vienna' 'harbour*'; do
    echo "/search?q=$term"
done >"$dir/search.paths"

# Searches never asked before, so never cached: a surname, a place and a noun of the generator
# (21,600 of them, about 2% of the articles match each), shuffled the same way every run, one in
# four sorted by date and one in seven asking for page 2.
names="okafor schmidt tanaka moreau novak haddad lindqvist mensah costa kowalski park fernandez
    ivanova brien nguyen rossi adeyemi brennan castillo dubois eriksen fischer gupta horvat jansen
    kim lopez mwangi petrov sato"
places="berlin lagos seoul brussels nairobi lima jakarta ottawa madrid hanoi cairo oslo manila
    warsaw santiago accra dublin canberra mumbai lisbon vienna bogota dakar helsinki tunis prague
    quito athens kampala wellington"
nouns="plan budget agreement investigation proposal policy reform deal programme report package
    election ceasefire strike project summit inquiry framework contract forecast review settlement
    bill initiative"
for name in $names; do for place in $places; do for noun in $nouns; do
    echo "$name+$place+$noun"
done; done; done |
    awk 'BEGIN { srand(7) } { printf "%.12f %s\n", rand(), $0 }' | sort -n | cut -d' ' -f2 |
    awk '{ extra = NR % 4 == 2 ? "&sort=date" : NR % 7 == 4 ? "&page=2" : ""
           print "/search?q=" $0 extra }' >"$dir/new-searches.paths"

# wrk runs this file in each thread's own Lua state, where math.random starts alike: setup (run
# in the main state) gives each thread its own stretch of the list from one random start, so no
# two connections ask for the same path at once and never-repeated searches are not repeated.
cat >"$dir/paths.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("PATHS_FILE")) do paths[#paths + 1] = line end
local threads, start = 0, nil
function setup(thread)
  if start == nil then
    math.randomseed(os.time())
    start = math.random(#paths)
  end
  thread:set("from", start + math.floor(#paths * threads / tonumber(os.getenv("WRK_THREADS"))))
  threads = threads + 1
end
local i = 0
function init(args)
  i = from % #paths
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA

# Prints: p50_ms p99_ms requests_per_second errors
load() {
    PATHS_FILE="$dir/$1.paths" WRK_THREADS=2 wrk -t2 -c"$connections" -d"${seconds}s" --latency \
        -s "$dir/paths.lua" "$base" >"$dir/wrk.out"
    awk '
        function ms(text) {
            if (text ~ /us$/) return substr(text, 1, length(text) - 2) / 1000;
            if (text ~ /ms$/) return substr(text, 1, length(text) - 2) + 0;
            if (text ~ /s$/)  return substr(text, 1, length(text) - 1) * 1000;
            return text + 0;
        }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /^Requests\/sec/ { rps = $2 }
        /Non-2xx/ { errors += $NF }
        /Socket errors/ { for (i = 4; i <= NF; i += 2) errors += $i }
        END { printf "%.1f %.1f %.0f %d\n", p50, p99, rps, errors }
    ' "$dir/wrk.out"
}

importing() { [ -n "$import_pid" ] && kill -0 "$import_pid" 2>/dev/null; }

report() {
    printf '%-26s %8s %8s %8s %7s %7s\n' "$1" p50_ms p99_ms req/s errors import
    for page in articles entities search new-searches; do
        overlap=-
        if importing; then overlap=part; fi
        read -r p50 p99 rps errors < <(load "$page")
        if [ "$overlap" = part ] && importing; then overlap=all; fi
        printf '%-26s %8s %8s %8s %7s %7s\n' "  $page" "$p50" "$p99" "$rps" "$errors" "$overlap"
    done
}

echo
echo "wrk: $connections connections, 2 threads, ${seconds} s per page kind, on $base"
report "idle store"

if [ "$rate" -gt 0 ]; then
    tail -n +$((articles + 1)) "$inputs/articles-$more.jsonl" |
        awk -v per_tick=$(((rate + 9) / 10)) \
            '{ print } NR % per_tick == 0 { fflush(); system("sleep 0.1") }' |
        /usr/bin/time -f '%e s' -o "$dir/import.time" \
            "$bin" --db "$db" import --format jsonl - -q 2>"$dir/import.err" &
else
    /usr/bin/time -f '%e s' -o "$dir/import.time" \
        "$bin" --db "$db" import "$inputs/articles-$more.jsonl" -q 2>"$dir/import.err" &
fi
import_pid=$!
report "while importing"
if importing; then
    echo "  (the import was still running at the end of the runs)"
fi
wait "$import_pid" || { echo "serve.sh: the import failed" >&2; cat "$dir/import.err" >&2; exit 1; }
import_pid=
echo "the import of $extra new articles took $(cat "$dir/import.time")"

rss=$(awk '/^VmHWM/ { print int($2 / 1024) }' "/proc/$server_pid/status")
echo
echo "server peak RSS: ${rss} MB"
kill -TERM "$server_pid"
wait "$server_pid" && echo "server stopped cleanly on SIGTERM"
server_pid=
