#!/usr/bin/env bash
# Keeps a persistent cargo target dir from filling the disk: every test binary links
# DuckDB in, so each rebuild leaves another large executable behind. Removes all but
# the newest executable of each name under deps/ (cargo relinks one if it is needed
# again) and the incremental caches, never the DuckDB build itself.
set -euo pipefail
target="${CARGO_TARGET_DIR:-$HOME/.cache/hallmark-target}"
for profile in debug release; do
    deps="$target/$profile/deps"
    [ -d "$deps" ] || continue
    # Executables are the files without an extension; group them by the name before
    # the last `-hash`, newest first, and drop the rest.
    find "$deps" -maxdepth 1 -type f -perm -u+x ! -name '*.*' -printf '%T@ %p\n' \
        | sort -rn \
        | awk '{ path = $2; n = split(path, parts, "/"); file = parts[n]; sub(/-[0-9a-f]+$/, "", file);
                 if (seen[file]++) print path }' \
        | xargs -r rm -f
    rm -rf "$target/$profile/incremental"
done
df -h "$target" | tail -n 1 | awk '{ print "prune-target: " $4 " free on " $6 }'
