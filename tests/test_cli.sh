#!/usr/bin/env bash
# test_cli.sh: the command line: help, version, exit codes, messages on
# stderr and nothing on stdout for bad input. Usage: test_cli.sh BCSIM SRCDIR
set -u
bcsim=$(realpath "$1") # absolute, so that relative arguments work from anywhere
src=$(realpath "$2")
model=$src/models/aarhus-2026.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# expect STATUS STDOUT-PATTERN STDERR-PATTERN -- COMMAND... (tests/lib.sh)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

expect 0 '^usage: bcsim COMMAND' '' -- "$bcsim" --help
expect 0 '^usage: bcsim COMMAND' '' -- "$bcsim" help
expect 0 '^bcsim [0-9]+\.[0-9]+\.[0-9]+$' '' -- "$bcsim" --version
expect 2 '' 'missing a command' -- "$bcsim"
expect 2 '' "unknown command 'frobnicate'" -- "$bcsim" frobnicate
expect 0 '^usage: bcsim base MODEL' '' -- "$bcsim" base --help
expect 2 '' 'missing the model file' -- "$bcsim" base
expect 2 '' "unknown option '--cvs'" -- "$bcsim" base "$model" --cvs
expect 2 '' "unexpected argument" -- "$bcsim" base "$model" "$model"
expect 2 '' 'nope.yaml: cannot open' -- "$bcsim" base "$tmp/nope.yaml"

# the base case, as text and CSV
expect 0 'Overview, averages 2026-2030' '' -- "$bcsim" base "$model"
expect 0 '^output,year,fte,investment,benefit_savings,other_savings,gain$' '' -- \
  "$bcsim" base "$model" --csv
"$bcsim" base "$model" --csv >"$tmp/base.csv"
rows=$(wc -l <"$tmp/base.csv")
if [ "$rows" -eq 21 ]; then ok; else bad "CSV has $rows lines, want 21"; fi
# the portfolio's average gain from the CSV is the seed's 0.6
avg=$(awk -F, '$1=="portfolio"{s+=$7;n++} END{printf "%.2f", s/n}' "$tmp/base.csv")
if [ "$avg" = "0.60" ]; then ok; else bad "portfolio avg gain $avg"; fi

# a typo in a model file: file:line:col on stderr, status 2, nothing on stdout
sed 's/^    effect: {dist: pert, min: -0.024/    efect: {dist: pert, min: -0.024/' "$model" >"$tmp/typo.yaml"
line=$(grep -n '^    efect:' "$tmp/typo.yaml" | head -1 | cut -d: -f1)
expect 2 '' "typo.yaml:$line:5: unknown key 'efect' in a proposal" -- "$bcsim" base "$tmp/typo.yaml"
expect 2 '' "typo.yaml:$line:5: unknown key 'efect'" -- "$bcsim" base "$tmp/typo.yaml" --csv

# writing to a full device fails with status 1
if [ -w /dev/full ]; then
  expect 1 '' 'writing the report failed' -- sh -c "\"$bcsim\" base \"$model\" >/dev/full"
fi

# --- bcsim run -------------------------------------------------------------
out=$tmp/r.h5
expect 0 '^usage: bcsim run MODEL' '' -- "$bcsim" run --help
expect 2 '' "-n: '0' is not a number of runs" -- "$bcsim" run "$model" -n 0 -o "$out"
expect 2 '' "-n: '-5' is not a number of runs" -- "$bcsim" run "$model" -n -5 -o "$out"
expect 2 '' "-n: 'abc' is not a number of runs" -- "$bcsim" run "$model" -n abc -o "$out"
expect 2 '' "-n: '1.5' is not a number of runs" -- "$bcsim" run "$model" -n 1.5 -o "$out"
expect 2 '' "option '-n' needs a value" -- "$bcsim" run "$model" -n
expect 2 '' "--threads: '0' is not" -- "$bcsim" run "$model" --threads 0 -o "$out"
expect 2 '' "--sampler: 'qmc' is not mc or lhs" -- "$bcsim" run "$model" --sampler qmc -o "$out"
expect 2 '' "unknown input 'academics.efect'.*did you mean academics.effect" -- \
  "$bcsim" run "$model" -n 100 --set academics.efect=0.1 -o "$out"
