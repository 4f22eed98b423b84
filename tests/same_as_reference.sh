#!/usr/bin/env bash
# same_as_reference.sh BCSIM: BCSIM writes the same result files, bit for bit,
# as the bcsim built from the commit named in tests/bits-reference: the last
# commit that changed results on purpose. A change that must alter the bits
# moves that line to its own commit, in the same commit, and says so; any
# other change that alters them fails here. Builds the reference from this
# clone's history into a temporary folder (the bcsim target only), then runs
# tests/same_bits.sh with the reference as A and BCSIM as B.
set -u
b=$(realpath "$1")
src=$(realpath "$(dirname "${BASH_SOURCE[0]}")/..")
ref=$(grep -oE '^[0-9a-f]{40}' "$src/tests/bits-reference" | head -n 1)
if [ -z "$ref" ]; then
  echo "same_as_reference.sh: $src/tests/bits-reference names no commit" >&2
  exit 1
fi
if ! git -C "$src" cat-file -e "$ref^{commit}" 2>/dev/null; then
  echo "same_as_reference.sh: commit $ref (tests/bits-reference) is not in this clone;" \
       "a shallow clone? 'git fetch --unshallow' brings the history" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src"
git -C "$src" archive "$ref" | tar -x -C "$tmp/src" || exit 1
if ! { cmake -S "$tmp/src" -B "$tmp/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
         >"$tmp/log" 2>&1 && cmake --build "$tmp/build" -j"$(nproc)" --target bcsim >>"$tmp/log" 2>&1; }; then
  echo "same_as_reference.sh: the reference $ref does not build:" >&2
  tail -n 20 "$tmp/log" >&2
  exit 1
fi
echo "reference: $ref"
bash "$src/tests/same_bits.sh" "$tmp/build/bcsim" "$b"
