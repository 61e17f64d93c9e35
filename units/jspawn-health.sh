#!/bin/sh
# /usr/libexec/jspawn/jspawn-health MACHINE RUN_DIR RETRIES START_PERIOD TIMEOUT ON_FAILURE UNIT CMD: one
# health check of a jspawn container (what jspawn-health@NAME.service runs, every HealthInterval=).
#
# CMD runs in the guest with /bin/sh -c: in all the namespaces of its init (user namespace and UID
# range included, so its root is the guest's root), as machinectl shell would place it, for at most
# TIMEOUT seconds. The state goes to RUN_DIR/health, which jspawn health reads: "starting" until the
# check first passes (failures within START_PERIOD seconds of the guest's start do not count),
# "healthy" when it passes, and "unhealthy" once it failed RETRIES times in a row; then ON_FAILURE
# (none, kill, restart or stop) is done to UNIT. The last output is kept beside it (RUN_DIR/health.log).
#
# With --wait INTERVAL first (Notify=healthy: jspawn@NAME.service's ExecStartPost=), it checks every
# INTERVAL seconds until a check passes (exit 0: the start is done) or the guest is unhealthy (exit 1:
# the start fails); HealthOnFailure= is not applied then, the failed start is the outcome.
set -u
wait_interval=
if [ "$1" = --wait ]; then wait_interval=$2; shift 2; fi
machine=$1 dir=$2 retries=$3 start=$4 timeout=$5 onfailure=$6 unit=$7 cmd=$8
if [ -n "$wait_interval" ]; then
    rm -f "$dir/health"
    while :; do
        "$0" "$machine" "$dir" "$retries" "$start" "$timeout" none "$unit" "$cmd" 2>/dev/null
        case $(sed -n 's/^status=//p' "$dir/health" 2>/dev/null) in
            healthy) exit 0 ;;
            unhealthy) echo "$machine did not become healthy: its check failed $retries times in a row:" >&2
                cat -- "$dir/health.log" >&2 2>/dev/null; exit 1 ;;
        esac
        sleep "$wait_interval"
    done
fi
state=$dir/health
read_state() { sed -n "s/^$1=//p" "$state" 2>/dev/null; }
leader=$(/usr/bin/machinectl show --property=Leader --value -- "$machine" 2>/dev/null)
[ -n "$leader" ] && [ "$leader" != 0 ] || exit 0   # not running (yet): nothing to check
# How long the guest has run: machined's start time of the machine, against the time since boot.
started=$(/usr/bin/machinectl show --property=TimestampMonotonic --value -- "$machine" 2>/dev/null)
uptime=$(cut -d' ' -f1 /proc/uptime)
elapsed=$(( ${uptime%.*} - ${started:-0} / 1000000 ))
status=$(read_state status)
failures=$(read_state failures)
[ -n "$status" ] || status=starting
[ -n "$failures" ] || failures=0
# A new guest (another leader) starts over.
[ "$(read_state leader)" = "$leader" ] || { status=starting; failures=0; }
if /usr/bin/timeout --kill-after=5 "$timeout" /usr/bin/nsenter --target "$leader" --all --setuid 0 --setgid 0 -- /bin/sh -c "$cmd" \
    > "$dir/health.log.new" 2>&1 < /dev/null; then
    status=healthy failures=0
else
    code=$?
    [ "$code" = 124 ] && echo "(timed out after ${timeout}s)" >> "$dir/health.log.new"
    if [ "$status" = starting ] && [ "$elapsed" -lt "${start%.*}" ]; then
        :   # within the start period: not counted
    else
        failures=$((failures + 1))
        if [ "$failures" -ge "$retries" ]; then status=unhealthy; fi
    fi
fi
mv -f "$dir/health.log.new" "$dir/health.log"
printf 'status=%s\nfailures=%s\nleader=%s\nchecked=%s\n' "$status" "$failures" "$leader" "$(date +%s)" > "$state.new" && mv -f "$state.new" "$state"
if [ "$status" = unhealthy ]; then
    echo "$machine is unhealthy: its check failed $failures times in a row; HealthOnFailure=$onfailure" >&2
    case $onfailure in
        kill) /usr/bin/systemctl kill --no-block -- "$unit" ;;
        restart) rm -f "$state"; /usr/bin/systemctl restart --no-block -- "$unit" ;;
        stop) /usr/bin/systemctl stop --no-block -- "$unit" ;;
    esac
fi
exit 0
