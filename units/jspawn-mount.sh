#!/bin/sh
# /usr/libexec/jspawn/jspawn-mount [--image-command MACHINE] NAME MOUNT_UNIT WHERE ENV_FILE FAILURE_FILE [VIEW...]:
# what jspawn@NAME.service runs before systemd-nspawn (ExecStartPre=).
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
# With --image-command (Boot=no without Parameters=), it puts the image's command, which the helper
# wrote beside ENV_FILE from the base's image config, where systemd-nspawn --settings=yes reads it:
# /run/systemd/nspawn/MACHINE.nspawn (an admin's /etc/systemd/nspawn/MACHINE.nspawn comes first).
set -u
machine=
if [ "$1" = --image-command ]; then machine=$2; shift 2; fi
name=$1 unit=$2 where=$3 env=$4 failure=$5
shift 5
if ! /usr/bin/systemctl start -- "$unit"; then
    reason=$(cat -- "$failure" 2>/dev/null)
    echo "$name: Failed to mount its overlay at $where: ${reason:-see: systemctl status $unit jspawn-dirs@$name.service}" >&2
    exit 1
fi
prepared=
if [ -r "$env" ]; then
    while IFS= read -r line; do
        case $line in JSPAWN_MACHINE_ID=*) prepared=1 ;; esac
    done < "$env"
fi
if [ -z "$prepared" ]; then
    echo "$name: its overlay was not prepared for this start ($env has no machine ID);" \
        "stop it and its mount, then start it again: systemctl stop jspawn@$name.service $unit" >&2
    exit 1
fi
# The helper has just mounted each view (the overlay could not be mounted without them): one umount each, and
# one that fails says why in the journal. (No grep or mountpoint process either: a start spawns few.)
for view in "$@"; do
    /usr/bin/umount --lazy -- "$view"
done
if [ -n "$machine" ]; then
    dir=$(dirname -- "$env")
    if [ ! -f "$dir/image.nspawn" ]; then
        why=$(cat -- "$dir/image.error" 2>/dev/null) || why="the helper wrote no command for it"
        echo "$name: Boot=no without Parameters= runs its base's image command, but $why; give the command with Parameters=" >&2
        exit 1
    fi
    mkdir -p /run/systemd/nspawn
    cp -- "$dir/image.nspawn" "/run/systemd/nspawn/.$machine.nspawn.jspawn" &&
        mv -f -- "/run/systemd/nspawn/.$machine.nspawn.jspawn" "/run/systemd/nspawn/$machine.nspawn" || exit 1
fi
exit 0
