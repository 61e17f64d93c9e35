#!/bin/sh
# /usr/libexec/jspawn/jspawn-nspawn MACHINE DIRECTORY SYSTEMD-NSPAWN [ARG...]
# What jspawn@NAME.service runs as its main process: systemd-nspawn, by exec, so that the unit's main
# PID is nspawn's (Type=notify). First, where jspawn registers the guest with machined (JSPAWN_REGISTER=no
# in the environment file the unit reads: before systemd 258), it sees to an early registration, as
# nspawn makes its own: before the guest's init runs. Where the helper runs, it sends the helper's
# Register for this process, without waiting for the answer; the helper waits for nspawn's child, PID 1
# of the guest's own PID namespace, and registers it. Where no helper runs (none is started here), it
# leaves jspawn-register --await in the background, which waits for that child and the veth and
# registers the guest itself with busctl. ExecStartPost='s jspawn-register then finds the guest
# registered, or registers it if neither did.
set -u
machine=$1 directory=$2
shift 2
if [ "${JSPAWN_REGISTER:-}" = no ]; then
    # (The helper's runtime directory is there while it runs.)
    if [ -d /run/jspawn-helper ]; then
        /usr/bin/busctl call --expect-reply=no --auto-start=no -- \
            dev.jspawn.Helper /dev/jspawn/Helper dev.jspawn.Helper1 Register ssu "$machine" "$directory" "$$" >/dev/null 2>&1 || :
    else
        # Not a child of nspawn's: the subshell's child, left to systemd once the subshell exits.
        (/usr/libexec/jspawn/jspawn-register --await 30 Register ssu "$machine" "$directory" "$$" < /dev/null &)
    fi
fi
exec "$@"
