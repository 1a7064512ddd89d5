#!/usr/bin/env bash
# The byte-identity proof for a refactor: builds BASE (a commit, default
# HEAD) and the working tree, runs both on every shipped model (`run`) and
# experiment (`sweep`, `plan` for one with [plan], `assert` for one with
# [[assert]]), and compares every output file byte for byte — CSVs, JSON,
# Markdown and PNGs. Only the build's commit hash, which names the binary,
# is masked. Exit 0 when everything is identical, 1 with the differing
# files listed.
#
#   bash tests/identity/compare.sh [BASE] [--quick] [--new-ok NAME]... [--new-column NAME]...
#
# --quick skips the capacity plan (about 40 s a side). --new-ok NAME lets
# files called NAME exist after but not before (a new output file, listed,
# while every file that existed stays byte-identical). --new-column NAME
# lets a CSV column NAME (and a sweep's NAME_mean, NAME_ci95) exist after
# but not before: it is cut from every
# CSV on both sides (both rewritten by the same code), and every other
# cell must be identical. Needs git and cargo; takes 2-4 minutes on two
# cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
base=HEAD
quick=0
new_ok=()
new_columns=()
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --new-ok) new_ok+=("$2"); shift ;;
    --new-column) new_columns+=("$2"); shift ;;
    *) base=$1 ;;
  esac
  shift
done
work=$(mktemp -d /tmp/outage-sim-identity.XXXXXX)
trap 'git -C "$root" worktree remove --force "$work/base-tree" >/dev/null 2>&1 || true' EXIT

echo "building $base and the working tree"
git -C "$root" worktree add --detach "$work/base-tree" "$base" >/dev/null
(cd "$work/base-tree" && CARGO_TARGET_DIR="$work/base-target" cargo build --release --quiet)
(cd "$root" && cargo build --release --quiet)

# Both binaries run from the same path and write to the same folder names,
# so command lines recorded in the outputs are the same.
outputs() { # side binary
  local side=$1 binary=$2 bin="$work/bin/outage-sim"
  mkdir -p "$work/bin" "$work/$side"
  cp "$binary" "$bin"
  cd "$root"
  for model in models/*.toml; do
    name=$(basename "$model" .toml)
    # A model or experiment BASE does not have has nothing to compare with.
    [ -e "$work/base-tree/$model" ] || { echo "$model" >>"$work/$side/new-inputs"; continue; }
    "$bin" run "$model" --out "$work/out/run-$name" >/dev/null 2>&1 || echo "run $name: exit $?" >>"$work/$side/exits"
  done
  for experiment in experiments/*.toml; do
    name=$(basename "$experiment" .toml)
    [ -e "$work/base-tree/$experiment" ] || { echo "$experiment" >>"$work/$side/new-inputs"; continue; }
    if grep -q '^\[plan\]' "$experiment"; then
      [ "$quick" = 1 ] && continue
      command=plan
    elif grep -q '^\[\[assert\]\]' "$experiment"; then
      command=assert
    else
      command=sweep
    fi
    extra=()
    [ "$command" = sweep ] && extra=(--quiet)
    "$bin" "$command" "$experiment" --out "$work/out/$name" "${extra[@]}" >/dev/null 2>&1 \
      || echo "$command $name: exit $?" >>"$work/$side/exits"
  done
  find "$work/out" -name '.outage-sim.lock' -delete
  mv "$work/out" "$work/$side/out"
}
outputs base "$work/base-target/release/outage-sim"
outputs new "$root/target/release/outage-sim"

# Cuts the --new-column columns from a CSV, by header name. Base files
# (without them) go through the same code, so quoting is the same.
cut_columns() {
  python3 - "$1" "${new_columns[@]}" <<'PY'
import csv, sys
path = sys.argv[1]
drop = {n + s for n in sys.argv[2:] for s in ("", "_mean", "_ci95")}
rows = list(csv.reader(open(path, newline="")))
keep = [i for i, name in enumerate(rows[0] if rows else []) if name not in drop]
out = csv.writer(sys.stdout, lineterminator="\n")
for row in rows:
    out.writerow([row[i] for i in keep if i < len(row)])
PY
}
mask() {
  if [ ${#new_columns[@]} -gt 0 ] && [[ $1 == *.csv ]]; then
    cut_columns "$1" | sed -E 's/(commit|git_commit)([": ]+)[0-9a-f]{7,40}/\1\2COMMIT/g'
  else
    sed -E 's/(commit|git_commit)([": ]+)[0-9a-f]{7,40}/\1\2COMMIT/g' "$1"
  fi
}
status=0
files=0
cd "$work/base/out"
while IFS= read -r file; do
  files=$((files + 1))
  other="$work/new/out/$file"
  if [ ! -e "$other" ]; then
    echo "missing after: $file"; status=1; continue
  fi
  case $file in
    *.png) cmp -s "$file" "$other" || { echo "differs: $file"; status=1; } ;;
    *) cmp -s <(mask "$file") <(mask "$other") || { echo "differs: $file"; status=1; } ;;
  esac
done < <(find . -type f | sort)
extra=$(cd "$work/new/out" && find . -type f | sort | comm -13 <(cd "$work/base/out" && find . -type f | sort) -)
allowed=0
while IFS= read -r file; do
  [ -z "$file" ] && continue
  ok=0
  for name in "${new_ok[@]+"${new_ok[@]}"}"; do [ "$(basename "$file")" = "$name" ] && ok=1; done
  if [ $ok = 1 ]; then allowed=$((allowed + 1)); else echo "new after: $file"; status=1; fi
done <<<"$extra"
[ $allowed -gt 0 ] && echo "$allowed new files allowed by --new-ok (${new_ok[*]})"
[ ${#new_columns[@]} -gt 0 ] && echo "new columns cut before comparing CSVs: ${new_columns[*]}"
[ -e "$work/new/new-inputs" ] && echo "not in $base, not compared: $(sort -u "$work/new/new-inputs" | tr '\n' ' ')"
if ! diff <(cat "$work/base/exits" 2>/dev/null) <(cat "$work/new/exits" 2>/dev/null); then
  echo "exit codes differ"; status=1
fi
echo "$files files compared ($base vs working tree): $([ $status = 0 ] && echo identical || echo DIFFERENT)"
[ $status = 0 ] && rm -rf "$work"
exit $status
