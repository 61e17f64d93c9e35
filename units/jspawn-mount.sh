#!/bin/sh
# /usr/libexec/jspawn/jspawn-mount NAME MOUNT_UNIT WHERE ENV_FILE FAILURE_FILE [VIEW...]: what
# jspawn@NAME.service runs before systemd-nspawn (ExecStartPre=).
#
# Mounts the container's overlay through systemd (systemctl start MOUNT_UNIT, which runs
# jspawn-dirs@NAME.service first: it prepares the overlay at every mount, so the overlay sees the
# current version of each base), and says why when that fails (the reason jspawn-dirs@ left in
# FAILURE_FILE). jspawn@NAME.service unmounts the overlay again when it stops (ExecStopPost=), so
# that every start, a restart and a guest's reboot included, runs the bases' current versions.
# Then it checks that the overlay was prepared for this start (ENV_FILE, which the service reads,
# has the machine ID: jspawn-dirs@ runs at every start of the mount, even one already mounted),
# and detaches the idmapped views of the bases (VIEW...) that the overlay was made of: once
# mounted, it holds its layers itself, so nothing of them stays once it goes.
set -u
name=$1 unit=$2 where=$3 env=$4 failure=$5
shift 5
if ! /usr/bin/systemctl start -- "$unit"; then
    reason=$(cat -- "$failure" 2>/dev/null)
    echo "$name: Failed to mount its overlay at $where: ${reason:-see: systemctl status $unit jspawn-dirs@$name.service}" >&2
    exit 1
fi
if ! grep -qs '^JSPAWN_MACHINE_ID=' "$env"; then
    echo "$name: its overlay was not prepared for this start ($env has no machine ID);" \
        "stop it and its mount, then start it again: systemctl stop jspawn@$name.service $unit" >&2
    exit 1
fi
for view in "$@"; do
    if /usr/bin/mountpoint -q -- "$view"; then /usr/bin/umount --lazy -- "$view"; fi
done
exit 0
