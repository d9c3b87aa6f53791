#!/usr/bin/env bash
# make install: lays out an installed Jikocho under a prefix, relocatable (the binary finds its data beside it):
#   PREFIX/bin/jikocho
#   PREFIX/share/jikocho/Playbooks          the shipped playbooks and their Sigma rules
#   PREFIX/share/jikocho/exercises          the six exercises (evidence, inventory, answer key)
#   PREFIX/share/jikocho/web                the page `jikocho serve` shows (index.html, app.js, app.css)
#   PREFIX/share/doc/jikocho                README and docs/
#   PREFIX/share/bash-completion/completions/jikocho, share/zsh/site-functions/_jikocho,
#   PREFIX/share/fish/vendor_completions.d/jikocho.fish
# Usage: scripts/install.sh PREFIX BINARY   (DESTDIR, for packagers, is already part of PREFIX)
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 PREFIX BINARY" >&2; exit 64; }
prefix=$1
binary=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
[[ -x "$binary" ]] || { echo "install: no jikocho binary at $binary; build it first (make install does)" >&2; exit 1; }

share="$prefix/share/jikocho"
install -d "$prefix/bin" "$share" "$prefix/share/doc/jikocho/docs"
install -m 0755 "$binary" "$prefix/bin/jikocho"

# Data folders are replaced whole, so a playbook removed upstream does not linger in the install.
copy_tree() {    # copy_tree SOURCE TARGET: regular files only, read-only for everyone but the owner
    local src=$1 dst=$2
    rm -rf "$dst.new"
    (cd "$src" && find . -type f ! -name '.*' -print0) | while IFS= read -r -d '' f; do
        install -D -m 0644 "$src/$f" "$dst.new/$f"
    done
    rm -rf "$dst"
    mv "$dst.new" "$dst"
}
copy_tree "$repo/Playbooks" "$share/Playbooks"
copy_tree "$repo/Evidence" "$share/exercises"
copy_tree "$repo/Web" "$share/web"

install -m 0644 "$repo/README.md" "$prefix/share/doc/jikocho/README.md"
for f in "$repo"/docs/*; do install -m 0644 "$f" "$prefix/share/doc/jikocho/docs/"; done

# Shell completion, written by the installed binary itself.
bin="$prefix/bin/jikocho"
install -d "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" \
    "$prefix/share/fish/vendor_completions.d"
"$bin" --generate-completion-script bash > "$prefix/share/bash-completion/completions/jikocho"
"$bin" --generate-completion-script zsh > "$prefix/share/zsh/site-functions/_jikocho"
"$bin" --generate-completion-script fish > "$prefix/share/fish/vendor_completions.d/jikocho.fish"

playbooks=$(find "$share/Playbooks" -name '*.yaml' ! -path '*/sigma/*' | wc -l)
echo "installed $("$bin" --version | head -1) in $prefix: bin/jikocho, $playbooks playbooks, exercises, docs, completions"
