#!/bin/sh
# /usr/lib/systemd/system-generators/jspawn-generator: see jspawn-generator(8).
# Runs early at boot with LANG unset: force UTF-8 so file names are read as systemd-escape reads them.
LC_ALL=C.UTF-8
export LC_ALL
lib=${JSPAWN_LIB:-/usr/share/jspawn/lib} # another install tree, for benchmarks
exec java -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xshare:auto -Xlog:disable -Xlog:all=warning:stderr \
    -cp "$lib/jspawn-generator.jar:$lib/ini4j.jar" dev.jspawn.generator.GeneratorMain "$@"
