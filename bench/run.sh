#!/usr/bin/env bash
# taggenius benchmark harness.
#
#   bash bench/run.sh [--smoke] [--sizes "1000 10000 50000"] [--reps N] [--cold-tracks N]
#
# 1. Builds release binaries and examples (cargo build --release --examples --bins).
# 2. For each size N: generates a synthetic rekordbox library (examples/gen_library), primes a
#    fresh cache with a `tag` against examples/mock_openai (no latency, no failures: a blueprint
#    for every track, as the peer has a row for every track), then times a warm
#    `retag LIB --level detailed -o OUT --quiet` under /usr/bin/time -v: median of 5 runs of
#    wall time and peak RSS, tracks/s and MB/s of input. The Python peer (bench/peer.py, the
#    "seed" ElementTree + SQLite design) is primed and timed the same way (median of 3, its
#    runs interleaved with taggenius's so that both meet the same machine), and the speed-up
#    is peer time / taggenius time.
#    The same tracks are then generated as a Traktor collection and a VirtualDJ database
#    (`gen_library --nml`, `--vdj`), primed and re-rendered the same way: each one's time beside
#    rekordbox's, and its peak RSS against the file's size.
# 3. A cold `tag` of a small library against examples/mock_openai (500 ms latency, a 429 with
#    Retry-After: 1 on every 9th request), once with default settings and once with
#    `--jobs 1 --batch 1`, each on a fresh cache and a fresh mock server: wall times, their
#    ratio, requests and tokens per track from the `--json` summary.
#
# Results go to bench/out/results.md (and stdout). Everything generated stays in bench/out/,
# which is gitignored. --smoke: size 200, 1 repetition, 20 cold tracks (well under a minute
# after the build).
#
# Environment: TAGGENIUS_BIN overrides the binary under test (default target/release/taggenius);
# PYTHON the Python interpreter (default python3).

set -euo pipefail
# Numbers with a decimal point, whatever the user's locale ($EPOCHREALTIME follows it).
export LC_ALL=C

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
OUT="$ROOT/bench/out"

SIZES="1000 10000 50000"
REPS=5
PEER_REPS=3
COLD_TRACKS=200
SMOKE=0
SEED=42
LATENCY_MS=500
FAIL_EVERY=9

usage() {
    sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

SIZES_SET=0
while (($#)); do
    case "$1" in
        --smoke) SMOKE=1 ;;
        --sizes) SIZES=${2:?--sizes needs a value}; SIZES_SET=1; shift ;;
        --sizes=*) SIZES=${1#--sizes=}; SIZES_SET=1 ;;
        --reps) REPS=${2:?--reps needs a value}; PEER_REPS=$REPS; shift ;;
        --cold-tracks) COLD_TRACKS=${2:?--cold-tracks needs a value}; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "bench: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
if ((SMOKE)); then
    ((SIZES_SET)) || SIZES="200"
    REPS=1
    PEER_REPS=1
    COLD_TRACKS=20
fi

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- prerequisites ---------------------------------------------------------------------------

[[ -n ${EPOCHREALTIME:-} ]] || die "bash 5 or later is needed (for \$EPOCHREALTIME)"

if [[ ! -x /usr/bin/time ]]; then
    die "/usr/bin/time (GNU time) is missing; install it with: apt-get install -y time"
fi
time_probe=$(/usr/bin/time -v true 2>&1 || true)
if [[ $time_probe != *"Maximum resident set size"* ]]; then
    die "/usr/bin/time does not support -v (need GNU time); install it with: apt-get install -y time"
fi
PYTHON=${PYTHON:-python3}
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (the Python peer needs Python 3.11)"
command -v cargo >/dev/null || die "cargo not found"

# The warm part must not reach any server: drop inherited provider settings.
unset OPENAI_API_KEY OPENAI_BASE_URL TAGGENIUS_MODEL TAGGENIUS_DB TAGGENIUS_CONFIG
# A config.toml of the user's would change what is measured: none is read.
export XDG_CONFIG_HOME=/nonexistent/taggenius-bench

mkdir -p "$OUT"

log "building (cargo build --release --examples --bins)"
cargo build --release --examples --bins >&2

