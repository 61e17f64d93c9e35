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
# The jar of the version installed with this launcher (scripts/install and the package write it in below);
# its manifest's Class-Path names the one other jar it needs (ini4j), by version too. No other jar in lib/,
# of another version or not jspawn's, is on the class path.
jar=$lib/jspawn-generator-@VERSION@.jar
[ -r "$jar" ] || { echo "jspawn-generator: $jar is missing (it is installed with this launcher: install jspawn again)" >&2; exit 1; }
# No --enable-native-access (jspawn and the helper pass it for JNA): nothing native is on this class path, and on
# Java 17 a module option the JDK's class archive was not dumped with turns off its archived module graph (13 ms).
exec "$java" -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xlog:disable -Xlog:all=warning:stderr $archive ${JSPAWN_JVM_TRAIN:-} \
    -cp "$jar" dev.jspawn.generator.GeneratorMain "$@"
