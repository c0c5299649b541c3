#!/usr/bin/env bash
# Holds a new taggenius to the outputs of an old one, byte for byte.
#
#   bash bench/same-output.sh OLD_BINARY [NEW_BINARY]
#
# For every real rekordbox export in ../shared/fixtures/real (when present) and a generated
# library of 2,000 tracks: primes a cache with the OLD binary's `tag` against
# examples/mock_openai, copies it, then renders with both binaries from their own copy (the new
# one may migrate it) at every level, with `--write genre,comments` and
# `--write genre,comments,colour,rating`, and `clear`s the result; every pair must be
# identical (cmp). NEW_BINARY defaults to target/release/taggenius. Prints one line a pair and
# a count; exits 1 on any difference.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
OLD=${1:?usage: same-output.sh OLD_BINARY [NEW_BINARY]}
NEW=${2:-$ROOT/target/release/taggenius}
cargo build --release --quiet --examples --bins
WORK=$(mktemp -d)
MOCK_PID=""
trap '[[ -n $MOCK_PID ]] && kill $MOCK_PID 2>/dev/null; rm -rf "$WORK"' EXIT
unset OPENAI_API_KEY OPENAI_BASE_URL TAGGENIUS_MODEL TAGGENIUS_DB TAGGENIUS_CONFIG
# A config.toml of the user's would change what is measured: none is read.
export XDG_CONFIG_HOME=/nonexistent/taggenius-bench

source "$ROOT/bench/mock.sh"
start_mock "$WORK"

libraries=()
"$ROOT/target/release/examples/gen_library" --tracks 2000 --seed 11 -o "$WORK/generated.xml"
libraries+=("$WORK/generated.xml")
if [[ -d $ROOT/../shared/fixtures/real ]]; then
    for f in "$ROOT"/../shared/fixtures/real/*.xml; do
        grep -q DJ_PLAYLISTS "$f" && libraries+=("$f")
    done
else
    echo "skipped: ../shared/fixtures/real is absent; the generated library only"
fi

same=0 differ=0
compare() { # NAME FILE_A FILE_B
    if cmp -s "$2" "$3"; then
        same=$((same + 1))
    else
        differ=$((differ + 1))
        echo "DIFFERENT: $1"
    fi
}
for lib in "${libraries[@]}"; do
    name=$(basename "$lib" .xml)
    dir="$WORK/$name"
    mkdir -p "$dir"
    # Primed by the old binary, so that the new one meets an old cache as a user's would be.
    env TAGGENIUS_DB="$dir/old.sqlite3" OPENAI_BASE_URL="$URL" OPENAI_API_KEY=sk-same \
        "$OLD" tag "$lib" --quiet -o "$dir/primed.xml" || [[ $? == 3 ]]
    cp "$dir/old.sqlite3" "$dir/new.sqlite3"
    for level in essential recommended detailed; do
        for write in genre,comments genre,comments,colour,rating; do
            for side in old new; do
                bin=$OLD
                [[ $side == new ]] && bin=$NEW
                env TAGGENIUS_DB="$dir/$side.sqlite3" "$bin" retag "$lib" --quiet \
                    --level "$level" --write "$write" -o "$dir/$side-$level-$write.xml" \
                    || [[ $? == 3 ]]
                env TAGGENIUS_DB="$dir/$side.sqlite3" "$bin" clear "$dir/$side-$level-$write.xml" \
                    --quiet -o "$dir/$side-$level-$write.cleared.xml"
            done
            compare "$name $level $write" "$dir/old-$level-$write.xml" "$dir/new-$level-$write.xml"
            compare "$name $level $write clear" "$dir/old-$level-$write.cleared.xml" \
                "$dir/new-$level-$write.cleared.xml"
        done
    done
    echo "$name: compared"
done
echo "same-output: $same identical, $differ different (${#libraries[@]} libraries)"
[[ $differ == 0 ]]
