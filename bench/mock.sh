# Sourced by the bench scripts, from the repository's root. start_mock DIR starts
# examples/mock_openai on a free port, its address in DIR/mock.out and a line a request it
# answers in DIR/mock.log; sets MOCK_PID and URL, or stops the script when the server does not
# report its address within 10 s.
start_mock() {
    target/release/examples/mock_openai --port 0 \
        >"$1/mock.out" 2>"$1/mock.log" &
    MOCK_PID=$!
    URL=""
    for _ in $(seq 1 100); do
        URL=$(sed -n 's/^listening on //p' "$1/mock.out" | head -n 1)
        [[ -n $URL ]] && return 0
        sleep 0.1
    done
    echo "the mock server did not start" >&2
    exit 1
}
