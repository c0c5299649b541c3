#!/usr/bin/env bash
# The set benchmark: `taggenius set` against two anchors — greedy, and reklawdbox's beam of
# width 3 with its published transition score (examples/set_anchors.rs says how each is
# scored) — on generated crates of 150, 300 and 5,000 tracks (examples/gen_crate: tempos by
# genre, keys over the whole wheel, lengths 3-8 minutes, artists that repeat, energies and
# situations that fit the genre), for 60- and 120-minute sets on the peak and journey curves.
#
#   bash bench/set.sh [--smoke] [--sizes "150 300 5000"] [--runs N]
#
# Each crate is a rekordbox library plus its blueprints, imported into a fresh cache. Prints a
# Markdown table (also to bench/out/set.md): rules met, harmonic share, largest and mean tempo
# step, energy RMSE against the curve, artist repeats, length, time (taggenius: median of N
# runs of the binary, 3 by default). Exits 1 unless taggenius meets every rule, with ≥ 90 %
# harmonic mixes and an energy RMSE at most 0.8× the beam's, in under 2 s, on every row.
# --smoke: the 150-track crate, one run.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SIZES="150 300 5000"
RUNS=3
while (($#)); do
    case "$1" in
        --smoke) SIZES=150; RUNS=1 ;;
        --sizes) SIZES=${2:?--sizes needs a value}; shift ;;
        --runs) RUNS=${2:?--runs needs a value}; shift ;;
        *) echo "set.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
unset OPENAI_API_KEY OPENAI_BASE_URL TAGGENIUS_MODEL TAGGENIUS_CONFIG
export XDG_CONFIG_HOME=/nonexistent/taggenius-bench
cargo build --release --quiet --examples --bins
BIN=$PWD/target/release/taggenius
OUT=$PWD/bench/out
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
{
    echo "| crate, curve: builder | rules met | harmonic | largest step | mean step | energy RMSE | artist repeats | minutes | time |"
    echo "|---|---|---|---|---|---|---|---|---|"
} >"$OUT/set.md"
status=0
for n in $SIZES; do
    dir=$WORK/crate-$n
    target/release/examples/gen_crate --tracks "$n" --seed "$n" -o "$dir"
    export TAGGENIUS_DB=$dir/cache.sqlite3
    "$BIN" cache import "$dir/blueprints.jsonl" >/dev/null
    target/release/examples/set_anchors --crate "$dir" --library "$dir/library.xml" \
        --bin "$BIN" --runs "$RUNS" --check >>"$OUT/set.md" || status=1
done
cat "$OUT/set.md"
exit $status
