#!/usr/bin/env bash
# Part of make test: `make install` into a temporary prefix, then, from a directory that is not the checkout,
# the installed jikocho investigates the flagship exercise with the playbooks it finds beside itself and its
# report is graded against the exercise's key; a copy of the binary with nothing beside it refuses to conclude.
# Uses the debug build `make test` has just made (CONFIGURATION=debug): the layout and the lookup are the same.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
fail() { echo "install-check: FAILED: $*" >&2; exit 1; }

make -s -C "$repo" install PREFIX="$prefix" CONFIGURATION=debug >"$work/install.log" 2>&1 \
    || { cat "$work/install.log" >&2; fail "make install PREFIX=$prefix"; }
for f in bin/jikocho share/jikocho/Playbooks/ICS/Process/RemoteSetpointTampering.yaml \
         share/jikocho/Playbooks/sigma/ics/ics_controller_write_from_unexpected_host.yml \
         share/jikocho/exercises/water-treatment-remote-setpoint/scenario.yaml share/doc/jikocho/README.md \
         share/jikocho/web/index.html share/jikocho/web/app.js share/jikocho/web/app.css \
         share/doc/jikocho/docs/cli.md share/bash-completion/completions/jikocho share/zsh/site-functions/_jikocho \
         share/fish/vendor_completions.d/jikocho.fish; do
    [[ -s "$prefix/$f" ]] || fail "make install did not lay out $f"
done

mkdir -p "$work/elsewhere"
cd "$work/elsewhere"
bin="$prefix/bin/jikocho"
"$bin" --version | head -1 | grep -q '^jikocho [0-9]' || fail "jikocho --version"
# The flagship as a trainee gets it from the installed exercises (no answer key among the evidence).
"$bin" exercise new water-treatment-remote-setpoint flagship >"$work/new.out" 2>&1 \
    || { cat "$work/new.out" >&2; fail "exercise new from the installed exercises"; }
"$bin" investigate flagship/evidence -o case --examiner install-check --no-verify \
    >"$work/investigate.out" 2>&1 || { cat "$work/investigate.out" >&2; fail "investigate from $PWD"; }
grep -q "from $prefix/share/jikocho/Playbooks (shipped)" "$work/investigate.out" \
    || { cat "$work/investigate.out" >&2; fail "the playbooks did not come from the install"; }
# Graded against the key of the installed exercise (found by the evidence's hashes under share/jikocho/exercises).
"$bin" exercise grade case --report >"$work/grade.out" 2>&1 || { cat "$work/grade.out" >&2; fail "exercise grade"; }
grep -q "key: $prefix/share/jikocho/exercises/water-treatment-remote-setpoint/scenario.yaml" "$work/grade.out" \
    && grep -q 'cyber_cause   20.0 / 20' "$work/grade.out" && grep -q 'chain         30.0 / 30' "$work/grade.out" \
    && grep -q 'clock         15.0 / 15' "$work/grade.out" \
    || { cat "$work/investigate.out" "$work/grade.out" >&2; fail "the installed tool's conclusion is not the key's"; }

# The installed viewer finds its page beside itself and serves the case it made (read-only, a free port).
"$bin" serve case --port 0 >"$work/serve.out" 2>&1 &
serve_pid=$!
for _ in $(seq 50); do grep -q 'Serving' "$work/serve.out" && break; sleep 0.2; done
kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null || true
grep -q 'Serving case read-only at http://127.0.0.1:' "$work/serve.out" \
    || { cat "$work/serve.out" >&2; fail "the installed jikocho serve did not start"; }

# The binary alone, with no share/ beside it: no conclusion, no case, exit 1, one line saying what to do.
mkdir -p "$work/alone"
cp "$bin" "$work/alone/jikocho"
if "$work/alone/jikocho" investigate "$repo/Evidence/water-treatment-remote-setpoint" -o alone-case \
    >"$work/alone.out" 2>&1; then fail "a binary without its playbooks concluded: $(cat "$work/alone.out")"; fi
grep -q 'no playbooks found' "$work/alone.out" && ! grep -q 'Conclusion' "$work/alone.out" && [[ ! -e alone-case ]] \
    || { cat "$work/alone.out" >&2; fail "a binary without its playbooks did not refuse cleanly"; }
echo "install-check: make install PREFIX=… laid out the tool; investigating the flagship from another directory gives the key's conclusion"
