#!/usr/bin/env python3
"""Times commands in alternation (A B C, C B A, ...) rather than in blocks as hyperfine does, so that a drift of the
machine (page cache, the file system's recently freed inodes, a neighbour on the VM) weighs on every command alike.
Usage: python3 bench/alternate.py RUNS NAME=COMMAND... ; prints each command's mean and median, and the first
command's ratio to and paired difference from each other one. Commands run without a shell, their output discarded; a failure is reported."""
import os
import statistics
import sys
import time

runs = int(sys.argv[1])
commands = [arg.split("=", 1) for arg in sys.argv[2:]]
times = {name: [] for name, _ in commands}
devnull = os.open(os.devnull, os.O_WRONLY)
warmup = 3
for i in range(warmup + runs):
    for name, command in commands if i % 2 == 0 else reversed(commands):
        argv = command.split()
        start = time.perf_counter_ns()
        pid = os.posix_spawnp(argv[0], argv, os.environ,
                              file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status = os.waitpid(pid, 0)
        elapsed = (time.perf_counter_ns() - start) / 1e6
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"alternate: {name} failed: {command}")
        if i >= warmup:
            times[name].append(elapsed)
for name, values in times.items():
    print(f"{name:20} mean {statistics.mean(values):7.1f} ms  median {statistics.median(values):7.1f} ms  "
          f"sd {statistics.stdev(values):5.1f}")
first = commands[0][0]
for name, _ in commands[1:]:
    print(f"{first}/{name} = {statistics.mean(times[first]) / statistics.mean(times[name]):.2f} (means), "
          f"{statistics.median(times[first]) / statistics.median(times[name]):.2f} (medians)")
# Each round runs every command once, so the difference within a round cancels the machine's drift: its mean and
# standard error resolve changes of a few tenths of a millisecond that the separate means hide (this VM's sd is ~8 ms).
for name, _ in commands[1:]:
    differences = [a - b for a, b in zip(times[first], times[name])]
    error = statistics.stdev(differences) / len(differences) ** 0.5
    print(f"{first}-{name} = {statistics.mean(differences):+.2f} ms per round (standard error {error:.2f}), "
          f"median {statistics.median(differences):+.2f}")