expect 2 '' "academics.effect: 'pert:0,0.3,0.2'.*mode" -- \
  "$bcsim" run "$model" -n 100 --set academics.effect=pert:0,0.3,0.2 -o "$out"
expect 2 '' "unknown distribution|unknown kind|'frob" -- \
  "$bcsim" run "$model" -n 100 --set academics.effect=frob:1,2 -o "$out"
expect 2 '' "$tmp/nodir/x.h5" -- "$bcsim" run "$model" -n 100 -o "$tmp/nodir/x.h5"
expect 2 '' "is a directory|not a regular file" -- "$bcsim" run "$model" -n 100 -o "$tmp"
expect 2 '' "/dev/full" -- "$bcsim" run "$model" -n 100 -o /dev/full
if [ -e "$out" ]; then bad "a refused run left $out"; else ok; fi

expect 0 'P\(break even\)' '' -- "$bcsim" run "$model" -n 20000 --threads 2 -o "$out"
expect 2 '' "exists; use --force" -- "$bcsim" run "$model" -n 100 -o "$out"
before=$(cksum <"$out")
[ "$before" = "$(cksum <"$out")" ] && ok || bad "file changed"
expect 0 '' '' -- "$bcsim" run "$model" -n 20000 -o "$out" --force --quiet
ls "$tmp" | grep -q '\.tmp\.' && bad "temporary file left" || ok

# thread count and sampler: bit-identical result files
py=/usr/bin/python3
for s in mc lhs; do
  "$bcsim" run "$model" -n 50001 --sampler $s --threads 1 --seed 9 -o "$tmp/t1.h5" --quiet --force
  "$bcsim" run "$model" -n 50001 --sampler $s --threads 2 --seed 9 -o "$tmp/t2.h5" --quiet --force
  "$bcsim" run "$model" -n 50001 --sampler $s --threads 7 --seed 9 -o "$tmp/t7.h5" --quiet --force
  expect 0 'identical' '' -- "$py" "$src/tests/h5same.py" "$tmp/t1.h5" "$tmp/t2.h5"
  expect 0 'identical' '' -- "$py" "$src/tests/h5same.py" "$tmp/t1.h5" "$tmp/t7.h5"
done
"$bcsim" run "$model" -n 50001 --seed 10 -o "$tmp/s10.h5" --quiet --force
expect 1 'differs' '' -- "$py" "$src/tests/h5same.py" "$tmp/t1.h5" "$tmp/s10.h5"

# --set is applied and recorded; replay recomputes a stored run exactly
"$bcsim" run "$model" -n 3000 --seed 4 --save-samples --set igu.investment=5 \
  --set 'sick.effect=pert:0,0.1,0.2' -o "$tmp/s.h5" --quiet
expect 0 '' '' -- "$py" - "$tmp/s.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert f.attrs["overrides"] == "igu.investment=5\nsick.effect=pert:0,0.1,0.2", f.attrs["overrides"]
assert "# --set igu.investment=5" in f.attrs["model_text"]
names = [n.decode() if isinstance(n, bytes) else n for n in f["inputs/names"][()]]
spec = [s.decode() if isinstance(s, bytes) else s for s in f["inputs/spec"][()]]
assert spec[names.index("igu.investment")] == "5", spec[names.index("igu.investment")]
assert f["samples/avg_gain"].shape == (3000, 4)
PY
replay=$("$bcsim" replay "$tmp/s.h5" --run 2999)
stored=$("$py" -c "import h5py,sys; print('%.4f' % h5py.File(sys.argv[1],'r')['samples/avg_gain'][2999,3])" "$tmp/s.h5")
got=$(printf '%s\n' "$replay" | awk '$1=="portfolio"{print $(NF-2)}')
[ "$got" = "$stored" ] && ok || bad "replay portfolio $got, stored $stored"
printf '%s\n' "$replay" | grep -q 'igu.investment *5  (fixed)' && ok || bad "replay did not apply the override"
expect 2 '' 'there is no run 3000' -- "$bcsim" replay "$tmp/s.h5" --run 3000
expect 2 '' 'missing --run' -- "$bcsim" replay "$tmp/s.h5"
expect 2 '' 'not a bcsim result file' -- "$bcsim" replay "$model" --run 0

