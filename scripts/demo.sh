#!/usr/bin/env bash
# make demo: create a case from the third-party sample evidence (../shared/datasets) or, where that folder is
# absent (a user's clone), from a small evidence set this script writes; ingest it (logs become events; the
# kinds no collector reads yet are kept and listed), verify the case, summarize it and show the failed logons.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build -c release --show-bin-path)/jikocho
case_dir=${DEMO_CASE:-demo-case}
datasets=${DEMO_DATASETS:-../shared/datasets}
year=2005
if [[ -d "$datasets" ]]; then
    evidence=("$datasets/pcaps" "$datasets/evtx" "$datasets/logs" "$datasets/historian")
else
    echo "(../shared/datasets not found: writing a small evidence set to .build/demo-evidence instead)"
    dir=.build/demo-evidence/hmi-01
    mkdir -p "$dir"
    printf '%s\n' \
        'Feb  5 13:27:41 hmi-01 sshd[2211]: Failed password for operator from 203.0.113.7 port 51512 ssh2' \
        'Feb  5 13:27:49 hmi-01 sshd[2211]: Accepted password for operator from 203.0.113.7 port 51512 ssh2' \
        'Feb  5 13:28:02 hmi-01 sudo: operator : TTY=pts/0 ; PWD=/home/operator ; USER=root ; COMMAND=/bin/bash' \
        > "$dir/auth.log"
    {
        echo 'timestamp,tag,value,quality'
        for m in $(seq 0 59); do
            v=100; [[ $m -ge 33 ]] && v=11100
            printf '2021-02-05T13:%02d:00Z,NaOH_SP,%s,Good\n' "$m" "$v"
        done
    } > "$dir/../historian.csv"
    evidence=(.build/demo-evidence)
    year=2021
fi
rm -rf "$case_dir"
"$bin" case init "$case_dir" --name "Demo: sample evidence" --examiner "demo"
echo
# BSD syslog lines carry no year or zone: the demo declares UTC and the year of the first line (the loghub Linux
# sample is from June 2005); the BATADAL historian export's local times are read as UTC too.
"$bin" ingest "$case_dir" "${evidence[@]}" --tz UTC --year "$year" --show-warnings 1 | grep -v -e "^added" -e "^not parsed"
echo
echo "Failed logons (first 5):"
"$bin" events "$case_dir" --kind auth.logon_failed --limit 5
echo
echo "Historian series (first 5) and process events other than pump switching (first 5):"
"$bin" series "$case_dir" 2>/dev/null | head -6
"$bin" events "$case_dir" --domain process --kind process.excursion --kind process.setpoint_change \
    --kind process.flatline --kind process.step --limit 5
echo
"$bin" verify "$case_dir"
echo
"$bin" case show "$case_dir"
echo
echo "The case is in $case_dir/ (try: $bin custody $case_dir)"
