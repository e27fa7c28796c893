#!/usr/bin/env bash
# Checks that two panic-tda binaries write the same tidy tables, byte for byte: for
# refactors of export/tidy_*.cpp and the commands that print them.
#
#   scripts/compare_tidy_tables.sh OLD_PANIC_TDA NEW_PANIC_TDA [WORKDIR]
#
# Builds one database with OLD (two seeded dummy experiments, one without prompt embeddings
# so that drift has NULLs and notes; clusterings of DummyText, DummyVision images and, across
# both, DummyText2), then runs every `analyse` table (with its variants: --curves, --chain,
# --durations, metrics, dims, outlier handlings, --penalty, --model, an experiment given)
# in table, csv and json to standard output and in csv and parquet to files, one error case,
# and `export data` in csv and parquet (all experiments, one, one model) with each binary.
# Compares every file (standard output, standard error, exit code, written tables); progress
# lines are compared without their rates. Prints the count and "identical", or each file
# that differs, and exits 1 then.
set -euo pipefail
old=$(realpath "$1")
new=$(realpath "$2")
work=${3:-$(mktemp -d)}
mkdir -p "$work"
cd "$work"
db=$work/tidy.db
rm -f "$db" "$db-wal" "$db-shm"
cat > config.json <<'JSON'
{"networks": [["DummyT2I", "DummyI2T"], ["DummyT2I2", "DummyI2T2"]], "seeds": [42, 7, 3, 11, -1],
 "prompts": ["a red apple on a wooden table", "a penguin by a campfire"],
 "embedding_models": ["DummyText", "DummyText2", "DummyVision"], "max_length": 40}
JSON
"$old" --db "$db" experiment run config.json --threads 2 > /dev/null 2>&1
"$old" --db "$db" experiment run config.json --threads 2 --stages runs,embeddings,diagrams > /dev/null 2>&1
"$old" --db "$db" cluster run --experiment latest --model DummyText > /dev/null 2>&1
"$old" --db "$db" cluster run --experiment latest --model DummyVision --include-images > /dev/null 2>&1
"$old" --db "$db" cluster run --all --model DummyText2 > /dev/null 2>&1

tables() {  # binary, output folder
  local b=$1 o=$2 n=0
  rm -rf "$o"; mkdir -p "$o"
  run() {
    local name=$1; shift
    (cd "$o" && "$b" --db "$db" "$@" > "$name.out" 2> "$name.err"; echo $? > "$name.rc") || true
    n=$((n + 1))
  }
  local v tag f cl
  for v in drift lyapunov "lyapunov --curves" transitions "transitions --chain" runlengths \
           "distances --model DummyText" "distances --model DummyVision --dim 0" \
           "distances --model DummyText2 --metric bottleneck --dim 0" "distances --model DummyVision --metric sorted-l1" \
           distances "distances --model DummyText --solver auction --delta 0.01" changepoints "changepoints --penalty 3" \
           runs "runs --durations" "drift --model DummyVision" "transitions --outliers include --no-self-transitions" \
           "transitions --chain --outliers break" "runlengths --outliers include"; do
    tag=$(echo "$v" | tr ' ' '_')
    for f in table csv json; do run "analyse_${tag}_$f" analyse $v --format $f --threads 2; done
    run "analyse_${tag}_parquet" analyse $v --format parquet --output "analyse_${tag}.parquet"
    run "analyse_${tag}_csvfile" analyse $v --format csv --output "analyse_${tag}.csv"
  done
  for cl in $("$b" --db "$db" --json cluster list | /usr/bin/python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(sys.stdin)))'); do
    for v in transitions "transitions --chain" runlengths; do
      run "analyse_$(echo "$v" | tr ' ' '_')_${cl}_csv" analyse $v --clustering "$cl" --format csv
    done
  done
  local all first
  all=$("$b" --db "$db" --json experiment list | /usr/bin/python3 -c 'import json,sys; print(" ".join(e["id"] for e in json.load(sys.stdin)))')
  first=${all%% *}
  run analyse_drift_first_csv analyse drift "$first" --format csv
  run analyse_runs_first_json analyse runs --experiment "$first" --format json
  for f in csv parquet; do
    run "export_all_$f" export data $all --format $f --output "export_all_$f" --threads 2
    run "export_first_$f" export data "$first" --format $f --output "export_first_$f"
    run "export_model_$f" export data $all --model DummyText --format $f --output "export_model_$f"
  done
  echo "$n commands"
}
tables "$old" "$work/old" > /dev/null
tables "$new" "$work/new" > /dev/null

bad=0 count=0
if ! diff <(cd old && find . -type f | sort) <(cd new && find . -type f | sort); then bad=1; fi
while read -r f; do
  count=$((count + 1))
  if [[ $f == *.err ]]; then
    cmp -s <(sed -E 's/[0-9.]+\/s, ETA .*//' "old/$f") <(sed -E 's/[0-9.]+\/s, ETA .*//' "new/$f") || { echo "differs: $f"; bad=1; }
  else
    cmp -s "old/$f" "new/$f" || { echo "differs: $f"; bad=1; }
  fi
done < <(cd old && find . -type f | sort)
if [ "$bad" = 0 ]; then echo "$count files compared: identical"; else echo "$count files compared: DIFFERENT"; exit 1; fi
