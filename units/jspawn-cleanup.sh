#!/bin/sh
# /usr/libexec/jspawn/jspawn-cleanup MACHINE DIRECTORY: what jspawn@NAME.service runs after systemd-nspawn
# has ended (ExecStopPost=), a restart and a guest's reboot included.
#
# A systemd-nspawn that ended without cleaning up (killed, or systemd#36455) leaves its unix-export
# mount behind, and the next start of that machine then fails with "Mount point
# '/run/systemd/nspawn/…' exists already, refusing". Where systemd-nspawn has --cleanup (it removes
# exactly what it leaves), this runs it, as systemd-nspawn@.service itself does there
# (ExecStopPost=systemd-nspawn --cleanup --machine=%i), with the container's DIRECTORY: without one,
# it looks for an image of that name where machinectl keeps images, and finds none for a jspawn
# container ("No image for machine"). systemd-nspawn 256 and 257 have no --cleanup
# and keep that mount at /run/systemd/nspawn/unix-export/MACHINE: it is unmounted here. Older ones
# make none.
set -u
machine=$1 directory=$2
# The image's command that jspawn-mount put there (its first line says so); an admin's file stays.
settings=/run/systemd/nspawn/$machine.nspawn
if head -n 1 -- "$settings" 2>/dev/null | grep -q '^# Written by jspawn'; then rm -f -- "$settings"; fi
if /usr/bin/systemd-nspawn --help 2>/dev/null | grep -q -- '--cleanup'; then
    exec /usr/bin/systemd-nspawn --quiet --cleanup --machine="$machine" --directory="$directory"
fi
dir=/run/systemd/nspawn/unix-export/$machine
if /usr/bin/mountpoint -q -- "$dir"; then /usr/bin/umount --lazy -- "$dir"; fi
rmdir -- "$dir" 2>/dev/null
exit 0
