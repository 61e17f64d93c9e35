#!/bin/sh
# /usr/libexec/jspawn/jspawn-register TIMEOUT Register ssu MACHINE DIRECTORY MAINPID
# /usr/libexec/jspawn/jspawn-register TIMEOUT Unregister ss MACHINE UNIT
# /usr/libexec/jspawn/jspawn-register --await TIMEOUT Register ssu MACHINE DIRECTORY NSPAWN-PID
# What jspawn@NAME.service runs once systemd-nspawn has started (ExecStartPost=) and after it stopped
# (ExecStopPost=): jspawn-call's arguments for the helper's Register and Unregister. What it can settle
# with busctl, it does itself, so that neither waits for the helper's JVM:
#
# Where systemd-nspawn registers the guest itself (systemd 258 and later: the helper then sets
# JSPAWN_REGISTER=yes in the environment file the unit reads), it looks: that machined has MACHINE,
# registered for the unit systemd-nspawn (MAINPID) runs in.
#
# Before (JSPAWN_REGISTER=no), a running helper is asked, as jspawn-nspawn has asked it already when
# nspawn started. Without one, this registers the guest as the helper would (jspawn-nspawn has left
# this with --await to do so as soon as nspawn made the guest), when machined has no machine of that
# name, or finds it registered already with the same leader. Its leader is nspawn's child that is
# PID 1 of its own PID namespace (all read from the kernel's /proc, nothing from the guest's files),
# its machine ID nspawn's --uuid=, its interface the host side of its veth, ve-MACHINE (vb- on a
# bridge or zone), by that name in the host's /sys. Anything else (a registration left of the same
# name, a name nspawn shortened, a failed call) goes to the helper.
#
# At the stop, a machine machined no longer has is nothing to remove, and the unit's own is removed.
# Anything else goes to the helper (jspawn-call), which registers, removes, or says what is wrong.
set -u
proc=/proc net=/sys/class/net
# A method call or a property (one a line, as busctl prints them: s "...", u N): the reply, or busctl's error.
call() { /usr/bin/busctl call --timeout="$timeout" -- "$@" 2>&1; }
property() { /usr/bin/busctl get-property --timeout="$timeout" -- "$@" 2>&1; }
manager() { call org.freedesktop.machine1 /org/freedesktop/machine1 org.freedesktop.machine1.Manager "$@"; }
# machined's answer for MACHINE: its object path, or an error.
get_machine() { manager GetMachine s "$machine"; }
# The object path in a reply: o "PATH".
object() {
    case $1 in 'o "/'*'"') path=${1#o \"} path=${path%\"} ;; *) return 1 ;; esac
}
number() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }

# Whether process $1 is PID 1 of a PID namespace below this one: its NSpid (which the kernel writes) ends in 1.
pid_one() {
    while IFS= read -r l; do
        case $l in
        NSpid:*)
            set -- ${l#NSpid:}
            [ $# -gt 1 ] || return 1
            shift $(($# - 1))
            [ "$1" = 1 ]
            return
            ;;
        esac
    done < "$proc/$1/status"
    return 1
}

# machined's object path for MACHINE $1 ($mpath), as sd-bus escapes a label: each byte but a letter, or a digit
# after the first, as _ and two hex digits. False for a byte other than those a machine name may hold.
machine_object() {
    rest=$1 escaped= mpath=
    while [ -n "$rest" ]; do
        c=${rest%"${rest#?}"} rest=${rest#?}
        case $c in
        [abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]) escaped=$escaped$c ;;
        [0123456789]) if [ -n "$escaped" ]; then escaped=$escaped$c; else escaped=_3$c; fi ;;
        -) escaped=${escaped}_2d ;;
        .) escaped=${escaped}_2e ;;
        _) escaped=${escaped}_5f ;;
        *) return 1 ;;
        esac
    done
    [ -n "$escaped" ] && mpath=/org/freedesktop/machine1/machine/$escaped
}

