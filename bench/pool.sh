#!/usr/bin/env bash
# The shared pool at scale, against the PostgreSQL at TAGGENIUS_BENCH_DATABASE_URL (default:
# postgres://postgres@127.0.0.1:5432/postgres; a database taggenius_bench_pool is made there and
# dropped). A pool of 1,000,000 blueprints holds half of a 50,000-track library's tracks (the
# rest are filler rows). Measured, best of 3, release build, against examples/mock_openai:
#   - the lookup of the library's misses in the pool: `tag --dry-run` with the pool, less the
#     same without it;
#   - a whole `tag` with a fresh cache and the pool (half from the pool, half asked of the mock
#     and sent to the pool) against the same `tag` without a pool.
#   bash bench/pool.sh [TRACKS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TRACKS=${1:-50000}
ADMIN=${TAGGENIUS_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
POOL="${ADMIN%/*}/taggenius_bench_pool"
cargo build --release --quiet --examples --bins
BIN=$PWD/target/release/taggenius
WORK=$(mktemp -d)
MOCK_PID=""
trap '[[ -n $MOCK_PID ]] && kill $MOCK_PID 2>/dev/null; psql "$ADMIN" -qc "DROP DATABASE IF EXISTS taggenius_bench_pool WITH (FORCE)" >/dev/null 2>&1; rm -rf "$WORK"' EXIT
unset OPENAI_API_KEY OPENAI_BASE_URL TAGGENIUS_MODEL TAGGENIUS_DB TAGGENIUS_CONFIG TAGGENIUS_POOL
export XDG_CONFIG_HOME=/nonexistent/taggenius-bench

source bench/mock.sh
start_mock "$WORK"
export OPENAI_BASE_URL=$URL OPENAI_API_KEY=sk-bench
sql() { psql "$POOL" -qtAc "$1"; }

psql "$ADMIN" -qc "DROP DATABASE IF EXISTS taggenius_bench_pool WITH (FORCE)" -c "CREATE DATABASE taggenius_bench_pool" >/dev/null
target/release/examples/gen_library --tracks "$TRACKS" --seed 11 -o "$WORK/lib.xml"
"$BIN" pool init "$POOL" 2>/dev/null
# Every track asked once, sent, then half of them taken out again; filler up to 1,000,000.
TAGGENIUS_DB=$WORK/prime.db "$BIN" tag "$WORK/lib.xml" --pool "$POOL" -q -o "$WORK/primed.xml"
sql "DELETE FROM taggenius_blueprints WHERE abs(hashtext(key)) % 2 = 0"
sql "INSERT INTO taggenius_blueprints (key, schema_version, blueprint, model, contributor)
     SELECT 'filler artist ' || g || chr(31) || 'filler title ' || g, 1,
            '{\"primary_genre\":\"House\",\"energy_level\":5,\"sub_genre\":[\"Deep House\"]}', 'gpt-4o-mini', gen_random_uuid()
     FROM generate_series(1, 1000000 - (SELECT count(*) FROM taggenius_blueprints)) AS g"
sql "VACUUM ANALYZE taggenius_blueprints"
sql "CREATE TABLE snapshot AS SELECT * FROM taggenius_blueprints"
in_pool=$(sql "SELECT count(*) FROM taggenius_blueprints WHERE key NOT LIKE 'filler%'")
echo "pool: $(sql 'SELECT count(*) FROM taggenius_blueprints') blueprints, $in_pool of the library's"

best() { sort -n | head -n 1; }
seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null 2>&1 || [[ $? == 3 ]]; end=$(date +%s.%N); echo "$end - $start" | bc; }
restore() { sql "TRUNCATE taggenius_blueprints, taggenius_confirmations; INSERT INTO taggenius_blueprints SELECT * FROM snapshot"; }

dry_with=$(for _ in 1 2 3; do rm -f "$WORK"/d.db*; seconds env TAGGENIUS_DB="$WORK/d.db" "$BIN" tag "$WORK/lib.xml" --pool "$POOL" --dry-run; done | best)
dry_without=$(for _ in 1 2 3; do rm -f "$WORK"/d.db*; seconds env TAGGENIUS_DB="$WORK/d.db" "$BIN" tag "$WORK/lib.xml" --dry-run; done | best)
tag_with=$(for _ in 1 2 3; do restore; rm -f "$WORK"/t.db*; seconds env TAGGENIUS_DB="$WORK/t.db" "$BIN" tag "$WORK/lib.xml" --pool "$POOL" -q -o "$WORK/t.xml"; done | best)
tag_without=$(for _ in 1 2 3; do rm -f "$WORK"/t.db*; seconds env TAGGENIUS_DB="$WORK/t.db" "$BIN" tag "$WORK/lib.xml" -q -o "$WORK/t.xml"; done | best)
printf 'lookup of %s tracks in a pool of 1,000,000: %.2f s (dry run %.2f s with the pool, %.2f s without)\n' \
    "$TRACKS" "$(echo "$dry_with - $dry_without" | bc)" "$dry_with" "$dry_without"
printf 'tag of %s tracks, fresh cache: %.2f s with the pool (%s from it), %.2f s without\n' \
    "$TRACKS" "$tag_with" "$in_pool" "$tag_without"
