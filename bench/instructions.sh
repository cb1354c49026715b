#!/bin/bash
# Instructions per call of a pickle workload, two builds side by side: a
# measure that this machine's slow spells do not move (times here swing 2x).
#
#   bash bench/instructions.sh <dist A> <dist B> <workload> [lo] [hi]
#
# Each build runs under valgrind (cachegrind, counting only) with V8 made
# deterministic (--predictable and fixed seeds), once making `lo` calls and
# once `hi`; the difference over hi - lo is the cost of a call, start-up and
# warm-up left out. Both builds are seen at one path (a private bind mount,
# so root): the path's text alone moved counts by ~3%. GC and write barriers
# are counted apart, as "gc": when a collection falls inside the window
# depends on where it starts, not on the code measured (where the two "gc" figures
# differ much, or one is negative, some of a collection was counted as the
# code's: take another window). Two runs of one build
# agree to 0.01%. Instructions are not time (a cache miss costs more than an
# add), so a change is also timed; they tell what a change does to the
# work, where times need dozens of turns to tell 5% apart.
# Needs valgrind (Debian: valgrind) and util-linux's unshare.
set -euo pipefail
a=$(realpath "$1"); b=$(realpath "$2"); wl=$3; lo=${4:-30}; hi=${5:-90}
here=$(dirname "$(realpath "$0")")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/dist"

count() { # count <dist> <calls> <out>
  unshare -m sh -c "mount --bind '$1' '$work/dist' && valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file='$3' \
    node --predictable --random-seed=1 --hash-seed=1 '$here/instructions.mjs' '$work/dist' '$wl' '$2'" >/dev/null 2>&1
}
for side in a b; do
  dist=$a; [ $side = b ] && dist=$b
  (count "$dist" "$lo" "$work/$side.lo"; count "$dist" "$hi" "$work/$side.hi") &
done
wait
python3 - "$work" "$lo" "$hi" "$wl" <<'PY'
import re, subprocess, sys
work, lo, hi, wl = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
gc = re.compile(r"RecordWrite|MarkingBarrier|WriteBarrier|Marking|Scaveng|Sweep|Evacuat|Compact|GCTracer|Heap::|Worklist|RememberedSet|SlotSet|MemoryChunk|Collector")
def by_function(path):
    out = subprocess.run(["cg_annotate", "--threshold=0.001", path], capture_output=True, text=True).stdout
    rows = {}
    for line in out.splitlines():
        m = re.match(r"\s*([0-9,]+) \(\s*[0-9.]+%\)\s+(.*)", line)
        if m and "PROGRAM TOTALS" not in line:
            rows[m.group(2).strip()] = rows.get(m.group(2).strip(), 0) + int(m.group(1).replace(",", ""))
    return rows
def per_call(side):
    l, h = by_function(f"{work}/{side}.lo"), by_function(f"{work}/{side}.hi")
    d = {k: (h.get(k, 0) - l.get(k, 0)) / (hi - lo) for k in set(l) | set(h)}
    g = sum(v for k, v in d.items() if gc.search(k))
    return sum(d.values()) - g, g
(ma, ga), (mb, gb) = per_call("a"), per_call("b")
print(f"{wl}: instructions a call A {ma/1e6:.3f}M B {mb/1e6:.3f}M, B/A {mb/ma:.4f} (gc A {ga/1e6:.2f}M B {gb/1e6:.2f}M)")
PY