BIN=${TAGGENIUS_BIN:-$ROOT/target/release/taggenius}
GEN="$ROOT/target/release/examples/gen_library"
MOCK="$ROOT/target/release/examples/mock_openai"
for exe in "$BIN" "$GEN" "$MOCK"; do
    [[ -x $exe ]] || die "$exe was not built"
done

# --- helpers ---------------------------------------------------------------------------------

MOCK_PID=""
CHILD_PID=""
stop_child() {
    if [[ -n $CHILD_PID ]]; then
        # /usr/bin/time's child first (time itself does not pass signals on), then time.
        pkill -TERM -P "$CHILD_PID" 2>/dev/null || true
        kill "$CHILD_PID" 2>/dev/null || true
        wait "$CHILD_PID" 2>/dev/null || true
        CHILD_PID=""
    fi
}
stop_mock() {
    if [[ -n $MOCK_PID ]]; then
        kill "$MOCK_PID" 2>/dev/null || true
        wait "$MOCK_PID" 2>/dev/null || true
        MOCK_PID=""
    fi
}
trap 'stop_child; stop_mock' EXIT
trap 'exit 130' INT TERM

# start_mock LOGNAME [LATENCY_MS FAIL_EVERY]: starts a fresh mock server, sets MOCK_URL.
start_mock() {
    local name=$1 latency=${2:-$LATENCY_MS} fail_every=${3:-$FAIL_EVERY}
    "$MOCK" --port 0 --latency-ms "$latency" --fail-every "$fail_every" \
        >"$OUT/$name.stdout" 2>"$OUT/$name.log" &
    MOCK_PID=$!
    MOCK_URL=""
    local i
    for i in $(seq 1 100); do
        MOCK_URL=$(sed -n 's/^listening on //p' "$OUT/$name.stdout" | head -n 1)
        [[ -n $MOCK_URL ]] && return 0
        kill -0 "$MOCK_PID" 2>/dev/null || die "mock server exited: $(tail -n 3 "$OUT/$name.log")"
        sleep 0.1
    done
    die "mock server did not report its address within 10 s"
}

# run_timed ALLOWED_EXIT_CODES NAME CMD...: runs CMD under /usr/bin/time -v, stdout and stderr
# to $OUT/NAME.stdout/.stderr. Sets T_WALL (s, from the monotonic-ish clock in ns), T_RSS (KB)
# and T_RC. Dies on an exit code not in the list.
run_timed() {
    local allowed=$1 name=$2
    shift 2
    local start end
    T_RC=0
    # Bash's own clock: forking `date` for the end time put 1-2 ms of its own into the run.
    start=$EPOCHREALTIME
    # In the background and waited for, so that Ctrl-C or a TERM stops the run at once.
    /usr/bin/time -v -o "$OUT/$name.time" "$@" >"$OUT/$name.stdout" 2>"$OUT/$name.stderr" &
    CHILD_PID=$!
    wait "$CHILD_PID" || T_RC=$?
    CHILD_PID=""
    end=$EPOCHREALTIME
    if [[ " $allowed " != *" $T_RC "* ]]; then
        log "command failed with exit code $T_RC (allowed: $allowed): $*"
        tail -n 15 "$OUT/$name.stderr" >&2 || true
        exit 1
    fi
    T_WALL=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }')
    T_RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$OUT/$name.time")
    T_RSS=${T_RSS:-0}
}