# SIGINT: stop, write nothing, exit 130
"$bcsim" run "$model" -n 200000000 -o "$tmp/int.h5" --quiet &
pid=$!
sleep 1
kill -INT $pid
wait $pid
st=$?
if [ $st -eq 130 ] && [ ! -e "$tmp/int.h5" ]; then ok; else bad "SIGINT gave $st"; fi

# progress: a line on a terminal (a pty from script(1)), none with --quiet
if command -v script >/dev/null 2>&1; then
  script -qec "'$bcsim' run '$model' -n 300000 -o '$tmp/p.h5' --force" /dev/null >"$tmp/pty" 2>&1
  grep -q 'runs/s' "$tmp/pty" && ok || bad "no progress line on a terminal"
  script -qec "'$bcsim' run '$model' -n 300000 -o '$tmp/p.h5' --force --quiet" /dev/null >"$tmp/pty" 2>&1
  grep -q 'runs/s' "$tmp/pty" && bad "progress despite --quiet" || ok
fi

# the README's worked example is what the default study prints, and its
# value of information what bcsim summary prints of it
(cd "$tmp" && mkdir -p readme && cd readme && "$bcsim" run "$model" >"$tmp/default.txt" &&
   "$bcsim" summary results/aarhus-2026.h5 >>"$tmp/default.txt")
n=0
while IFS= read -r line; do
  n=$((n + 1))
  grep -qF -- "$line" "$tmp/default.txt" && ok || bad "README line not in the output: $line"
done < <(sed -n '/^## What the default study says/,/^## /p' "$src/README.md" | grep -E '^  (academics|sick|igu|portfolio|output|package|none)[ +]')
[ "$n" -eq 24 ] && ok || bad "found $n README summary lines, want 24"
[ -f "$tmp/readme/results/aarhus-2026.h5" ] && ok || bad "default output results/aarhus-2026.h5 missing"

# --- bcsim sobol -----------------------------------------------------------
expect 0 '^usage: bcsim sobol MODEL' '' -- "$bcsim" sobol --help
expect 0 '' '' -- "$bcsim" sobol --model ishigami -n 4096 -o "$tmp/ish.h5" --quiet --force
"$bcsim" sobol --model ishigami -n 4096 -o "$tmp/ish.h5" --force >"$tmp/ish.txt"
grep -q "x1 " "$tmp/ish.txt" && grep -q "Results: $tmp/ish.h5" "$tmp/ish.txt" && ok || { bad "sobol summary"; cat "$tmp/ish.txt"; }
expect 2 '' "unknown test model 'ishigame'" -- "$bcsim" sobol --model ishigame -o "$tmp/x.h5"
expect 2 '' "no uncertain inputs" -- "$bcsim" sobol "$src/tests/models/fixed.yaml" -o "$tmp/x.h5"
expect 2 '' "-n: '1' is not a number of base samples" -- "$bcsim" sobol --model ishigami -n 1 -o "$tmp/x.h5"
expect 2 '' "--replicates: '1' is not 0 or 2 to 1024" -- "$bcsim" sobol --model ishigami --replicates 1 -o "$tmp/x.h5"
expect 2 '' "N \\(10\\) must be at least twice the replicates \\(16\\)" -- "$bcsim" sobol --model ishigami -n 10 -o "$tmp/x.h5"
expect 2 '' "--sampler: 'lhs' is not qmc or mc" -- "$bcsim" sobol --model ishigami --sampler lhs -o "$tmp/x.h5"
expect 2 '' "not both" -- "$bcsim" sobol "$model" --model ishigami -o "$tmp/x.h5"
[ -e "$tmp/x.h5" ] && bad "a refused sobol left a file" || ok
expect 2 '' "holds a 'sobol' study, not a run" -- "$bcsim" replay "$tmp/ish.h5" --run 0
# thread count: bit-identical Sobol' files
"$bcsim" sobol "$model" -n 2000 --replicates 20 --threads 1 -o "$tmp/s1.h5" --quiet --force
"$bcsim" sobol "$model" -n 2000 --replicates 20 --threads 2 -o "$tmp/s2.h5" --quiet --force
expect 0 'identical' '' -- "$py" "$src/tests/h5same.py" "$tmp/s1.h5" "$tmp/s2.h5"
# a run file carries regression coefficients and a tornado
expect 0 '' '' -- "$py" - "$tmp/r.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
r2 = f["sensitivity/regression/r2"][()]
assert r2.shape == (8,) and all(0 <= v <= 1.0000001 for v in r2), r2
t = f["sensitivity/tornado"]
assert t["low"].shape == t["high"].shape and t["order"].shape[0] == 4
PY