# The leader of the guest of systemd-nspawn $1: its child that is PID 1 of a PID namespace. False with $why set: 1
# for several, 2 for none (yet).
find_leader() {
    nspawn=$1 leader=
    for children in "$proc/$nspawn"/task/*/children; do
        kids=
        { IFS= read -r kids || :; } 2>/dev/null < "$children"
        for kid in $kids; do
            number "$kid" && pid_one "$kid" 2>/dev/null || continue
            [ -z "$leader" ] || { why="systemd-nspawn has several children that are PID 1 of a namespace"; return 1; }
            leader=$kid
        done
    done
    [ -n "$leader" ] || { why="systemd-nspawn (PID $nspawn) has no child that is PID 1 of a namespace"; return 2; }
}

# systemd-nspawn's own options ($1's, up to "--": what follows is the guest's command line): its machine ID ($bytes)
# and the prefix of its veth's host side ($veth, empty for none). False with $why set.
nspawn_options() {
    uuid= veth=
    args=$(/usr/bin/tr '\0' '\n' < "$proc/$1/cmdline" 2>/dev/null) || { why="cannot read systemd-nspawn's command line"; return 1; }
    while IFS= read -r a; do
        case $a in
        --) break ;;
        --uuid=*) uuid=${a#--uuid=} ;;
        --network-veth) veth=ve- ;;
        --network-bridge=* | --network-zone=*) veth=vb- ;;
        esac
    done <<END
$args
END
    # The 16 bytes of the UUID (32 hex digits, with or without dashes), as busctl's arguments.
    hex= rest=$uuid
    while [ -n "$rest" ]; do
        c=${rest%"${rest#?}"} rest=${rest#?}
        case $c in -) ;; [0-9a-fA-F]) hex=$hex$c ;; *) hex= rest= ;; esac
    done
    [ ${#hex} -eq 32 ] || { why="systemd-nspawn has no --uuid="; return 1; }
    bytes=
    while [ -n "$hex" ]; do
        bytes="$bytes $((0x${hex%"${hex#??}"}))" hex=${hex#??}
    done
}

# The interface of MACHINE $1, the host side of its veth, if it has one ($interfaces, $said). False with $why set: 1
# where it never will be found, 2 where nspawn has not made it yet.
find_link() {
    interfaces=0 said=
    [ -n "$veth" ] || return 0
    link=$veth$1 ifindex=
    # Longer than IFNAMSIZ allows, nspawn shortens it, and only the helper finds it.
    [ ${#link} -le 15 ] || { why="no interface $link"; return 1; }
    { IFS= read -r ifindex || :; } 2>/dev/null < "$net/$link/ifindex" && number "$ifindex" || { why="no interface $link"; return 2; }
    interfaces="1 $ifindex" said=", interface index [$ifindex]"
}

# Whether machined has MACHINE ($1) with the leader found: registered by an earlier call for this start. One call
# to machined: the Leader of its object ($leader_now: "u N", or busctl's error).
registered_already() {
    machine_object "$1" && leader_now=$(property org.freedesktop.machine1 "$mpath" org.freedesktop.machine1.Machine Leader) \
        && [ "$leader_now" = "u $leader" ] && echo "Machine $1 registered already (leader $leader)."
}

# With the leader found: 0 if machined has MACHINE ($1) registered already with it (said), 1 if it has no machine of
# that name, 2 (with $why set) for anything else.
known() {
    leader_now=
    registered_already "$1" && return 0
    case $leader_now in
    *"Unknown object '$mpath'"*) return 1 ;;
    esac
    case $(get_machine) in
    *"No machine '$1' known"*) return 1 ;;
    esac
    why="machined has a machine $1 already, or did not answer"
    return 2
}

# With the leader, nspawn's options and the interface found: registers MACHINE ($1) with root directory $2, or finds
# it registered already by a call that came first; false, with $why set, if machined refused it.
register_found() {
    # (unquoted: one argument each)
    reply=$(manager RegisterMachineWithNetwork sayssusai "$1" 16 $bytes jspawn container "$leader" "$2" $interfaces) \
        || { why=$reply; registered_already "$1"; return; }
    echo "Registered machine $1 (leader $leader$said)."
}

# Registers the guest of systemd-nspawn $3 as MACHINE ($1) with root directory $2, where machined has no
# machine of that name, or finds it registered already with this leader; false, with $why set, for anything
# this leaves to the helper.
register() {
    find_leader "$3" || return 1
    known "$1"
    case $? in 0) return 0 ;; 2) return 1 ;; esac
    nspawn_options "$3" && find_link "$1" && register_found "$1" "$2"
}

# Runs a step of finding the guest of systemd-nspawn $nspawn again every 5 ms while it says "not yet" (2) and nspawn
# runs, at most $tries times in all; its status, 1 for "not in time".
poll() {
    while :; do
        "$@"
        status=$?
        [ "$status" -eq 2 ] || return "$status"
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] && [ -d "$proc/$nspawn" ] || return 1
        /usr/bin/sleep 0.005
    done
}

# --await (from jspawn-nspawn, in the background, where no helper runs): waits until systemd-nspawn $3 has made
# the guest's PID 1 and its veth, and registers it then, as nspawn does itself before the guest's init runs, rather
# than once the init is up (ExecStartPost=, which then finds it registered). nspawn's command line is read once
# its child is there (nspawn has been exec'd by then). Quiet: ExecStartPost= says what fails.
if [ "${1:-}" = --await ]; then
    shift
    [ "${JSPAWN_REGISTER:-}:$2:$3:$#" = no:Register:ssu:6 ] || exit 0
    timeout=$1 machine=$4 nspawn=$6 tries=1000
    poll find_leader "$6" && nspawn_options "$6" && poll find_link "$4" || exit 0
    known "$4"
    [ $? -ne 1 ] || register_found "$4" "$5" 2>/dev/null
    exit 0
fi

why=
if [ $# -ge 5 ]; then
    timeout=$1 machine=$4
    case ${JSPAWN_REGISTER:-}:$2:$3:$# in
    yes:Register:ssu:6)
        # As the helper looks: machined has MACHINE, for the unit nspawn (MAINPID) runs in.
        if reply=$(get_machine) \
            && object "$reply" && reply=$(property org.freedesktop.machine1 "$path" org.freedesktop.machine1.Machine Unit Leader) \
            && unit=${reply%%
*} leader=${reply#*
u } && number "$leader" \
            && reply=$(call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager GetUnitByPID u "$6") \
            && object "$reply" && reply=$(property org.freedesktop.systemd1 "$path" org.freedesktop.systemd1.Unit Id) \
            && { [ "$reply" = "$unit" ] || { reply="machined has it for ${unit#s }, systemd-nspawn runs in ${reply#s }" && false; }; }; then
            echo "Machine $machine registered by systemd-nspawn (leader $leader)."
            exit 0
        fi
        # (The helper says what is wrong.)
        echo "$machine: the helper looks at its registration: ${reply:-}"
        ;;
    no:Register:ssu:6)
        # (The helper's runtime directory is there while it runs.)
        if [ -d /run/jspawn-helper ]; then
            /usr/libexec/jspawn/jspawn-call --if-running "$@"
            called=$?
            [ "$called" -eq 75 ] || exit "$called"
        fi
        register "$4" "$5" "$6" && exit 0
        echo "$machine: registered by the helper: $why"
        ;;
    yes:Unregister:ss:5 | no:Unregister:ss:5)
        reply=$(get_machine)
        case $reply in
        *"No machine '$machine' known"*)
            # machined dropped the machine when the guest ended: nothing to remove.
            echo "Machine $machine was not registered."
            exit 0
            ;;
        esac
        if object "$reply" && [ "$(property org.freedesktop.machine1 "$path" org.freedesktop.machine1.Machine Unit)" = "s \"$5\"" ] \
            && manager UnregisterMachine s "$machine" >/dev/null; then
            echo "Unregistered machine $machine."
            exit 0
        fi
        ;;
    esac
fi
exec /usr/libexec/jspawn/jspawn-call "$@"
