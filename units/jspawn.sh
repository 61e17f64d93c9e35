#!/bin/sh
# /usr/bin/jspawn: see jspawn(1). A short-lived JVM: C1 only, no perf data file in /tmp,
# JVM messages only as warnings on stderr; with the class archive scripts/install built for
# the JVM it names (jspawn(1), FILES), when there is one.
lib=${JSPAWN_LIB:-/usr/share/jspawn/lib} # another install tree, for benchmarks
cds=${JSPAWN_CDS:-/var/cache/jspawn}
java=${JSPAWN_JAVA:-java} archive= # JSPAWN_JAVA: the JVM of build-archives' training runs
if [ -r "$cds/jspawn.jvm" ] && read -r jvm archive < "$cds/jspawn.jvm" && [ -x "$jvm" ] && [ -r "${archive#*=}" ]; then java=$jvm; else archive=; fi
# The jar of the version installed with this launcher (scripts/install and the package write it in below);
# its manifest's Class-Path names every other jar it needs, by version too: jars of another version in lib/ are never used.
jar=$lib/jspawn-cli-@VERSION@.jar
[ -r "$jar" ] || { echo "jspawn: $jar is missing (it is installed with this launcher: install jspawn again)" >&2; exit 1; }
# --enable-native-access (for JNA) only where the JVM warns without it, Java 24 on (JEP 472), or whose version is not
# known here: on Java 17 the option turns off the JDK class archive's module graph (about 13 ms of each start).
native=--enable-native-access=ALL-UNNAMED
case $java in */bin/java) [ -r "${java%/bin/java}/release" ] && while IFS= read -r l; do
    case $l in 'JAVA_VERSION="1'[7-9]*|'JAVA_VERSION="2'[0-3]*) native= ;; esac; done < "${java%/bin/java}/release" ;; esac
exec "$java" -XX:TieredStopAtLevel=1 -XX:-UsePerfData $native -Xlog:disable -Xlog:all=warning:stderr $archive ${JSPAWN_JVM_TRAIN:-} \
    -cp "$jar" dev.jspawn.cli.Main "$@"
