#!/bin/sh
# /usr/bin/jspawn: see jspawn(1). A short-lived JVM: C1 only, no perf data file in /tmp,
# JVM messages only as warnings on stderr.
lib=${JSPAWN_LIB:-/usr/share/jspawn/lib} # another install tree, for benchmarks
exec java -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xshare:auto -Xlog:disable -Xlog:all=warning:stderr \
    -cp "$lib/*" dev.jspawn.cli.Main "$@"
