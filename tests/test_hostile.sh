#!/usr/bin/env bash
# test_hostile.sh: whatever bcsim is given, it never crashes, hangs or leaves a
# wrong or half-written file. Hostile model files, hostile result files for
# summary, export, replay and merge, extreme models (every number finite or a
# refusal at load), run counts beyond 2^32, and faults on disk: a full disk, a
# read-only directory, outputs that are not regular files, SIGKILL while a
# result or a checkpoint is written. Every refusal: exit status 2 (1 for a
# disk that fails), one line on stderr naming the file (FILE:LINE:COL for
# model files), no output file, within 20 s and, where the build allows
# `ulimit -v`, 4 GiB of address space. Prints the time and peak memory of each
# hostile input ("figure:" lines, for docs/reliability.md).
# Usage: test_hostile.sh BCSIM SRCDIR
set -u
bcsim=$(realpath "$1") # absolute, so that relative arguments work from anywhere
src=$(realpath "$2")
model=$src/models/aarhus-2026.yaml
py=/usr/bin/python3
hpy="$py $src/tests/hostile/hostile.py"
tmp=$(mktemp -d)
mounts=()
cleanup() {
  for mnt in "${mounts[@]}"; do umount "$mnt" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
pass=0
fail=0
skip=0

tlimit=20                 # seconds
vlimit=$((4 * 1024 * 1024)) # KiB of address space (ulimit -v)
# AddressSanitizer reserves terabytes of address space: no ulimit -v there
# (its own checks stand in); the peak resident memory is still measured.
if ! (ulimit -v $vlimit && "$bcsim" --version) >/dev/null 2>&1; then
  vlimit=""
  echo "note: this build does not run under ulimit -v (a sanitizer build); memory is measured, not limited"
fi
gtime=""
[ -x /usr/bin/time ] && /usr/bin/time -f %M true 2>/dev/null && gtime=/usr/bin/time

# ok, bad, check (tests/lib.sh)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

# limited COMMAND...: run under the time and memory limits; sets st (exit
# status), ms (wall time) and mb (peak resident MB, "-" when unknown); stdout
# and stderr in $tmp/out and $tmp/err.
limited() {
  local t0 t1
  rm -f "$tmp/rss"
  t0=$(date +%s%N)
  (
    [ -n "$vlimit" ] && ulimit -v $vlimit
    if [ -n "$gtime" ]; then
      exec timeout -s KILL $tlimit $gtime -q -f %M -o "$tmp/rss" "$@"
    else
      exec timeout -s KILL $tlimit "$@"
    fi
  ) >"$tmp/out" 2>"$tmp/err"
  st=$?
  t1=$(date +%s%N)
  ms=$(((t1 - t0) / 1000000))
  mb=-
  [ -s "$tmp/rss" ] && mb=$(($(tail -1 "$tmp/rss") / 1024))
}

# hostile NAME STATUS PATTERN -- COMMAND...: COMMAND ends within the limits
# with STATUS. A failure prints exactly one line on stderr, "bcsim: " and a
# match of the extended regular expression PATTERN, and nothing on stdout;
# a success prints nothing on stderr. No sanitizer report either way.
hostile() {
  local name=$1 want=$2 pat=$3
  shift 4
  limited "$@"
  local why=""
  [ "$st" -eq 137 ] && why="killed after ${tlimit} s or out of memory"
  [ -z "$why" ] && [ "$st" -ne "$want" ] && why="status $st, want $want"
  if [ -z "$why" ] && grep -qE 'Sanitizer|runtime error:|HDF5-DIAG|infinite loop' "$tmp/err"; then
    why="sanitizer or library report"
  fi
  if [ -z "$why" ] && [ "$want" -ne 0 ]; then
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || why="stderr has $(wc -l <"$tmp/err") lines"
    [ -z "$why" ] && ! grep -q '^bcsim: ' "$tmp/err" && why="stderr does not start with 'bcsim: '"
    [ -z "$why" ] && ! grep -qE -- "$pat" "$tmp/err" && why="stderr does not match '$pat'"
    [ -z "$why" ] && [ -s "$tmp/out" ] && why="output on stdout"
  fi
  if [ -z "$why" ] && [ "$want" -eq 0 ] && [ -s "$tmp/err" ]; then why="output on stderr"; fi
  if [ -z "$why" ]; then
    ok
  else
    bad "$name: $why"
    echo "  command: $*"
    echo "  stderr: $(head -c 400 "$tmp/err")"
  fi
  printf 'figure: %-44s %7d ms %6s MB  status %d\n' "$name" "$ms" "$mb" "$st"
}

# nothing PATH...: no such file, and no temporary file beside it
nothing() {
  for p in "$@"; do
    if [ -e "$p" ] || [ -L "$p" ] || compgen -G "$p.tmp.*" >/dev/null; then
      bad "a refused or failed command left $p (or $p.tmp.*)"
    else
      ok
    fi
  done
}

# =========================================================================
# 1. Hostile model files: base and run refuse them, naming FILE:LINE:COL
# =========================================================================
m=$tmp/m
mkdir -p "$m"
for k in junk comments big-comment deep-flow deep-block deep-map laughs alias dup-id \
  dup-key long-id long-key long-number non-utf8 nul control-key utf16; do
  $hpy gen $k "$m/$k.yaml"
done
: >"$m/empty.yaml"
truncate -s 100M "$m/big100.yaml" # 100 MB (sparse): the loader stops at 16 MiB
mkdir -p "$m/adir.yaml"
cat >"$m/n1e308.yaml" <<'EOF'
model: x
proposals:
  - id: a
    investment: 1
    participants: 1e308
    effect: 1
    duration: 1
    unit_cost: 1e308
EOF
for v in .nan .inf -.inf 1e999; do
  sed "s/participants: 1e308/participants: $v/" "$m/n1e308.yaml" >"$m/num$v.yaml"
done

out=$tmp/o.h5
model_case() { # model_case FILE PATTERN: base and run both refuse it
  local f=$1 pat=$2
  hostile "base $(basename "$f")" 2 "$pat" -- "$bcsim" base "$f"
  hostile "run $(basename "$f")" 2 "$pat" -- "$bcsim" run "$f" -n 1000 -o "$out"
  nothing "$out"
}
model_case "$m/empty.yaml" 'empty\.yaml:1:1: the model file is empty'
model_case "$m/comments.yaml" 'comments\.yaml:1:1: the model file is empty'
model_case "$m/junk.yaml" 'junk\.yaml:[0-9]+:[0-9]+: '
model_case "$m/big100.yaml" 'big100\.yaml: larger than 16 MiB'
model_case "$m/big-comment.yaml" 'big-comment\.yaml: larger than 16 MiB'
model_case "$m/deep-flow.yaml" 'deep-flow\.yaml:2:[0-9]+: nesting deeper than 32 levels'
model_case "$m/deep-block.yaml" 'deep-block\.yaml:[0-9]+:[0-9]+: nesting deeper than 32 levels'
model_case "$m/deep-map.yaml" 'deep-map\.yaml:2:[0-9]+: nesting deeper than 32 levels'
model_case "$m/laughs.yaml" 'laughs\.yaml:3:[0-9]+: YAML aliases \(\*a0\) are not allowed'
model_case "$m/alias.yaml" 'alias\.yaml:4:5: YAML aliases \(\*p\) are not allowed'
model_case "$m/dup-id.yaml" "dup-id\\.yaml:5:[0-9]+: duplicate proposal id 'a'"
model_case "$m/dup-key.yaml" "dup-key\\.yaml:3:1: duplicate key 'model'"
model_case "$m/long-id.yaml" "long-id\\.yaml:3:[0-9]+: proposal id 'i{64}' is not a valid name"
model_case "$m/long-key.yaml" 'long-key\.yaml:2:[0-9]+: '
model_case "$m/long-number.yaml" 'long-number\.yaml:3:[0-9]+: a\.investment must be a finite number'
model_case "$m/non-utf8.yaml" 'non-utf8\.yaml:[0-9]+:[0-9]+: YAML syntax error: invalid'
model_case "$m/nul.yaml" 'nul\.yaml:1:[0-9]+: YAML syntax error: control characters'
model_case "$m/control-key.yaml" 'control-key\.yaml:2:1: unknown key .evil\\nkey\\x1b\[31m.'
model_case "$m/utf16.yaml" 'utf16\.yaml:1:[0-9]+: '
model_case "$m/adir.yaml" 'adir\.yaml: (cannot open|read error)'
model_case "$m/nope.yaml" 'nope\.yaml: cannot open'
model_case /dev/null '/dev/null:1:1: the model file is empty'
model_case /dev/zero '/dev/zero: larger than 16 MiB'
model_case "$m/n1e308.yaml" "n1e308\\.yaml:5:19: the extra exits of proposal 'a' can reach 1e\\+308"
model_case "$m/num.nan.yaml" "num\\.nan\\.yaml:5:19: a\\.participants must be a number, found '\\.nan'"
model_case "$m/num.inf.yaml" "num\\.inf\\.yaml:5:19: a\\.participants must be a number, found '\\.inf'"
model_case "$m/num-.inf.yaml" "num-\\.inf\\.yaml:5:19: a\\.participants must be a number"
model_case "$m/num1e999.yaml" "num1e999\\.yaml:5:19: a\\.participants must be a finite number"
# a beta with both shapes near 10^9: GSL's inverse CDF never returns there,
# so the loader must refuse it (a run used to hang building its table)
cat >"$m/beta-huge.yaml" <<'EOF'
model: x
proposals:
  - id: a
    investment: 1
    participants: 100
    effect: {dist: beta, mean: 0.5, sd: 1.12e-5}
    duration: 1
    unit_cost: 1000
EOF
model_case "$m/beta-huge.yaml" 'beta-huge\.yaml:6:[0-9]+: a\.effect: beta distribution'
# the long ones are quoted in part: the message stays short
for f in long-id long-key long-number; do
  "$bcsim" base "$m/$f.yaml" 2>"$tmp/err" >/dev/null
  [ "$(wc -c <"$tmp/err")" -lt 1100 ] && ok || bad "$f: a message of $(wc -c <"$tmp/err") bytes"
done
# no raw control character reaches the terminal
"$bcsim" base "$m/control-key.yaml" 2>"$tmp/err" >/dev/null
LC_ALL=C grep -q $'\x1b' "$tmp/err" && bad "an escape character reached stderr" || ok
hostile "run --set with a newline" 2 "unknown input 'a\\\\nb'" -- \
  "$bcsim" run "$model" -n 1000 --set $'a\nb=1' -o "$out"
nothing "$out"

# Valid but large: a 10 MB title runs and is kept whole; 10^5 proposals load
# and print their base case in bounded time, and a run of them is refused
# before it allocates its statistics (most of it the summary's covariance matrix
# of their 200,002 regression variables: about 336 GB; refused under this script's
# 4 GiB address-space limit, and, in a sanitizer build, which runs without it, on
# any machine of less than 336 GB).
$hpy gen long-title "$m/long-title.yaml"
hostile "base long-title.yaml (10 MB title)" 0 '' -- "$bcsim" base "$m/long-title.yaml"
hostile "run long-title.yaml (10 MB title)" 0 '' -- \
  "$bcsim" run "$m/long-title.yaml" -n 1000 -o "$tmp/title.h5" --quiet
check "the 10 MB title is stored whole" $py -c "import h5py,sys; f=h5py.File(sys.argv[1]); assert len(f.attrs['title'])==10**7" "$tmp/title.h5"
hostile "summary of a 10 MB title" 0 '' -- "$bcsim" summary "$tmp/title.h5"
awk 'length($0) > 100 {bad=1} END {exit bad}' "$tmp/out" && ok || bad "summary wider than 100 columns"
$hpy gen many "$m/many.yaml" 100000
hostile "base many.yaml (10^5 proposals)" 0 '' -- "$bcsim" base "$m/many.yaml"
[ "$(grep -c '^p[0-9]*: ' "$tmp/out")" -eq 100000 ] && ok || bad "base did not print 10^5 proposals"
hostile "run many.yaml (10^5 proposals)" 2 \
  'many\.yaml: a run of this model needs about [0-9.e+]+ GB of memory \(100001 outputs' -- \
  "$bcsim" run "$m/many.yaml" -n 1000 -o "$out"
nothing "$out"
# 3.3 million empty items (16 MB): refused at the first, before anything is
# sized by the length of the list (it would be 6 GB at 100 years each)
$hpy gen empties "$m/empties.yaml" 3300000
hostile "base empties.yaml (3.3 M empty proposals)" 2 \
  "empties\.yaml:4:3: a proposal is missing the required key 'id'" -- "$bcsim" base "$m/empties.yaml"
rm -f "$m/empties.yaml"
# not quadratic: 10^4 proposals take well under a tenth of 10^5's time
$hpy gen many "$m/many10k.yaml" 10000
limited "$bcsim" base "$m/many10k.yaml"
ms10k=$ms
limited "$bcsim" base "$m/many.yaml"
echo "note: base of 10^4 proposals $ms10k ms, of 10^5 proposals $ms ms"
[ "$st" -eq 0 ] && [ "$ms" -lt $((30 * ms10k + 2000)) ] && ok ||
  bad "loading 10^5 proposals is not linear ($ms10k ms for 10^4, $ms ms for 10^5, status $st)"
# N proposals with their effect and duration correlated: 2N correlated inputs,
# whose copula must be checked positive definite in bounded time (N = 500), or
# refused when there are more than 2000 of them (N = 1001)
corr_model() {
  $py - "$1" "$2" <<'PY'
import sys
n = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    f.write("model: corr\nproposals:\n")
    for i in range(n):
        f.write("  - {id: p%d, investment: 1, participants: 10, effect: {dist: uniform, min: 0, "
                "max: 0.2}, duration: {dist: uniform, min: 0.5, max: 1.5}, unit_cost: 1000}\n" % i)
    f.write("correlations:\n")
    for i in range(n):
        f.write("  - [p%d.effect, p%d.duration, 0.3]\n" % (i, i))
PY
}
corr_model "$m/corr.yaml" 500
hostile "base corr.yaml (1000 correlated inputs)" 0 '' -- "$bcsim" base "$m/corr.yaml"
corr_model "$m/corr2002.yaml" 1001
hostile "base corr2002.yaml (2002 correlated inputs)" 2 \
  "corr2002\.yaml:1005:3: the correlations name 2002 inputs; at most 2000 can be correlated" -- \
  "$bcsim" base "$m/corr2002.yaml"

# =========================================================================
# 2. Hostile result files for summary, export, replay and merge
# =========================================================================
r=$tmp/r
mkdir -p "$r"
"$bcsim" run "$model" -n 5000 --seed 3 -o "$r/good.h5" --quiet
"$bcsim" run "$model" -n 300000 --shard 0/2 -o "$r/shard0.h5" --quiet
"$bcsim" run "$model" -n 300000 --shard 1/2 -o "$r/shard1.h5" --quiet
check "merge of good shards" "$bcsim" merge "$r/shard0.h5" "$r/shard1.h5" -o "$r/merged.h5" --quiet
$hpy foreign "$r"
head -c 5000 /dev/urandom >"$r/random.bin"
mkdir -p "$r/adir.h5"
mkfifo "$r/fifo.h5"
$hpy socket "$r/socket.h5"
size=$(stat -c %s "$r/good.h5")
for n in 0 1 8 512 2048 4096 $((size / 2)) $((size - 1)); do head -c $n "$r/good.h5" >"$r/trunc-$n.h5"; done
ssize=$(stat -c %s "$r/shard1.h5")
head -c $((ssize / 2)) "$r/shard1.h5" >"$r/shard1-trunc.h5"

result_case() { # result_case FILE PATTERN: every reader refuses it
  local f=$1 pat=$2 b
  b=$(basename "$f")
  hostile "summary $b" 2 "$pat" -- "$bcsim" summary "$f"
  hostile "export $b" 2 "$pat" -- "$bcsim" export "$f" --csv "$tmp/csvout"
  nothing "$tmp/csvout"
  hostile "replay $b" 2 "$pat" -- "$bcsim" replay "$f" --run 0
  hostile "merge $b" 2 "$pat" -- "$bcsim" merge "$f" -o "$tmp/m.h5"
  nothing "$tmp/m.h5"
  hostile "merge shard0 + $b" 2 "$pat" -- "$bcsim" merge "$r/shard0.h5" "$f" -o "$tmp/m.h5"
  nothing "$tmp/m.h5"
}
notours='is not a bcsim result file'
result_case "$model" "aarhus-2026\\.yaml $notours \\(not an HDF5 file\\)"
result_case /dev/null "/dev/null $notours \\(not a regular file"
result_case /dev/zero "/dev/zero $notours \\(not a regular file"
result_case "$r/random.bin" "random\\.bin $notours \\(not an HDF5 file\\)"
result_case "$r/plain.h5" "plain\\.h5 $notours \\(no attribute format\\)"
result_case "$r/other.h5" "other\\.h5 $notours \\(attribute format is 'netcdf-ish'"
result_case "$r/half.h5" "half\\.h5 ($notours \\(no attribute|holds a run, not)"
result_case "$r/future.h5" 'future\.h5 has result format version 99'
result_case "$r/wrongtype.h5" "wrongtype\\.h5 $notours \\(not a single"
result_case "$r/adir.h5" 'adir\.h5: it is a directory'
result_case "$r/fifo.h5" "fifo\\.h5 $notours \\(not a regular file"
result_case "$r/socket.h5" "socket\\.h5 $notours \\(not a regular file"
result_case "$r/missing.h5" 'missing\.h5: No such file or directory'
for n in 0 1 8 512 2048 4096 $((size / 2)) $((size - 1)); do
  result_case "$r/trunc-$n.h5" "trunc-$n\\.h5"
done
hostile "merge of a truncated shard" 2 'shard1-trunc\.h5' -- \
  "$bcsim" merge "$r/shard0.h5" "$r/shard1-trunc.h5" -o "$tmp/m.h5"
nothing "$tmp/m.h5"
# a shard whose /state/bytes declares 2^39 bytes it does not hold
$py - "$r/shard0.h5" "$r/forged.h5" <<'PY'
import shutil, sys
import h5py
shutil.copyfile(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    del f["state/bytes"]
    f.create_dataset("state/bytes", shape=(2**39,), dtype="u1", chunks=(2**20,))
PY
hostile "merge of a forged shard (2^39 bytes declared)" 2 'forged\.h5 is damaged: /state/bytes declares 549755813888 bytes but the file holds 0' -- \
  "$bcsim" merge "$r/forged.h5" "$r/shard1.h5" -o "$tmp/m.h5"
nothing "$tmp/m.h5"
hostile "merge of a result file" 2 "good\\.h5 holds a 'run' study, not a checkpoint or a shard" -- \
  "$bcsim" merge "$r/good.h5" -o "$tmp/m.h5"
hostile "replay of a shard" 2 "shard0\\.h5 holds a 'shard' study, not a run" -- \
  "$bcsim" replay "$r/shard0.h5" --run 0
hostile "resume from a result file" 2 "good\\.h5 holds a 'run' study, not a checkpoint" -- \
  "$bcsim" run "$model" -n 5000 --seed 3 --resume "$r/good.h5" -o "$out"
nothing "$out"
# Damaged files: a few bytes of the first 4 KiB changed (where HDF5 keeps
# its superblock and root group). HDF5 1.10 may crash, read out of bounds or
# loop for ever on such bytes (which seeds do depends on the file, whose
# creation time differs from run to run); bcsim reads a file in a child
# first, so each is either read or refused with one line, never a crash or a
# hang.
damaged=0
for seed in $(seq 1 40); do
  $hpy flip "$r/good.h5" "$r/flip.h5" $seed 4 4096
  cmds=(summary)
  [ $seed -le 8 ] && cmds=(summary replay export)
  for c in "${cmds[@]}"; do
    case $c in
      summary) args=(summary "$r/flip.h5") ;;
      replay) args=(replay "$r/flip.h5" --run 0) ;;
      export) args=(export "$r/flip.h5" --csv "$tmp/csvflip" --force) ;;
    esac
    limited "$bcsim" "${args[@]}"
    if [ "$st" -eq 0 ] && ! grep -qE 'Sanitizer|runtime error' "$tmp/err"; then
      ok
    elif [ "$st" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^bcsim: .*flip\.h5' "$tmp/err"; then
      ok
      grep -q 'flip\.h5 is damaged or not a bcsim result file: reading it' "$tmp/err" &&
        damaged=$((damaged + 1))
    else
      bad "$c of a damaged file (seed $seed): status $st: $(head -c 300 "$tmp/err")"
    fi
    printf 'figure: %-44s %7d ms %6s MB  status %d\n' "$c damaged file (seed $seed)" "$ms" "$mb" "$st"
  done
done
echo "note: $damaged reads of damaged files crashed, failed or hung inside HDF5 in the child and were refused"

# =========================================================================
# 3. Numeric safety from the command line
# =========================================================================
n=$tmp/n
mkdir -p "$n"
cat >"$n/elastic.yaml" <<'EOF'
model: elastic
horizon: {years: 100}
unemployment:
  drift: {dist: uniform, min: -0.5, max: 0.5}
  volatility: 2
proposals:
  - id: a
    investment: 1
    participants: 100
    effect: 0.1
    elasticity: {dist: uniform, min: -50, max: 50}
    duration: 1
    unit_cost: 150000
EOF
for c in base run sobol; do
  extra=()
  [ $c != base ] && extra=(-n 1000000000 -o "$out")
  hostile "$c: elasticity 50, drift 0.5, volatility 2" 2 \
    'elastic\.yaml:11:17: a\.elasticity reaches 50 in magnitude.*U\^-elasticity can reach 10\^' -- \
    "$bcsim" $c "$n/elastic.yaml" "${extra[@]}"
  nothing "$out"
done
sed 's/^horizon: {years: 100}/horizon: {years: 100}\ndiscount_rate: -0.99/; s/^  drift: .*/  drift: 0/; s/^  volatility: 2/  volatility: 0/; s/^    elasticity: .*/    elasticity: 0/' \
  "$n/elastic.yaml" >"$n/disc.yaml"
hostile "run: discount_rate -0.99 over 100 years" 2 \
  'disc\.yaml:3:1: discount_rate -0\.99 over 100 years makes the discount factor' -- \
  "$bcsim" run "$n/disc.yaml" -n 1000000000 -o "$out"
nothing "$out"
hostile "run: --set participants to 1e300" 2 \
  "aarhus-2026\\.yaml: the extra exits of proposal 'academics' can reach" -- \
  "$bcsim" run "$model" -n 1000000000 --set academics.participants=1e300 -o "$out"
nothing "$out"
# extreme but valid: every dataset of the result finite
cat >"$n/extreme.yaml" <<'EOF'
model: extreme
horizon: {years: 100}
discount_rate: 0.99
unemployment:
  drift: {dist: triangular, min: -0.001, mode: 0, max: 0.001}
  volatility: 0.0001
proposals:
  - id: huge
    investment: 1e9
    participants: 1e12
    effect: {dist: normal, mean: 0.5, sd: 1e-12}
    elasticity: {dist: uniform, min: -50, max: 50}
    duration: {dist: uniform, min: 0.5, max: 100}
    unit_cost: 1e9
    savings:
      - {name: s, per: exit, amount: {dist: lognormal, mean: 1e9, sd: 1e-3}}
  - id: tiny
    investment: {dist: gamma, mean: 1, sd: 999}
    participants: {dist: lognormal, mean: 100, sd: 1e-10}
    effect: {dist: beta, alpha: 1e-6, beta: 1e-6}
    duration: {dist: beta, alpha: 1e9, beta: 1, min: 0.5, max: 2}
    unit_cost: {dist: triangular, min: 0, mode: 1e-300, max: 2e-300}
    start: {dist: normal, mean: 1, sd: 1e-12, min: 0}
EOF
sed 's/^discount_rate: 0.99/discount_rate: -0.5/; s/^horizon: {years: 100}/horizon: {years: 60}/' \
  "$n/extreme.yaml" >"$n/extreme-neg.yaml"
for f in extreme extreme-neg; do
  for s in mc lhs; do
    hostile "run $f.yaml ($s)" 0 '' -- \
      "$bcsim" run "$n/$f.yaml" -n 20000 --sampler $s -o "$n/$f-$s.h5" --quiet
    check "$f ($s): every dataset finite" $hpy finite "$n/$f-$s.h5"
  done
done
hostile "sobol extreme.yaml" 0 '' -- \
  "$bcsim" sobol "$n/extreme.yaml" -n 512 --replicates 16 -o "$n/extreme-sobol.h5" --quiet
check "sobol extreme: every dataset finite" $hpy finite "$n/extreme-sobol.h5"
hostile "summary extreme" 0 '' -- "$bcsim" summary "$n/extreme-mc.h5"
awk 'length($0) > 100 {bad=1} END {exit bad}' "$tmp/out" && ok || bad "summary of huge numbers wider than 100 columns"
hostile "export extreme" 0 '' -- "$bcsim" export "$n/extreme-mc.h5" --csv "$n/csv"
grep -qiE '(^|,)(nan|-?inf)(,|$)' "$n"/csv/*.csv && bad "a NaN or Inf in the CSV" || ok
# fewer runs than inputs: no regression, but a file, all finite
for k in 1 2 3; do
  hostile "run -n $k" 0 '' -- "$bcsim" run "$model" -n $k -o "$n/n$k.h5" --quiet
  check "-n $k: every dataset finite" $hpy finite "$n/n$k.h5"
  hostile "summary of -n $k" 0 '' -- "$bcsim" summary "$n/n$k.h5"
done

# Run counts beyond 2^32. -n 1e10 in 76294 segments: shard 38147 of 76294
# computes one segment of 131072 runs; an empty share is a valid shard.
for s in mc lhs; do
  hostile "run -n 1e10 --shard 38147/76294 ($s)" 0 '' -- \
    "$bcsim" run "$model" -n 10000000000 --sampler $s --shard 38147/76294 -o "$n/s-$s.h5" --quiet
  check "shard of 1e10 runs ($s)" $py -c "
import h5py, sys
a = h5py.File(sys.argv[1]).attrs
assert a['runs'] == 10**10 and a['segments'] == 76294, dict(a)
assert a['segment_first'] == 38147 and a['segment_next'] == 38148, (a['segment_first'], a['segment_next'])" "$n/s-$s.h5"
done
hostile "run -n 1e10 --shard 40000/80000 (no segment)" 0 '' -- \
  "$bcsim" run "$model" -n 10000000000 --shard 40000/80000 -o "$n/s-empty.h5" --quiet
# 2^39 runs in blocks of 1 (2^33 segments of 64 runs), shard 2^31 of
# 2^32 - 1: two or three segments past 2^32; nseg * I alone would pass 2^64
hostile "run -n 2^39 --block 1 --shard 2^31/(2^32-1)" 0 '' -- \
  "$bcsim" run "$model" -n 549755813888 --block 1 --shard 2147483648/4294967295 \
  -o "$n/s-far.h5" --quiet
check "shard 2^31 of 2^32 - 1 covers its own segments" $py -c "
import h5py, sys
a = h5py.File(sys.argv[1]).attrs
nseg, i, n = 2**33, 2**31, 2**32 - 1
assert a['segments'] == nseg, a['segments']
assert a['segment_first'] == nseg * i // n and a['segment_next'] == nseg * (i + 1) // n, (a['segment_first'], a['segment_next'])" "$n/s-far.h5"
# replay of a run beyond 2^32 (a result file that says it holds 1e10 runs)
$hpy setattr "$r/good.h5" "$n/big-runs.h5" runs 10000000000
"$bcsim" replay "$n/big-runs.h5" --run 4294967299 >"$n/far1.txt" 2>&1
"$bcsim" replay "$n/big-runs.h5" --run 4294967299 >"$n/far2.txt" 2>&1
"$bcsim" replay "$n/big-runs.h5" --run 3 >"$n/near.txt" 2>&1
check "replay of run 2^32 + 3 works" grep -q '^Run 4294967299 of' "$n/far1.txt"
check "replay of run 2^32 + 3 is reproducible" cmp -s "$n/far1.txt" "$n/far2.txt"
if cmp -s <(sed 1d "$n/far1.txt") <(sed 1d "$n/near.txt"); then bad "run 2^32 + 3 equals run 3"; else ok; fi
hostile "replay --run 1e10 of 1e10 runs" 2 'there is no run 10000000000' -- \
  "$bcsim" replay "$n/big-runs.h5" --run 10000000000

# =========================================================================
# 4. Faults on disk
# =========================================================================
d=$tmp/d
mkdir -p "$d"
can_mount=1
mkdir -p "$d/full"
if mount -t tmpfs -o size=64k tmpfs "$d/full" 2>"$tmp/mnt.err"; then
  mounts+=("$d/full")
else
  can_mount=0
  skip=$((skip + 1))
  echo "SKIP: a full disk (cannot mount a tmpfs here: $(head -c 200 "$tmp/mnt.err"))"
fi
if [ $can_mount -eq 1 ]; then
  # a 64 KiB file system: the file does not fit; nothing is left behind
  hostile "run into a full disk" 1 'full/r\.h5: cannot write the temporary file .*No space left on device' -- \
    "$bcsim" run "$model" -n 5000 -o "$d/full/r.h5" --quiet
  hostile "shard into a full disk" 1 'No space left on device' -- \
    "$bcsim" run "$model" -n 300000 --shard 0/2 -o "$d/full/s.h5" --quiet
  hostile "checkpoint into a full disk" 1 'full/ck\.h5: .*No space left on device' -- \
    "$bcsim" run "$model" -n 300000 --checkpoint "$d/full/ck.h5" --checkpoint-every 0 \
    -o "$d/ck-run.h5" --quiet
  # a Sobol' file of this model is about 60 KB: leave it less room
  head -c 32768 /dev/zero >"$d/full/filler" 2>/dev/null
  hostile "sobol into a full disk" 1 'No space left on device' -- \
    "$bcsim" sobol "$model" -n 256 --replicates 0 -o "$d/full/so.h5" --quiet
  rm -f "$d/full/filler"
  hostile "merge into a full disk" 1 'No space left on device' -- \
    "$bcsim" merge "$r/shard0.h5" "$r/shard1.h5" -o "$d/full/m.h5" --quiet
  hostile "export into a full disk" 1 'No space left on device' -- \
    "$bcsim" export "$r/good.h5" --csv "$d/full/csv"
  nothing "$d/full/r.h5" "$d/full/s.h5" "$d/full/ck.h5" "$d/ck-run.h5" "$d/full/so.h5" \
    "$d/full/m.h5" "$d/full/csv"
  [ -z "$(ls -A "$d/full")" ] && ok || bad "files left on the full disk: $(ls -A "$d/full")"

  # a read-only file system: refused before any work (-n 1e9 returns at once)
  mkdir -p "$d/ro"
  if mount -t tmpfs -o size=4m tmpfs "$d/ro" && mounts+=("$d/ro") &&
    cp "$r/good.h5" "$d/ro/old.h5" && mount -o remount,ro "$d/ro"; then
    sum=$(cksum <"$d/ro/old.h5")
    hostile "run into a read-only directory" 2 'cannot write .*ro/new\.h5: directory .* is not writable \(Read-only file system\)' -- \
      "$bcsim" run "$model" -n 1000000000 -o "$d/ro/new.h5"
    [ "$ms" -lt 3000 ] && ok || bad "refusing a read-only directory took $ms ms"
    hostile "run --force over a read-only file" 2 'ro/old\.h5: directory .* is not writable' -- \
      "$bcsim" run "$model" -n 1000000000 -o "$d/ro/old.h5" --force
    hostile "checkpoint into a read-only directory" 2 'ro/ck\.h5: directory .* is not writable' -- \
      "$bcsim" run "$model" -n 1000000000 --checkpoint "$d/ro/ck.h5" -o "$out"
    hostile "export into a read-only directory" 2 'ro/csv: Read-only file system' -- \
      "$bcsim" export "$r/good.h5" --csv "$d/ro/csv"
    [ "$sum" = "$(cksum <"$d/ro/old.h5")" ] && ok || bad "the read-only file changed"
    nothing "$d/ro/new.h5" "$d/ro/ck.h5" "$out"
  else
    skip=$((skip + 1))
    echo "SKIP: a read-only directory (cannot remount a tmpfs read-only here)"
  fi
fi

# Outputs that are not regular files: refused before any work, left as they were
mkfifo "$d/fifo"
$hpy socket "$d/socket"
mkdir -p "$d/dir"
ln -s /dev/null "$d/to-null"
ln -s "$d/nowhere" "$d/dangling"
for o in /dev/full /dev/null "$d/fifo" "$d/socket" "$d/to-null"; do
  pat="$(basename "$o") exists and is not a regular file"
  hostile "run -o $(basename "$o")" 2 "$pat" -- "$bcsim" run "$model" -n 1000000000 -o "$o" --force
  [ "$ms" -lt 3000 ] && ok || bad "refusing -o $o took $ms ms"
  hostile "run --shard -o $(basename "$o")" 2 "$pat" -- \
    "$bcsim" run "$model" -n 1000000000 --shard 0/2 -o "$o" --force
  hostile "run --checkpoint $(basename "$o")" 2 "$pat" -- \
    "$bcsim" run "$model" -n 1000000000 --checkpoint "$o" -o "$out"
  hostile "sobol -o $(basename "$o")" 2 "$pat" -- "$bcsim" sobol "$model" -n 1048576 -o "$o" --force
  hostile "merge -o $(basename "$o")" 2 "$pat" -- \
    "$bcsim" merge "$r/shard0.h5" "$r/shard1.h5" -o "$o" --force
done
[ -c /dev/null ] && [ -c /dev/full ] && [ -p "$d/fifo" ] && [ -S "$d/socket" ] && [ -L "$d/to-null" ] &&
  ok || bad "an output that is not a regular file was replaced"
for o in "$d/dir" "$d/dir/"; do
  hostile "run -o a directory ($o)" 2 'is a directory|names a directory' -- \
    "$bcsim" run "$model" -n 1000000000 -o "$o" --force
done
hostile "run -o a dangling link" 2 'dangling is a symbolic link to nothing' -- \
  "$bcsim" run "$model" -n 1000000000 -o "$d/dangling" --force
hostile "run -o in a missing directory" 2 'nodir/x\.h5' -- \
  "$bcsim" run "$model" -n 1000000000 -o "$d/nodir/x.h5"
hostile "checkpoint and result the same file" 2 'the checkpoint .*same\.h5 and the result file .*same\.h5 are the same file' -- \
  "$bcsim" run "$model" -n 1000000000 --checkpoint "$d/same.h5" -o "$d/./same.h5"
nothing "$d/same.h5" "$d/nodir"
hostile "export --csv /dev/null" 2 '/dev/null exists and is not a folder' -- \
  "$bcsim" export "$r/good.h5" --csv /dev/null
mkdir -p "$d/csv"
mkfifo "$d/csv/inputs.csv"
ln -s /dev/null "$d/csv/summary.csv"
hostile "export over a fifo and a link to /dev/null" 2 'csv/summary\.csv exists and is not a regular file' -- \
  "$bcsim" export "$r/good.h5" --csv "$d/csv" --force
[ -p "$d/csv/inputs.csv" ] && [ -L "$d/csv/summary.csv" ] && [ "$(ls "$d/csv" | wc -l)" -eq 2 ] &&
  ok || bad "export replaced a fifo or a link to a device"

# SIGKILL while the result is written (with --save-samples the file is large
# and takes a while): under the final name there is always the complete old
# file or the complete new one, never a part; at most a stale PATH.tmp.PID
# per kill, which later runs leave alone.
k=$tmp/k
mkdir -p "$k"
runs=200000
"$bcsim" run "$model" -n $runs --seed 1 --save-samples -o "$k/r.h5" --quiet
old=$(cksum <"$k/r.h5")
kills=0
for delay in compute 0 0.001 0.003 0.01 0.03 0.1; do
  "$bcsim" run "$model" -n $runs --seed 2 --save-samples -o "$k/r.h5" --force --quiet &
  pid=$!
  if [ $delay = compute ]; then
    sleep 0.3
  else
    # wait for the temporary file to appear, then let the write go on a little
    for _ in $(seq 1 6000); do
      [ -e "$k/r.h5.tmp.$pid" ] && break
      kill -0 $pid 2>/dev/null || break
      sleep 0.005
    done
    sleep $delay
  fi
  kill -KILL $pid 2>/dev/null && kills=$((kills + 1))
  wait $pid 2>/dev/null
  if $hpy complete "$k/r.h5" $runs $runs >/dev/null; then ok; else bad "after SIGKILL ($delay) r.h5 is not complete"; fi
  new=$(cksum <"$k/r.h5")
  [ "$new" = "$old" ] && echo "note: SIGKILL ($delay): r.h5 is the old file" ||
    echo "note: SIGKILL ($delay): r.h5 is the new, complete file"
  old=$new
done
stale=$(compgen -G "$k/r.h5.tmp.*" | wc -l)
echo "note: $kills kills left $stale stale temporary files"
[ "$stale" -le "$kills" ] && ok || bad "$stale stale temporary files after $kills kills"
hostile "run after the kills" 0 '' -- \
  "$bcsim" run "$model" -n $runs --seed 3 --save-samples -o "$k/r.h5" --force --quiet
check "the run after the kills wrote a complete file" $hpy complete "$k/r.h5" $runs $runs

# SIGKILL while checkpointing after every segment: the checkpoint is always
# complete, and resuming (killed again, then to the end) gives the file an
# uninterrupted run gives, bit for bit.
c=$tmp/c
mkdir -p "$c"
ck=(-n 500000 --block 256 --seed 5)
"$bcsim" run "$model" "${ck[@]}" -o "$c/ref.h5" --quiet
first=(--checkpoint "$c/ck.h5")
finished=0
for i in 1 2 3; do
  "$bcsim" run "$model" "${ck[@]}" "${first[@]}" --checkpoint-every 0 -o "$c/run.h5" --quiet &
  pid=$!
  # the first checkpoint, then a little more
  for _ in $(seq 1 6000); do
    [ -e "$c/ck.h5" ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.005
  done
  sleep 0.0$((3 * i))
  kill -KILL $pid 2>/dev/null
  wait $pid 2>/dev/null
  if [ $? -eq 0 ]; then
    finished=1 # it ended before the kill
    break
  fi
  check "checkpoint complete after SIGKILL $i" $hpy complete "$c/ck.h5"
  first=(--resume "$c/ck.h5")
  nothing "$c/run.h5"
done
[ $finished -eq 1 ] && echo "note: the checkpointed run ended before a kill"
[ $finished -eq 1 ] ||
  hostile "resume after the kills" 0 '' -- \
    "$bcsim" run "$model" "${ck[@]}" "${first[@]}" --checkpoint-every 0 -o "$c/run.h5" --quiet
check "resumed run equals the uninterrupted one" $py "$src/tests/h5same.py" "$c/ref.h5" "$c/run.h5"

echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
