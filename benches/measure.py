"""Runs a command and prints its wall time, rows/s and peak RSS (kernel
rusage via os.wait4), appending `name<TAB>wall<TAB>rss_mib` to a results
file; the benchmark scripts compute their ratios from it.

    measure.py NAME ROWS RESULTS COMMAND [ARGS...]
"""
import os
import sys
import time

name, rows, results, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
t = time.time()
pid = os.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
_, status, ru = os.wait4(pid, 0)
wall = time.time() - t
if status != 0:
    sys.exit(f"{name} failed with status {status}")
rss = ru.ru_maxrss / 1024
rate = f"{rows / wall:,.0f} rows/s" if rows else ""
print(f"{name:<8} {wall:8.1f} s  peak RSS {rss:8.0f} MiB  {rate}", flush=True)
with open(results, "a") as f:
    f.write(f"{name}\t{wall}\t{rss}\n")
