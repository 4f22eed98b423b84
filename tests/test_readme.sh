#!/usr/bin/env bash
# test_readme.sh: every command the README shows runs. Each line of a ```sh
# block (but the quick start, which is CI itself) runs in a scratch folder
# laid out like the repository, with bcsim on the PATH, and must succeed;
# every ```yaml block that is a whole model file must load (bcsim base).
# Usage: test_readme.sh BCSIM SRCDIR
set -u
bcsim=$(realpath "$1") # absolute, so that relative arguments work from anywhere
src=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
# ok, bad, check, summary (tests/lib.sh)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

mkdir -p "$tmp/work/build" "$tmp/bin"
ln -s "$src/models" "$tmp/work/models"
ln -s "$src/scripts" "$tmp/work/scripts"
ln -s "$bcsim" "$tmp/work/build/bcsim"
ln -s "$bcsim" "$tmp/bin/bcsim"

# the blocks, numbered: lines of ```sh blocks, with the block's first line
awk -v out="$tmp" '
  /^```sh$/ { inblk = 1; n++; next }
  /^```yaml$/ { inyaml = 1; y++; next }
  /^```/ { inblk = 0; inyaml = 0; next }
  inblk { print > (out "/sh." n) }
  inyaml { print > (out "/yaml." y ".yaml") }
' "$src/README.md"

nsh=0
for f in "$tmp"/sh.*; do
  [ -e "$f" ] || continue
  grep -q 'scripts/setup.sh' "$f" && continue   # the quick start: what CI runs
  while IFS= read -r cmd; do
    [ -n "$cmd" ] || continue
    nsh=$((nsh + 1))
    check "README command: $cmd" env -C "$tmp/work" PATH="$tmp/bin:$PATH" bash -c "$cmd"
  done <"$f"
done
[ "$nsh" -ge 5 ] && ok || bad "found $nsh README commands"

nyaml=0
for f in "$tmp"/yaml.*.yaml; do
  [ -e "$f" ] || continue
  grep -q '^model:' "$f" || continue
  nyaml=$((nyaml + 1))
  check "README model file $(basename "$f") loads" "$bcsim" base "$f"
done
[ "$nyaml" -ge 1 ] && ok || bad "no README model file found"

# the source map names every file of src/ and src/cli/ (but private headers),
# and no file that is gone
for f in "$src"/src/*.c "$src"/src/cli/*.c; do
  rel=${f#"$src"/}
  grep -qF "| \`$rel\` |" "$src/README.md" && ok || bad "the README's source map does not list $rel"
done
while read -r rel; do
  [ -e "$src/$rel" ] && ok || bad "the README's source map lists $rel, which is not there"
done < <(grep -oE '^\| `src/[^`]+` \|' "$src/README.md" | sed -E 's/^\| `([^`]+)` \|$/\1/')

summary
