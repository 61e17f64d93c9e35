#!/bin/sh
# /usr/libexec/jspawn/jspawn-call [--if-running] [--failure-file FILE] TIMEOUT METHOD SIGNATURE ARG...
# How jspawn's units call the helper (dev.jspawn.Helper1.METHOD, see jspawn(1), HELPER): with
# systemd's busctl, so no start waits for a JVM of its own.
#
# The helper is started by systemd (systemctl start jspawn-helper.service), not by the bus:
# systemctl returns as soon as the helper fails to start, where a bus activation keeps every
# caller waiting for the bus's activation timeout (25 s). A call that fails because the helper
# was not running, or went away before it answered (it was killed, it crashed), is made again on a
# freshly started helper, at most twice: every method is idempotent. A failure the helper itself
# answered ("jspawn: ...") is final.
#
# --if-running: the call is made only if the helper is running, and not made again: without an
# answer from the helper, this exits with 75 and starts nothing (jspawn-prepare and jspawn-register then do
# without it).
#
# --failure-file FILE: a failure's reason is also written to FILE, so that the container's own
# unit can say it (jspawn@.service does); FILE is removed when the call succeeds.
set -u
failure= if_running=
if [ "${1:-}" = --if-running ]; then if_running=1; shift; fi
if [ "${1:-}" = --failure-file ]; then failure=$2; shift 2; fi
timeout=$1; shift
starts=0
while :; do
    if out=$(/usr/bin/busctl call --auto-start=no --timeout="$timeout" -- \
        dev.jspawn.Helper /dev/jspawn/Helper dev.jspawn.Helper1 "$@" 2>&1); then
        [ -z "$out" ] || printf '%s\n' "$out"
        [ -z "$failure" ] || rm -f -- "$failure"
        exit 0
    fi
    case $out in *"Call failed: jspawn: "*) break ;; esac
    [ -z "$if_running" ] || exit 75
    [ "$starts" -lt 2 ] || break
    starts=$((starts + 1))
    /usr/bin/systemctl start jspawn-helper.service || true
done
printf '%s\n' "$out" >&2
if [ -n "$failure" ]; then
    reason=${out#Call failed: }
    mkdir -p -- "${failure%/*}" && printf '%s\n' "${reason#jspawn: }" > "$failure.tmp" && mv -f -- "$failure.tmp" "$failure"
fi
exit 1
