#!/bin/sh
# /usr/bin/jspawn: see jspawn(1). A short-lived JVM: C1 only, no perf data file in /tmp,
# JVM messages only as warnings on stderr.
exec java -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xshare:auto -Xlog:disable -Xlog:all=warning:stderr \
    -cp '/usr/share/jspawn/lib/*' dev.jspawn.cli.Main "$@"