# the README's sensitivity example is what the default Sobol' study prints
(cd "$tmp/readme" && "$bcsim" sobol "$model" >"$tmp/sobol-default.txt")
n=0
while IFS= read -r line; do
  n=$((n + 1))
  grep -qF -- "$line" "$tmp/sobol-default.txt" && ok || bad "README line not in the sobol output: $line"
done < <(sed -n '/^## Sensitivity/,/^## /p' "$src/README.md" | grep -E '^  [a-z]+[.a-z_]* +-?[0-9]\.[0-9]{3} \[|^  break-even risk|^portfolio: ')
[ "$n" -eq 10 ] && ok || bad "found $n README sobol lines, want 10"

# --- shards, merge, checkpoint and resume -------------------------------------
# 3 shards merged equal the run in one piece, bit for bit
"$bcsim" run "$model" -n 300000 --seed 5 --block 512 -o "$tmp/one.h5" --quiet
for i in 0 1 2; do
  expect 0 "shard $i/3 of aarhus-2026" '' -- "$bcsim" run "$model" -n 300000 --seed 5 --block 512 --shard $i/3 -o "$tmp/part-$i.h5"
done
expect 0 'merged 3 shards' '' -- "$bcsim" merge "$tmp/part-2.h5" "$tmp/part-0.h5" "$tmp/part-1.h5" -o "$tmp/merged.h5"
expect 0 'identical' '' -- "$py" "$src/tests/h5same.py" "$tmp/one.h5" "$tmp/merged.h5"
# the same for the 50 x 20 catalogue, whose run keeps only the regression pairs
# its fits use (3 segments of 32768 runs)
cat=$src/benchmarks/catalogue-50x20.yaml
"$bcsim" run "$cat" -n 70000 --seed 5 --block 512 -o "$tmp/cat-one.h5" --quiet
for i in 0 1; do
  "$bcsim" run "$cat" -n 70000 --seed 5 --block 512 --shard $i/2 -o "$tmp/cat-$i.h5" --quiet
done
expect 0 'merged 2 shards' '' -- "$bcsim" merge "$tmp/cat-1.h5" "$tmp/cat-0.h5" -o "$tmp/cat-merged.h5"
expect 0 'identical' '' -- "$py" "$src/tests/h5same.py" "$tmp/cat-one.h5" "$tmp/cat-merged.h5"
# the package rules travel with the shards: two shards of a run with rules merged equal
# the run in one piece; a shard of other rules is refused
rules=(--max-loss-probability 0.3 --budget 9 --exclude academics)
"$bcsim" run "$model" -n 60000 --seed 5 --block 512 "${rules[@]}" -o "$tmp/pk-one.h5" --quiet
for i in 0 1; do
  "$bcsim" run "$model" -n 60000 --seed 5 --block 512 "${rules[@]}" --shard $i/2 \
    -o "$tmp/pk-$i.h5" --quiet
done
expect 0 'merged 2 shards' '' -- "$bcsim" merge "$tmp/pk-1.h5" "$tmp/pk-0.h5" -o "$tmp/pk-merged.h5"
expect 0 'identical' '' -- "$py" "$src/tests/h5same.py" "$tmp/pk-one.h5" "$tmp/pk-merged.h5"
expect 0 'Best package under the rules \(P\(loss > 1\) <= 30 %, budget 9 mDKK/year, without academics\)' \
  '' -- "$bcsim" summary "$tmp/pk-merged.h5"
