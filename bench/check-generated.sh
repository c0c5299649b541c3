#!/usr/bin/env bash
# Holds taggenius to its promises on generated libraries of the formats whose writer files are
# the database itself: a Traktor collection in Traktor's native layout (examples/gen_library
# --nml) and VirtualDJ databases with LF and with CRLF (--vdj, --vdj --crlf), 2,000 tracks
# each, some without INFO or Comment. For each: `tag` with no key exits 0 or 3 and changes
# nothing but the lines taggenius writes (in these layouts each element has a line of its own);
# `clear` gives the file back byte for byte; `retag` without LIBRARY renders it again as `tag`
# did; through examples/mock_openai every track is tagged, `clear` gives the file back, and a
# second `tag` sends no request.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --quiet --examples --bins
BIN=$PWD/target/release/taggenius
GEN=$PWD/target/release/examples/gen_library
WORK=$(mktemp -d)
MOCK_PID=""
trap '[[ -n $MOCK_PID ]] && kill $MOCK_PID 2>/dev/null; rm -rf "$WORK"' EXIT
unset OPENAI_API_KEY OPENAI_BASE_URL TAGGENIUS_MODEL TAGGENIUS_DB TAGGENIUS_CONFIG
# A config.toml of the user's would change what is measured: none is read.
export XDG_CONFIG_HOME=/nonexistent/taggenius-bench
fail() { echo "check-generated: $*" >&2; exit 1; }

# The mock logs a line a request it answers: the count of requests is the server's, not taggenius's.
source bench/mock.sh
start_mock "$WORK"

# check NAME FILE PATTERN: the lines matching PATTERN are the only ones tagging may change.
check() {
    local name=$1 lib=$2 pattern=$3 dir="$WORK/$1" all=genre,comments,colour,rating
    mkdir -p "$dir"
    local db="$dir/offline.sqlite3"
    TAGGENIUS_DB=$db "$BIN" tag "$lib" --quiet -o "$dir/tagged" --write $all || [[ $? == 3 ]] || fail "$name: tag failed"
    diff <(grep -Ev "$pattern" "$lib") <(grep -Ev "$pattern" "$dir/tagged") >/dev/null || fail "$name: tag changed more than it writes"
    TAGGENIUS_DB=$db "$BIN" clear "$dir/tagged" --quiet -o "$dir/cleared"
    cmp -s "$lib" "$dir/cleared" || fail "$name: clear did not give the file back"
    TAGGENIUS_DB=$db "$BIN" retag --quiet -o "$dir/again" --write $all || [[ $? == 3 ]] || fail "$name: retag failed"
    cmp -s "$dir/tagged" "$dir/again" || fail "$name: retag rendered it otherwise"
    db="$dir/online.sqlite3"
    local online=(env TAGGENIUS_DB="$db" OPENAI_BASE_URL="$URL" OPENAI_API_KEY=sk-check "$BIN")
    "${online[@]}" tag "$lib" --quiet -o "$dir/online" --write $all || fail "$name: online tag failed"
    "${online[@]}" clear "$dir/online" --quiet -o "$dir/online-cleared"
    cmp -s "$lib" "$dir/online-cleared" || fail "$name: clear did not give the file back (online)"
    local second before after
    before=$(grep -c 'request #' "$WORK/mock.log" || true)
    second=$("${online[@]}" tag "$lib" --json --quiet -o "$dir/second")
    after=$(grep -c 'request #' "$WORK/mock.log" || true)
    [[ $before -gt 0 ]] || fail "$name: the mock server saw no request for the first tag"
    [[ $after == "$before" ]] || fail "$name: a second tag sent $((after - before)) requests"
    [[ $second == *'"requests":0,'* ]] || fail "$name: a second tag says it sent requests: $second"
    echo "check-generated: ok: $name, $(grep -c '/\* E: ' "$dir/online") of 2000 tagged online; tag, clear and retag faithful"
}

"$GEN" --tracks 2000 --seed 5 --nml -o "$WORK/collection.nml"
check traktor "$WORK/collection.nml" '<INFO'
"$GEN" --tracks 2000 --seed 6 --vdj -o "$WORK/database.xml"
check virtualdj-lf "$WORK/database.xml" '<Tags |<Infos |<Comment'
"$GEN" --tracks 2000 --seed 7 --vdj --crlf -o "$WORK/database-crlf.xml"
check virtualdj-crlf "$WORK/database-crlf.xml" '<Tags |<Infos |<Comment'
