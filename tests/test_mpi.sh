#!/usr/bin/env bash
# test_mpi.sh: a run divided among MPI ranks equals the run in one process, bit
# for bit. Built and registered only with -DBCSIM_MPI=ON.
# Usage: test_mpi.sh BCSIM SRCDIR
set -u
bcsim=$(realpath "$1") # absolute, so that relative arguments work from anywhere
src=$(realpath "$2")
model=$src/models/aarhus-2026.yaml
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
# as root in CI, Open MPI needs to be told that this is intended
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi() { mpirun --oversubscribe -np "$@"; }

# ok, bad, check, summary (tests/lib.sh)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1

"$bcsim" run "$model" -n 400000 --seed 3 --block 512 --threads 2 -o "$tmp/serial.h5" --quiet
check "mpirun -np 2 runs" mpi 2 "$bcsim" run "$model" -n 400000 --seed 3 --block 512 --threads 1 -o "$tmp/np2.h5" --quiet
check "np 2 equals serial" "$py" "$src/tests/h5same.py" "$tmp/serial.h5" "$tmp/np2.h5"
check "mpirun -np 3 runs" mpi 3 "$bcsim" run "$model" -n 400000 --seed 3 --block 512 --threads 1 -o "$tmp/np3.h5" --quiet
check "np 3 equals serial" "$py" "$src/tests/h5same.py" "$tmp/serial.h5" "$tmp/np3.h5"
# an input spread over 10^4 mDKK: quantile windows, which every rank places alike
wide=(--set igu.investment=uniform:0,10000 -n 200000 --seed 4 --block 512 --quiet)
"$bcsim" run "$model" "${wide[@]}" --threads 2 -o "$tmp/wide1.h5"
check "mpirun -np 2, quantile windows" mpi 2 "$bcsim" run "$model" "${wide[@]}" --threads 1 -o "$tmp/wide2.h5"
check "windows: np 2 equals serial" "$py" "$src/tests/h5same.py" "$tmp/wide1.h5" "$tmp/wide2.h5"
check "the windows were used" "$py" -c "import h5py, sys; assert h5py.File(sys.argv[1]).attrs['quantile_resolution'] > 2**-11" "$tmp/wide1.h5"
# more ranks than segments: some ranks have nothing to do
check "mpirun -np 3, one segment" mpi 3 "$bcsim" run "$model" -n 5000 --seed 3 -o "$tmp/small3.h5" --quiet
"$bcsim" run "$model" -n 5000 --seed 3 -o "$tmp/small1.h5" --quiet
check "tiny run equals serial" "$py" "$src/tests/h5same.py" "$tmp/small1.h5" "$tmp/small3.h5"
# the summary is printed once, by rank 0
mpi 2 "$bcsim" run "$model" -n 100000 -o "$tmp/p.h5" >"$tmp/print" 2>&1
n=$(grep -c '^  portfolio' "$tmp/print")
[ "$n" -eq 1 ] && ok || bad "summary printed $n times"
# bad input on every rank: one message, status 2, no file
mpi 2 "$bcsim" run "$model" -n 0 -o "$tmp/bad.h5" >"$tmp/bad" 2>&1
st=$?
[ $st -ne 0 ] && [ ! -e "$tmp/bad.h5" ] && ok || bad "bad input under MPI gave $st"
# Sobol' indices divided among ranks equal one process's, bit for bit
"$bcsim" sobol "$model" -n 5000 --replicates 40 --threads 2 -o "$tmp/sob1.h5" --quiet
check "mpirun -np 2 sobol" mpi 2 "$bcsim" sobol "$model" -n 5000 --replicates 40 --threads 1 -o "$tmp/sob2.h5" --quiet
check "sobol np 2 equals serial" "$py" "$src/tests/h5same.py" "$tmp/sob1.h5" "$tmp/sob2.h5"
check "mpirun -np 3 sobol" mpi 3 "$bcsim" sobol --model sobol-g -n 3000 --replicates 16 --threads 1 -o "$tmp/g3.h5" --quiet
"$bcsim" sobol --model sobol-g -n 3000 --replicates 16 -o "$tmp/g1.h5" --quiet
check "sobol np 3 equals serial" "$py" "$src/tests/h5same.py" "$tmp/g1.h5" "$tmp/g3.h5"
# what is not divided among ranks is refused, not run twice
mpi 2 "$bcsim" base "$model" >"$tmp/base" 2>&1
st=$?
[ $st -eq 2 ] && grep -q "only 'bcsim run' and 'bcsim sobol'" "$tmp/base" && ok || { bad "base under MPI gave $st"; cat "$tmp/base"; }

summary
