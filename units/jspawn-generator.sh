#!/bin/sh
# /usr/lib/systemd/system-generators/jspawn-generator: see jspawn-generator(8).
# Runs early at boot with LANG unset: force UTF-8 so file names are read as systemd-escape reads them.
# With the class archive scripts/install built for the JVM it names (jspawn(1), FILES), when there is one.
LC_ALL=C.UTF-8
export LC_ALL
lib=${JSPAWN_LIB:-/usr/share/jspawn/lib} # another install tree, for benchmarks
cds=${JSPAWN_CDS:-/var/cache/jspawn}
java=java archive=
if [ -r "$cds/generator.jvm" ] && read -r jvm archive < "$cds/generator.jvm" && [ -x "$jvm" ] && [ -r "${archive#*=}" ]; then java=$jvm; else archive=; fi
# Only the two jars it needs (their names carry their versions), not the whole lib/*.
gen= ini=
for j in "$lib"/jspawn-generator-*.jar; do gen=$j; done
for j in "$lib"/ini4j-*.jar; do ini=$j; done
exec "$java" -XX:TieredStopAtLevel=1 -XX:-UsePerfData --enable-native-access=ALL-UNNAMED -Xlog:disable -Xlog:all=warning:stderr $archive ${JSPAWN_JVM_TRAIN:-} \
    -cp "$gen:$ini" dev.jspawn.generator.GeneratorMain "$@"