# spread VALUE...: "fastest-slowest" in seconds.
spread() {
    printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f-%.3f", lo, hi }'
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# calc EXPR: floating-point arithmetic.
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

# json_fields FILE KEY...: the values of KEY... in the last JSON line of FILE (0 if absent).
json_fields() {
    local file=$1
    shift
    "$PYTHON" - "$file" "$@" <<'EOF'
import json, sys
lines = [l for l in open(sys.argv[1], encoding="utf-8").read().splitlines() if l.strip().startswith("{")]
data = json.loads(lines[-1]) if lines else {}
out = []
for key in sys.argv[2:]:
    value = data.get(key, 0)
    if isinstance(value, list):
        value = len(value)
    out.append(str(value))
print(" ".join(out))
EOF
}

rm_db() { rm -f "$1" "$1-wal" "$1-shm" "$1-journal"; }

# --- warm retag vs the Python peer -----------------------------------------------------------

HOST_CPU=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
HOST_CPU=${HOST_CPU:-unknown CPU}
REV=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
WARM_ROWS=()
RANGE_ROWS=()
FORMAT_ROWS=()
QUERY_ROWS=()

for N in $SIZES; do
    LIB="$OUT/lib-$N.xml"
    log "size $N: generating $LIB"
    run_timed "0" "gen-$N" "$GEN" --tracks "$N" --seed "$SEED" -o "$LIB"
    GEN_S=$(calc "$T_WALL" 3)
    BYTES=$(stat -c %s "$LIB")
    MB=$(calc "$BYTES / 1e6" 1)

    DB="$OUT/cache-$N.sqlite3"
    rm_db "$DB"
    # Primed by a `tag` against the mock server, which answers for every track, so that
    # taggenius renders every track, as the peer (primed with a row for every track) does.
    start_mock "mock-prime-$N" 0 0
    log "size $N: priming $DB (tag against the mock server at $MOCK_URL)"
    run_timed "0" "prime-$N" env TAGGENIUS_DB="$DB" OPENAI_BASE_URL="$MOCK_URL" \
        OPENAI_API_KEY=sk-bench "$BIN" tag "$LIB" --quiet -o "$OUT/primed-$N.xml"
    stop_mock
    PRIME_S=$(calc "$T_WALL" 1)

    # One untimed run for the counts (and a warm file cache).
    run_timed "0" "retag-$N-stats" env TAGGENIUS_DB="$DB" \
        "$BIN" retag "$LIB" --level detailed -o "$OUT/retag-$N.xml" --json --quiet
    read -r TRACKS CACHED MISSING <<<"$(json_fields "$OUT/retag-$N-stats.stdout" tracks cached missing)"

    PDB="$OUT/peer-$N.sqlite3"
    rm_db "$PDB"
    log "size $N: priming the Python peer"
    run_timed "0" "peer-prime-$N" "$PYTHON" bench/peer.py --prime "$LIB" "$PDB"

    # The peer's runs are interleaved with taggenius's (after runs 1, 3 and 5 of 5), so that
    # both see the same machine: on a shared host its speed drifts by 10-20 % over minutes.
    walls=() rss=() peer_walls=() peer_rss=()
    for ((i = 1; i <= REPS; i++)); do
        log "size $N: taggenius retag run $i/$REPS"
        # Each timed run starts with the disk idle: the previous run's 50 MB output would
        # otherwise still be being written out, and the next run's cache commit waits for it.
        sync
        run_timed "0" "retag-$N" env TAGGENIUS_DB="$DB" \
            "$BIN" retag "$LIB" --level detailed -o "$OUT/retag-$N.xml" --quiet
        walls+=("$T_WALL")
        rss+=("$T_RSS")
        if ((${#peer_walls[@]} < PEER_REPS && (i - 1) * PEER_REPS >= ${#peer_walls[@]} * REPS)); then
            log "size $N: Python peer run $((${#peer_walls[@]} + 1))/$PEER_REPS"
            sync
            run_timed "0" "peer-$N" "$PYTHON" bench/peer.py "$LIB" "$PDB" "$OUT/peer-$N.xml"
            peer_walls+=("$T_WALL")
            peer_rss+=("$T_RSS")
        fi
    done
    TG_S=$(median "${walls[@]}")
    TG_RSS=$(median "${rss[@]}")
    PEER_S=$(median "${peer_walls[@]}")
    PEER_RSS=$(median "${peer_rss[@]}")

    RANGE_ROWS+=("| $N | $(spread "${walls[@]}") | $(spread "${peer_walls[@]}") |")

    WARM_ROWS+=("| $N | $MB | $GEN_S | $PRIME_S | $CACHED / $TRACKS | $(calc "$TG_S" 3) | $(calc "$TG_RSS / 1024" 1) \
| $(calc "$N / $TG_S" 0) | $(calc "$BYTES / 1e6 / $TG_S" 1) | $(calc "$PEER_S" 3) \
| $(calc "$PEER_RSS / 1024" 1) | $(calc "$PEER_S / $TG_S" 1)× |")

    # Playlists and queries on the same library and cache: a re-render that also writes the
    # default playlist groups, one with all six, and a `find` that prints what it matches.
    for QUERY in "playlists" "all-playlists" "find"; do
        q_walls=() q_rss=()
        for ((i = 1; i <= REPS; i++)); do
            sync
            case $QUERY in
                playlists) args=(retag "$LIB" --level detailed --playlists -o "$OUT/lists-$N.xml" --quiet) ;;
                all-playlists) args=(retag "$LIB" --level detailed
                    --playlists=energy,situation,genre,vibe,decade,component -o "$OUT/lists-$N.xml" --quiet) ;;
                find) args=(find "$LIB" --situation "Peak Hour" --energy 7-10) ;;
            esac
            run_timed "0" "$QUERY-$N" env TAGGENIUS_DB="$DB" "$BIN" "${args[@]}"
            q_walls+=("$T_WALL")
            q_rss+=("$T_RSS")
        done
        case $QUERY in
            playlists) WHAT="\`retag --level detailed --playlists\` (energy, situation, genre)" ;;
            all-playlists) WHAT="\`retag --level detailed --playlists=energy,situation,genre,vibe,decade,component\`" ;;
            find) WHAT="\`find --situation 'Peak Hour' --energy 7-10\` ($(wc -l <"$OUT/find-$N.stdout") matches)" ;;
        esac
        QUERY_ROWS+=("| $N | $WHAT | $(calc "$(median "${q_walls[@]}")" 3) | $(calc "$(median "${q_rss[@]}") / 1024" 1) |")
    done

    # The same tracks as a Traktor collection and as a VirtualDJ database, primed and
    # re-rendered the same way.
    for FMT in nml vdj; do
        OTHER="$OUT/library-$N.$FMT"
        run_timed "0" "gen-$FMT-$N" "$GEN" --tracks "$N" --seed "$SEED" "--$FMT" -o "$OTHER"
        OTHER_BYTES=$(stat -c %s "$OTHER")
        ODB="$OUT/cache-$FMT-$N.sqlite3"
        rm_db "$ODB"
        start_mock "mock-prime-$FMT-$N" 0 0
        log "size $N: priming $ODB for the $FMT library"
        run_timed "0" "prime-$FMT-$N" env TAGGENIUS_DB="$ODB" OPENAI_BASE_URL="$MOCK_URL" \
            OPENAI_API_KEY=sk-bench "$BIN" tag "$OTHER" --quiet -o "$OUT/primed-$N.$FMT"
        stop_mock
        other_walls=() other_rss=()
        for ((i = 1; i <= REPS; i++)); do
            log "size $N: $FMT retag run $i/$REPS"
            sync
            run_timed "0" "retag-$FMT-$N" env TAGGENIUS_DB="$ODB" \
                "$BIN" retag "$OTHER" --level detailed -o "$OUT/retag-$N.$FMT" --quiet
            other_walls+=("$T_WALL")
            other_rss+=("$T_RSS")
        done
        OTHER_S=$(median "${other_walls[@]}")
        OTHER_RSS=$(median "${other_rss[@]}")
        FORMAT_NAME=$([[ $FMT == nml ]] && echo "Traktor NML" || echo "VirtualDJ")
        FORMAT_ROWS+=("| $FORMAT_NAME | $N | $(calc "$OTHER_BYTES / 1e6" 1) | $(calc "$OTHER_S" 3) \
| $(calc "$OTHER_RSS / 1024" 1) | $(calc "1.5 * $OTHER_BYTES / 1048576 + 30" 1) \
| $(calc "$TG_S" 3) | $(calc "$OTHER_S / $TG_S" 2)× |")
    done
