#!/usr/bin/env bash
# Builds the libFuzzer targets (release, with AddressSanitizer) and runs each for a given time.
#   Fuzz/fuzz.sh [SECONDS]      every target for SECONDS (default 60); stops at the first crash, leak or hang
#   FUZZ_TARGETS="FuzzJSON FuzzSyslog" Fuzz/fuzz.sh 30    only those
#   FUZZ_RUNS=1000000 Fuzz/fuzz.sh 600   each target until 1,000,000 inputs or 600 s, whichever comes first
#   FUZZ_SCRATCH=.build-fuzz2 …          build and keep corpora in another folder (a second run beside the first)
# First every target replays its regression fixtures (Fuzz/Regressions/<target>/): inputs that once crashed or
# hung, each named after what it is. A run without coverage feedback fails, unless FUZZ_REQUIRE_COVERAGE=0 (make test
# only reports it). A crash leaves its reproducer in Fuzz/crashes/ and the exit status is not 0.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
targets=${FUZZ_TARGETS:-"FuzzEVTXChunk FuzzEVTXFile FuzzSyslog FuzzAccessLog FuzzWebErrorLog FuzzJSON FuzzTimes FuzzPacket FuzzNetworkStream FuzzHistorian FuzzXLSX FuzzSigma FuzzYAML FuzzArchive"}
scratch=${FUZZ_SCRATCH:-.build-fuzz}   # another folder lets two runs go side by side
# Coverage and AddressSanitizer in one combined flag: given as two (`--sanitize=fuzzer --sanitize=address`, as
# SwiftPM passes them), swiftc keeps only the last, and SwiftPM orders them as a hash set does, differently from run
# to run: a build came out either without coverage (blind fuzzing) or without AddressSanitizer. That was the
# "uninstrumented build" seen before. `--sanitize=fuzzer` stays for SwiftPM itself (it then links libFuzzer's main).
sanitize=(--sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address)
build() {
    swift build --package-path Fuzz --scratch-path "$scratch" -c release "${sanitize[@]}" \
        2>&1 | grep -v "Cannot export local symbol" | tail -3
}
build
bin=$(swift build --package-path Fuzz --scratch-path "$scratch" -c release "${sanitize[@]}" --show-bin-path)
# An object compiled earlier without the sanitizers (an incremental build reusing it) leaves libFuzzer blind:
# the parsers' objects must call the coverage hooks, or the build starts again from nothing.
uninstrumented() {
    for o in "$bin"/Parsers.build/NetworkAnalyzer.swift.o "$bin"/Parsers.build/EVTX.swift.o "$bin"/Parsers.build/SyslogParser.swift.o \
             "$bin"/JikochoModel.build/TimeParser.swift.o; do
        [ -f "$o" ] || continue
        # grep -c reads all of nm's output (grep -q would stop early and, under pipefail, nm's SIGPIPE would count
        # as "not instrumented").
        [ "$(nm "$o" 2>/dev/null | grep -c "__sanitizer_cov")" -gt 0 ] || { echo "$o"; return 0; }
    done
    return 1
}
# Seen here: an object compiled without the hooks, even by a build from nothing; recompiling the parsers' modules
# again has always mended it. Two tries, then the runs say they are blind.
for attempt in 1 2; do
    stale=$(uninstrumented) || break
    echo "fuzz: $stale was built without coverage instrumentation; compiling the parsers again (try $attempt)" >&2
    if [ "$attempt" = 1 ]; then
        find Sources/Parsers Sources/JikochoModel -name '*.swift' -exec touch {} +   # mtime only: forces a recompile
    else
        rm -rf "$scratch"
    fi
    build
done
# Leaks in libraries, not in the project's code, that fuzzing found (each bounded, each explained in the file).
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
corpus="$scratch/corpus"
rm -rf "$corpus"
python3 Fuzz/make_corpus.py "$corpus"
mkdir -p Fuzz/crashes
declare -A maxlen=([FuzzEVTXChunk]=65536 [FuzzEVTXFile]=200000 [FuzzPacket]=16384 [FuzzNetworkStream]=16384
                   [FuzzYAML]=16384 [FuzzArchive]=65536 [FuzzXLSX]=65536)
status=0
printf "%-18s %12s %10s %8s  %s\n" target executions exec/s seconds result
for t in $targets; do
    if [ -d "Fuzz/Regressions/$t" ] && [ -n "$(ls -A "Fuzz/Regressions/$t")" ]; then
        if ! "$bin/$t" -runs=1 "Fuzz/Regressions/$t"/* >"$scratch/$t.regress.log" 2>&1; then
            echo "$t: a regression fixture fails again; see $scratch/$t.regress.log" >&2
            status=1
            continue
        fi
    fi
    dict=()
    [ -f "Fuzz/dicts/$t.dict" ] && dict=(-dict="Fuzz/dicts/$t.dict")
    log="$scratch/$t.log"
    runs_limit=()
    [ -n "${FUZZ_RUNS:-}" ] && runs_limit=(-runs="$FUZZ_RUNS")
    started=$(date +%s)
    set +e
    "$bin/$t" "$corpus/$t" "${dict[@]}" "${runs_limit[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len="${maxlen[$t]:-4096}" -artifact_prefix="Fuzz/crashes/$t-" -print_final_stats=1 >"$log" 2>&1
    rc=$?
    set -e
    elapsed=$(( $(date +%s) - started ))
    runs=$(grep -o "stat::number_of_executed_units: *[0-9]*" "$log" | grep -o "[0-9]*$" || echo 0)
    rate=$(( runs / (elapsed > 0 ? elapsed : 1) ))
    if grep -q "instrumented for coverage" "$log"; then
        # libFuzzer found no coverage counters: the run is blind, whatever it executed.
        if [ "${FUZZ_REQUIRE_COVERAGE:-1}" = 1 ]; then
            printf "%-18s %12s %10s %8s  %s\n" "$t" "$runs" "$rate" "$elapsed" "FAILED: no coverage feedback (see $log)"
            status=1
        else
            printf "%-18s %12s %10s %8s  %s\n" "$t" "$runs" "$rate" "$elapsed" "BLIND: no coverage feedback, inputs ran without crash"
        fi
    elif [ $rc -eq 0 ]; then
        printf "%-18s %12s %10s %8s  %s\n" "$t" "$runs" "$rate" "$elapsed" "no crash, leak or hang"
    else
        printf "%-18s %12s %10s %8s  %s\n" "$t" "$runs" "$rate" "$elapsed" "FAILED: see $log and Fuzz/crashes/$t-*"
        grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5 >&2
        status=1
    fi
done
exit $status
