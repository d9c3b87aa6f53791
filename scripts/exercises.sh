#!/usr/bin/env bash
# make exercises: investigate every exercise under Evidence/ as a user would (`jikocho investigate`) and keep, under
# Timelines/<exercise>/, the corrected timeline (CSV) and the reference report (Markdown, without what changes from
# one making to the next). A test fails when these are out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build --show-bin-path)/jikocho
work=.build/exercises
rm -rf "$work"
mkdir -p "$work"
for scenario in Evidence/*/scenario.yaml; do
    dir=$(dirname "$scenario")
    name=$(basename "$dir")
    echo "== $name"
    "$bin" investigate "$dir" -o "$work/$name" --name "$name" --examiner reference --no-verify | grep -E "^(Conclusion|  )" | head -2
    mkdir -p "Timelines/$name"
    "$bin" timeline "$work/$name" --format csv -o "Timelines/$name/timeline.csv" 2>/dev/null
    "$bin" report "$work/$name" --format md --reference -o "Timelines/$name/report.md" 2>/dev/null > /dev/null
done
echo "Timelines/ is up to date."
