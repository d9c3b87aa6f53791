#!/usr/bin/env bash
# make demo: investigate the flagship exercise (Evidence/water-treatment-remote-setpoint: a water plant's HMI
# taken over from outside, the caustic soda setpoint raised a hundredfold) in one step - inventory, ingest, clocks,
# playbooks, chains, reports - and print where the report is; then show the chain and the minutes around the change.
# Then, in a second case, the third-party sample evidence of ../shared/datasets when it is beside the repository
# (or a small evidence set this script writes).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build -c release --show-bin-path)/jikocho
case_dir=${DEMO_CASE:-demo-case}
samples_dir=${DEMO_SAMPLES_CASE:-demo-case-samples}
exercise=Evidence/water-treatment-remote-setpoint
datasets=${DEMO_DATASETS:-../shared/datasets}

rm -rf "$case_dir" "$samples_dir"
echo "== The flagship exercise: $exercise"
"$bin" investigate "$exercise" -o "$case_dir" --name "Westbrook water treatment, 5 Feb 2021" --examiner demo
echo
"$bin" chain "$case_dir" --limit 1 --no-save
echo
echo "The minutes around the change, in corrected time (* = put right by its clock):"
"$bin" timeline "$case_dir" --from 2021-02-05T18:29:00Z --to 2021-02-05T18:35:00Z \
    --kind auth.logon --kind ics.modbus.write --kind process --kind rdp
echo
echo "Open the report: $case_dir/reports/report.html (try also: $bin timeline $case_dir --format timesketch -o timeline.jsonl)"
echo

echo "== Sample evidence from public datasets"
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
    evidence=(.build/demo-evidence)
    year=2021
fi
"$bin" case init "$samples_dir" --name "Demo: sample evidence" --examiner "demo" > /dev/null
# BSD syslog lines carry no year or zone: the demo declares UTC and the year of the first line (the loghub Linux
# sample is from June 2005); the BATADAL historian export's local times are read as UTC too.
"$bin" ingest "$samples_dir" "${evidence[@]}" --tz UTC --year "$year" --show-warnings 1 | grep -v -e "^added" -e "^not parsed"
echo
echo "Failed logons (first 5):"
"$bin" events "$samples_dir" --kind auth.logon_failed --limit 5
echo
"$bin" verify "$samples_dir"
"$bin" case show "$samples_dir"
echo
echo "== The flagship exercise's root-cause report: $(pwd)/$case_dir/reports/report.html"