# the README's claim: with a limit of 10 % on the risk of a loss, fund nothing
"$bcsim" run "$model" -n 60000 --seed 5 --max-loss-probability 0.1 -o "$tmp/pk-10.h5" --quiet
expect 0 '^  none \(fund nothing\), mean 0.000 mDKK/year' '' -- "$bcsim" summary "$tmp/pk-10.h5"
"$bcsim" run "$model" -n 60000 --seed 5 --block 512 --budget 8 --shard 1/2 -o "$tmp/pk-other.h5" --quiet
expect 2 '' 'pk-other.h5 belongs to other package rules than' -- "$bcsim" merge "$tmp/pk-0.h5" "$tmp/pk-other.h5" -o "$tmp/m.h5"
# bad package rules: a clear message, exit 2, no file
expect 2 '' "--max-loss-probability: '1' is not a probability between 0 and 1" -- "$bcsim" run "$model" -n 100 --max-loss-probability 1 -o "$tmp/m.h5"
expect 2 '' "--max-loss-probability: '0' is not a probability" -- "$bcsim" run "$model" -n 100 --max-loss-probability 0 -o "$tmp/m.h5"
expect 2 '' "the budget, 1 mDKK/year, is below every proposal's planned average annual investment \(the smallest: academics, 2 mDKK/year\)" -- "$bcsim" run "$model" -n 100 --budget 1 -o "$tmp/m.h5"
expect 2 '' "the required proposals' planned average annual investment, 8.7 mDKK/year, exceeds the budget" -- "$bcsim" run "$model" -n 100 --budget 4 --require sick,igu -o "$tmp/m.h5"
expect 2 '' "--require: 'foo' is not one of the model's proposals" -- "$bcsim" run "$model" -n 100 --require foo -o "$tmp/m.h5"
expect 2 '' "--exclude: 'bar' is not one of the model's proposals" -- "$bcsim" run "$model" -n 100 --exclude sick,bar -o "$tmp/m.h5"
expect 2 '' 'cannot be both required \(--require\) and excluded' -- "$bcsim" run "$model" -n 100 --require sick --exclude sick -o "$tmp/m.h5"
expect 2 '' "--packages: 'some' is not auto, all or off" -- "$bcsim" run "$model" -n 100 --packages some -o "$tmp/m.h5"
expect 2 '' 'the package rules need the packages, and --packages is off' -- "$bcsim" run "$model" -n 100 --packages off --budget 5 -o "$tmp/m.h5"
expect 2 '' '50 proposals, more than the 16 whose packages are enumerated' -- "$bcsim" run "$cat" -n 100 --packages all --max-loss-probability 0.2 -o "$tmp/m.h5"
[ -e "$tmp/m.h5" ] && bad "a refused run left a file" || ok
# the catalogue's memory (--dry-run): the same at 2 x 10^4 runs and at 10^8, within the
# target of 100 MB, nothing written; and a run's peak resident memory within it plus
# 32 MiB for the process, its libraries, the model and its sampler (not in a sanitizer
# build, whose shadow memory is not the program's)
estimate() {
  "$bcsim" run "$cat" --dry-run --threads 2 -n "$1" -o "$tmp/dry.h5" |
    grep -oE '\([0-9]+ bytes\)' | grep -oE '[0-9]+'
}
e1=$(estimate 20000)
e2=$(estimate 100000000)
if [ -n "$e1" ] && [ "$e1" = "$e2" ] && [ "$e1" -lt 100000000 ] && [ ! -e "$tmp/dry.h5" ]; then
  ok
else
  bad "the catalogue's memory estimate: '$e1' bytes at 2e4 runs, '$e2' at 1e8 (or a file written)"
fi
if (ulimit -v $((4 * 1024 * 1024)) && "$bcsim" --version) >/dev/null 2>&1; then
  rss=$("$py" -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)' \
    "$bcsim" run "$cat" -n 20000 --threads 2 -o "$tmp/cat-mem.h5" --quiet)
  if [ -n "$rss" ] && [ -n "$e1" ] && [ "$rss" -le $((e1 + 32 * 1048576)) ]; then
    ok
  else
    bad "the catalogue's run: peak RSS '$rss' bytes, more than the estimate '$e1' + 32 MiB"
  fi