done

# --- cold tag against the mock server --------------------------------------------------------

CLIB="$OUT/lib-cold-$COLD_TRACKS.xml"
"$GEN" --tracks "$COLD_TRACKS" --seed 7 -o "$CLIB"
COLD_ROWS=()
declare -A COLD_WALL

cold_run() {
    local label=$1 name=$2
    shift 2
    local db="$OUT/$name.sqlite3"
    rm_db "$db"
    start_mock "mock-$name"
    log "cold tag ($label) against $MOCK_URL"
    run_timed "0 3" "$name" env TAGGENIUS_DB="$db" OPENAI_BASE_URL="$MOCK_URL" \
        OPENAI_API_KEY=sk-bench "$BIN" tag "$CLIB" -o "$OUT/$name.xml" --json "$@"
    stop_mock
    local tracks fetched failed requests prompt completion
    read -r tracks fetched failed requests prompt completion \
        <<<"$(json_fields "$OUT/$name.stdout" tracks fetched failed requests prompt_tokens completion_tokens)"
    local limited
    limited=$(grep -c -- '-> 429 ' "$OUT/mock-$name.log" || true)
    COLD_WALL[$name]=$T_WALL
    local per_prompt=0 per_completion=0
    if ((tracks > 0)); then
        per_prompt=$(calc "$prompt / $tracks" 0)
        per_completion=$(calc "$completion / $tracks" 0)
    fi
    COLD_ROWS+=("| $label | $(calc "$T_WALL" 2) | $tracks | $fetched | $failed | $requests | ${limited:-0} \
| $per_prompt | $per_completion | $T_RC |")
}

