#!/bin/sh
# /usr/libexec/jspawn/jspawn-register TIMEOUT Register ssu MACHINE DIRECTORY MAINPID
# /usr/libexec/jspawn/jspawn-register TIMEOUT Unregister ss MACHINE UNIT
# What jspawn@NAME.service runs once systemd-nspawn has started (ExecStartPost=) and after it stopped
# (ExecStopPost=): jspawn-call's arguments for the helper's Register and Unregister.
#
# Where systemd-nspawn registers the guest itself (systemd 258 and later: the helper then sets
# JSPAWN_REGISTER=yes in the environment file the unit reads), the helper's part is only to look:
# that machined has MACHINE, registered for the unit systemd-nspawn (MAINPID) runs in, and at the
# stop that nothing of it is left to remove. This looks itself, with busctl, so that neither waits
# for the helper's JVM. Anything else, a machine that is not the one expected included, goes to the
# helper (jspawn-call), which registers, removes, or says what is wrong.
set -u
# A method call or a property (one a line, as busctl prints them: s "...", u N): the reply, or busctl's error.
call() { /usr/bin/busctl call --timeout="$timeout" -- "$@" 2>&1; }
property() { /usr/bin/busctl get-property --timeout="$timeout" -- "$@" 2>&1; }
# machined's answer for MACHINE: its object path, or an error.
get_machine() { call org.freedesktop.machine1 /org/freedesktop/machine1 org.freedesktop.machine1.Manager GetMachine s "$machine"; }
# The object path in a reply: o "PATH".
object() {
    case $1 in 'o "/'*'"') path=${1#o \"} path=${path%\"} ;; *) return 1 ;; esac
}

if [ "${JSPAWN_REGISTER:-}" = yes ] && [ $# -ge 5 ]; then
    timeout=$1 machine=$4
    case $2:$3:$# in
    Register:ssu:6)
        # As the helper looks: machined has MACHINE, for the unit nspawn (MAINPID) runs in.
        if reply=$(get_machine) \
            && object "$reply" && reply=$(property org.freedesktop.machine1 "$path" org.freedesktop.machine1.Machine Unit Leader) \
            && unit=${reply%%
*} leader=${reply#*
u } && case $leader in '' | *[!0-9]*) false ;; esac \
            && reply=$(call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager GetUnitByPID u "$6") \
            && object "$reply" && reply=$(property org.freedesktop.systemd1 "$path" org.freedesktop.systemd1.Unit Id) \
            && { [ "$reply" = "$unit" ] || { reply="machined has it for ${unit#s }, systemd-nspawn runs in ${reply#s }" && false; }; }; then
            echo "Machine $machine registered by systemd-nspawn (leader $leader)."
            exit 0
        fi
        # (The helper says what is wrong.)
        echo "$machine: the helper looks at its registration: ${reply:-}"
        ;;
    Unregister:ss:5)
        # machined dropped the machine when nspawn's guest ended: nothing to remove.
        case $(get_machine) in
        *"No machine '$machine' known"*)
            echo "Machine $machine was not registered."
            exit 0
            ;;
        esac
        ;;
    esac
fi
exec /usr/libexec/jspawn/jspawn-call "$@"