fi
expect 2 '' 'shard 1/3 is missing' -- "$bcsim" merge "$tmp/part-0.h5" "$tmp/part-2.h5" -o "$tmp/m.h5"
expect 2 '' 'part-1.h5 and .*part-1.h5 are both shard 1/3' -- "$bcsim" merge "$tmp/part-0.h5" "$tmp/part-1.h5" "$tmp/part-1.h5" "$tmp/part-2.h5" -o "$tmp/m.h5"
"$bcsim" run "$model" -n 300000 --seed 6 --block 512 --shard 2/3 -o "$tmp/seed6.h5" --quiet
expect 2 '' 'seed6.h5 belongs to another seed than' -- "$bcsim" merge "$tmp/part-0.h5" "$tmp/part-1.h5" "$tmp/seed6.h5" -o "$tmp/m.h5"
"$bcsim" run "$model" -n 300000 --seed 5 --block 512 --shard 2/3 --set igu.investment=5 -o "$tmp/set.h5" --quiet
expect 2 '' 'set.h5 belongs to other --set overrides' -- "$bcsim" merge "$tmp/part-0.h5" "$tmp/part-1.h5" "$tmp/set.h5" -o "$tmp/m.h5"
"$bcsim" run "$model" -n 300000 --seed 5 --block 512 --shard 2/4 -o "$tmp/of4.h5" --quiet
expect 2 '' 'of4.h5 belongs to another number of shards' -- "$bcsim" merge "$tmp/part-0.h5" "$tmp/part-1.h5" "$tmp/of4.h5" -o "$tmp/m.h5"
expect 2 '' 'is a checkpoint or a shard|not a checkpoint or a shard' -- "$bcsim" merge "$tmp/one.h5" -o "$tmp/m.h5"
expect 2 '' "--shard: '3/3' is not I/N" -- "$bcsim" run "$model" --shard 3/3 -o "$tmp/m.h5"
[ -e "$tmp/m.h5" ] && bad "a refused merge left a file" || ok

# killed (SIGKILL) and resumed, stopped (SIGTERM) and resumed: as if uninterrupted
big=6000000
"$bcsim" run "$model" -n $big --seed 7 -o "$tmp/full.h5" --quiet
"$bcsim" run "$model" -n $big --seed 7 -o "$tmp/res.h5" --quiet --checkpoint "$tmp/ck.h5" --checkpoint-every 0 &
pid=$!
for _ in $(seq 100); do [ -e "$tmp/ck.h5" ] && break; sleep 0.05; done
sleep 0.3
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
if [ -e "$tmp/ck.h5" ] && [ ! -e "$tmp/res.h5" ]; then ok; else bad "no checkpoint after SIGKILL, or a result already"; fi
"$bcsim" run "$model" -n $big --seed 7 -o "$tmp/res.h5" --quiet --resume "$tmp/ck.h5" --checkpoint-every 0 &
pid=$!
sleep 0.5
kill -TERM $pid 2>/dev/null
wait $pid
st=$?
if [ $st -eq 75 ] || [ $st -eq 0 ]; then ok; else bad "SIGTERM with a checkpoint gave status $st, want 75"; fi
[ -e "$tmp/res.h5" ] || "$bcsim" run "$model" -n $big --seed 7 -o "$tmp/res.h5" --quiet --resume "$tmp/ck.h5"
expect 0 'identical' '' -- "$py" "$src/tests/h5same.py" "$tmp/full.h5" "$tmp/res.h5"
expect 2 '' 'from another model or setting: seed 7, not 8' -- "$bcsim" run "$model" -n $big --seed 8 -o "$tmp/x.h5" --resume "$tmp/ck.h5"
expect 2 '' 'from another model or setting: 6000000 runs, not 5000000' -- "$bcsim" run "$model" -n 5000000 --seed 7 -o "$tmp/x.h5" --resume "$tmp/ck.h5"
expect 2 '' 'from another model or setting: other package rules' -- "$bcsim" run "$model" -n $big --seed 7 --budget 9 -o "$tmp/x.h5" --resume "$tmp/ck.h5"
{ cat "$model"; echo "# the same model with one more comment"; } >"$tmp/comment.yaml"
expect 2 '' 'the model file.s text differs' -- "$bcsim" run "$tmp/comment.yaml" -n $big --seed 7 -o "$tmp/x.h5" --resume "$tmp/ck.h5"
expect 2 '' 'not a checkpoint' -- "$bcsim" run "$model" -n 300000 --seed 5 --block 512 -o "$tmp/x.h5" --resume "$tmp/part-0.h5"

summary
