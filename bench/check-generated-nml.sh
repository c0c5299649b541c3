#!/usr/bin/env bash
# Holds taggenius to its promises on a generated Traktor collection in Traktor's native layout
# (examples/gen_library --nml, 2,000 entries, some without INFO): `tag` with no key exits 0 or
# 3 and changes nothing but INFO elements (each on a line of its own in this layout); `clear`
# gives the collection back byte for byte; `retag` without LIBRARY renders it again as `tag`
# did; through examples/mock_openai every entry is tagged and a second `tag` sends no request.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --quiet --examples --bins
BIN=target/release/taggenius
WORK=$(mktemp -d)
MOCK_PID=""
trap '[[ -n $MOCK_PID ]] && kill $MOCK_PID 2>/dev/null; rm -rf "$WORK"' EXIT
unset OPENAI_API_KEY OPENAI_BASE_URL TAGGENIUS_MODEL
fail() { echo "check-generated-nml: $*" >&2; exit 1; }

NML="$WORK/collection.nml"
target/release/examples/gen_library --tracks 2000 --seed 5 --nml -o "$NML"
export TAGGENIUS_DB="$WORK/offline.sqlite3"
"$BIN" tag "$NML" --quiet -o "$WORK/tagged.nml" --write genre,comments,colour,rating || [[ $? == 3 ]] || fail "tag failed"
diff <(grep -v '<INFO' "$NML") <(grep -v '<INFO' "$WORK/tagged.nml") >/dev/null || fail "tag changed more than INFO"
"$BIN" clear "$WORK/tagged.nml" --quiet -o "$WORK/cleared.nml"
cmp -s "$NML" "$WORK/cleared.nml" || fail "clear did not give the collection back"
"$BIN" retag --quiet -o "$WORK/again.nml" --write genre,comments,colour,rating || [[ $? == 3 ]] || fail "retag failed"
cmp -s "$WORK/tagged.nml" "$WORK/again.nml" || fail "retag rendered it otherwise"

target/release/examples/mock_openai --port 0 >"$WORK/mock.out" 2>/dev/null &
MOCK_PID=$!
for _ in $(seq 1 100); do
    URL=$(sed -n 's/^listening on //p' "$WORK/mock.out" | head -n 1)
    [[ -n ${URL:-} ]] && break
    sleep 0.1
done
[[ -n ${URL:-} ]] || fail "the mock server did not start"
export TAGGENIUS_DB="$WORK/online.sqlite3" OPENAI_BASE_URL="$URL" OPENAI_API_KEY=sk-check
"$BIN" tag "$NML" --quiet -o "$WORK/online.nml" || fail "online tag failed"
"$BIN" clear "$WORK/online.nml" --quiet -o "$WORK/online-cleared.nml"
cmp -s "$NML" "$WORK/online-cleared.nml" || fail "clear did not give the collection back (online)"
second=$("$BIN" tag "$NML" --json --quiet -o "$WORK/second.nml")
[[ $second == *'"requests":0,'* ]] || fail "a second tag sent requests: $second"
tagged=$(grep -c '/\* E: ' "$WORK/online.nml")
echo "check-generated-nml: ok: 2000 entries, $tagged tagged online; tag, clear and retag faithful"
