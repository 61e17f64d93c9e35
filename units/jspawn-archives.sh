#!/bin/bash
# /usr/libexec/jspawn/build-archives [ROOT]: builds the class archives that make the generator,
# the helper and jspawn start faster, for the jars installed under ROOT (default /) and the JVM
# found now: one training run of each launcher with its own flags (an archive only matches those).
# A static AppCDS archive before Java 25, the AOT cache on 25+. Each NAME.jvm names the JVM and
# the archive; a launcher whose JVM is gone runs without one. Run by scripts/install and by the
# package at each install and upgrade; safe to run again at any time (e.g. after a Java update).
set -euo pipefail
root=${1:-/}
say() { echo "jspawn: $*"; }
cds="$root/var/cache/jspawn"
install -d -m 0755 "$cds"
rm -f "$cds"/*.jvm "$cds"/*.jsa "$cds"/*.aot
jvm=$(readlink -f "$(command -v java)" 2>/dev/null || true)
major=$("$jvm" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p' || true)
if [ -x "$jvm" ] && [ -n "$major" ] && [ "$major" -ge 17 ]; then
    train=$(mktemp -d)
    mkdir -p "$train/conf/web.jspawn.d" "$train/out"
    printf '[Container]\nBase=/var/lib/jspawn/base\n[Network]\nPort=tcp:8080:80\n[Files]\nBind=/srv:/srv\n' > "$train/conf/web.jspawn"
    printf '[Exec]\nEnvironment=A=b\n' > "$train/conf/web.jspawn.d/a.conf"
    printf '[Container]\nBase=/var/lib/jspawn/base\nMachineName=bad_name\n' > "$train/conf/bad.jspawn"
    # A launcher as installed, its JVM this one, with FLAGS added to its own options: an archive matches only those.
    with_flags() {
        local flags=$1; shift
        env JSPAWN_LIB="$root/usr/share/jspawn/lib" JSPAWN_CDS="$cds" JSPAWN_UNIT_DIRS="$train/conf" JSPAWN_LOG_STDERR=1 \
            PATH="$(dirname "$jvm"):$PATH" JSPAWN_JAVA="$jvm" JSPAWN_JVM_TRAIN="$flags" "$@" >/dev/null 2>&1
    }
    for prog in generator helper jspawn; do
        # Before 25, a static archive, dumped from the class list of the training run: a dynamic one (ArchiveClassesAtExit)
        # leaves out every class the training linked whose class file predates Java 6, which are ini4j's and picocli's
        # ("Old class has been linked"), and the lambda forms it spun.
        static=
        if [ "$major" -ge 25 ]; then out="$cds/$prog.aot" flag="-XX:AOTCacheOutput=$out" use="-XX:AOTCache=$out"
        else out="$cds/$prog.jsa" static="$cds/$prog.classlist" flag="-XX:DumpLoadedClassList=$static" use="-XX:SharedArchiveFile=$out"; fi
        case $prog in
            generator) launcher=$root/usr/lib/systemd/system-generators/jspawn-generator cmd=("$launcher" "$train/out" "$train/out" "$train/out") ;;
            # In a mount namespace of its own (root only), the helper's training also prepares a scratch child's overlay.
            helper) launcher=$root/usr/libexec/jspawn/jspawn-helper cmd=("$launcher" --train)
                if [ "$(id -u)" -eq 0 ] && unshare --mount true 2>/dev/null; then cmd=(unshare --mount -- "${cmd[@]}"); fi ;;
            jspawn) launcher=$root/usr/bin/jspawn cmd=("$launcher" verify) ;;
        esac
        with_flags "$flag" "${cmd[@]}" || true
        if [ -n "$static" ]; then
            # Dumped through the launcher as well, so with its class path and options (java dumps, then exits).
            [ -s "$static" ] && with_flags "-Xshare:dump -XX:SharedClassListFile=$static -XX:SharedArchiveFile=$out" "$launcher" || rm -f "$out"
            rm -f "$static"
        fi
        if [ -s "$out" ]; then
            echo "$jvm $use" > "$cds/$prog.jvm"
        else
            say "note: no class archive for $prog (it starts without one)"
        fi
    done
    rm -rf "$train"
fi

