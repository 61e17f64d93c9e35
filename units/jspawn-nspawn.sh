#!/bin/sh
# /usr/libexec/jspawn/jspawn-nspawn MACHINE DIRECTORY SYSTEMD-NSPAWN [ARG...]
# What jspawn@NAME.service runs as its main process: systemd-nspawn, by exec, so that the unit's main
# PID is nspawn's (Type=notify). First, where jspawn's helper registers the guest with machined
# (JSPAWN_REGISTER=no in the environment file the unit reads: before systemd 258), it asks the helper
# to register the guest of this process, without waiting for the answer. The helper waits for
# nspawn's child, PID 1 of the guest's own PID namespace, and registers it before it execs the init,
# as nspawn does itself where it registers. ExecStartPost='s jspawn-register then finds the guest
# registered, or registers it if this call did not come through: a helper not running now is not
# started here, and without one jspawn-register registers the guest itself.
set -u
machine=$1 directory=$2
shift 2
if [ "${JSPAWN_REGISTER:-}" = no ]; then
    /usr/bin/busctl call --expect-reply=no --auto-start=no -- \
        dev.jspawn.Helper /dev/jspawn/Helper dev.jspawn.Helper1 Register ssu "$machine" "$directory" "$$" >/dev/null 2>&1 || :
fi
exec "$@"