cold_run "defaults" cold-default
cold_run "--jobs 1 --batch 1" cold-serial --jobs 1 --batch 1
COLD_RATIO=$(calc "${COLD_WALL[cold-serial]} / ${COLD_WALL[cold-default]}" 1)

# --- report ----------------------------------------------------------------------------------

{
    echo "# taggenius benchmark"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC') · $HOST_CPU · $(nproc) CPUs · taggenius $REV$( ((SMOKE)) && echo ' · smoke run')"
    echo
    echo "## Warm retag (\`retag --level detailed\`, cache primed by a \`tag\` against the mock server)"
    echo
    echo "Median of $REPS runs (Python peer: $PEER_REPS). Library: \`gen_library --seed $SEED\`."
    echo
    echo "| tracks | library MB | generated in s | primed in s | distinct blueprints / tracks | taggenius s | taggenius RSS MB | tracks/s | MB/s | Python peer s | peer RSS MB | speed-up |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${WARM_ROWS[@]}"
    echo
    echo "Fastest and slowest of those runs, in seconds (on a shared machine they drift by minutes):"
    echo
    echo "| tracks | taggenius | Python peer |"
    echo "|---:|---:|---:|"
    printf '%s\n' "${RANGE_ROWS[@]}"
    echo
    echo "## The same tracks as a Traktor collection and a VirtualDJ database (\`gen_library --nml\`, \`--vdj\`)"
    echo
    echo "| format | tracks | file MB | retag s | RSS MB | RSS limit MB (1.5 × file + 30) | rekordbox retag s | / rekordbox |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${FORMAT_ROWS[@]}"
    echo
    echo "## Playlists and find on the same library and cache (median of $REPS)"
    echo
    echo "| tracks | run | s | RSS MiB |"
    echo "|---:|---|---:|---:|"
    printf '%s\n' "${QUERY_ROWS[@]}"
    echo
    echo "## Cold tag against the mock OpenAI server"
    echo
    echo "$COLD_TRACKS tracks (\`gen_library --seed 7\`), mock latency $LATENCY_MS ms, 429 + Retry-After: 1 on every ${FAIL_EVERY}th request; fresh cache and server per run. Tokens per track are the mock's (4 bytes a token) over all tracks of the library."
    echo
    echo "| settings | wall s | tracks | fetched | failed | requests | 429s served | prompt tok/track | completion tok/track | exit |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${COLD_ROWS[@]}"
    echo
    echo "Defaults are ${COLD_RATIO}× faster than \`--jobs 1 --batch 1\`."
} >"$OUT/results.md"

cat "$OUT/results.md"

# --- the shared pool (full runs only: it builds a pool of 1,000,000 blueprints) --------------
if ((SMOKE)); then
    :
elif command -v psql >/dev/null && (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
    echo
    echo "## The shared pool"
    echo
    bash "$(dirname "${BASH_SOURCE[0]}")/pool.sh" | tee -a "$OUT/results.md"
else
    echo "the shared pool left out: needs psql and a PostgreSQL at 127.0.0.1:5432 (or run bench/pool.sh)"
fi
