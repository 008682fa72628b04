#!/bin/bash
# Before/after over sockets, in turns: like scripts/bench_turns.sh, for scripts/bench_e2e.py.
# `git archive` each commit into a tree of its own, then run each tree's bench_e2e.py in turn
# (its `kotowari run` starts from that tree: `python -m bot.cli` in the tree), TURNS times,
# with `uptime` before each run. The per-repeat detail lines are left out.
#
#   scripts/e2e_turns.sh TURNS "COMMIT COMMIT …" --users 20 --repeat 2
#   scripts/e2e_turns.sh TURNS "COMMIT COMMIT …" hol --repeat 2
set -euo pipefail
turns=$1 commits=$2
shift 2
python=${PYTHON:-$(pwd)/.venv/bin/python}
root=${TREES_DIR:-/tmp/kotowari-trees}
for commit in $commits; do
  tree=$root/$(git rev-parse --short "$commit")
  if [ ! -d "$tree" ]; then mkdir -p "$tree" && git archive "$commit" | tar -x -C "$tree"; fi
done
for i in $(seq 1 "$turns"); do
  for commit in $commits; do
    short=$(git rev-parse --short "$commit")
    echo "== $short turn $i $(date -u +%H:%M:%S) $(uptime | sed 's/.*load/load/')"
    (cd "$root/$short" && "$python" scripts/bench_e2e.py "$@" 2>&1 | grep -v '^    ' | sed "s/^/$short #$i | /")
  done
done
