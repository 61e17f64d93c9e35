#!/bin/sh
# /usr/libexec/jspawn/jspawn-prepare --failure-file FILE TIMEOUT MountLayers SIGNATURE PRIVATE_USERS MACHINE UPPER WORK ENV_FILE COUNT BASE:TARGET...
# What jspawn-dirs@NAME.service runs before each mount of a container's overlay: jspawn-call's arguments for the
# helper's MountLayers. A running helper that has served one before is asked first: it answers in a few
# milliseconds, faster than mount(8) (its first call, in a JVM still cold, would not be).
#
# When the helper prepared this container's overlay last time, it wrote down what it did and what that depended on
# (the file "prepared" beside ENV_FILE; see jspawn(1), HELPER). If all of that still holds, this mounts the views
# of the bases again itself, with mount(8) (or jspawn-bind-idmapped), and the start does not wait for the helper's
# JVM: the same arguments; the image root, upper and work dirs, the files the helper wrote, the views' mount points
# and those of a stack's layers' clones (nothing left mounted there), and each layer of a stack, each the same file with the same owner
# and mode; the host's resolv.conf unchanged; each base's link still naming the version mounted, and no rollout
# pinning the child; enough free space; and each view, once mounted, owned as the helper's was. A view is the
# version's tree bound read-only (and idmapped), or for a stack the read-only overlay of each layer's clone.
# Anything else, and the call goes to the helper (jspawn-call), which decides afresh and writes the file again.
set -u
LC_ALL=C
export LC_ALL

number() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }

# Why the helper is asked after all (said in the journal): false, for "|| changed WHAT".
why=
changed() { why=$1; return 1; }

# Reads one line of the file (fd 3) into $line.
next() { IFS= read -r line <&3; }

# Reads a count and that many lines into $lines, one a line.
counted() {
    next && number "$line" || return 1
    n=$line lines=
    while [ "$n" -gt 0 ]; do
        next || return 1
        lines=${lines:+$lines
}$line
        n=$((n - 1))
    done
}

# Reads a count of paths and the paths, then a count of lines and the lines; true if `stat [-L] -c FORMAT` of the
# paths prints just those lines now. (No value holds a newline: the helper writes none then.)
same_stat() {
    format=$1 follow=$2
    counted || return 1
    paths=$lines
    counted || return 1
    set -f
    old_ifs=$IFS IFS='
'
    # split at newlines only, no globbing: one path a line
    set -- $paths
    IFS=$old_ifs
    set +f
    [ "$(/usr/bin/stat $follow -c "$format" -- "$@" 2>/dev/null)" = "$lines" ] || changed "one of $* changed"
}

# The views mounted so far, one a line, unmounted again if a later step fails.
mounted=

# Detaches each mount point of a list, one a line.
detach() {
    printf '%s\n' "$1" | while IFS= read -r t; do [ -z "$t" ] || /usr/bin/umount --lazy -- "$t"; done
}

undo() {
    detach "$mounted"
    mounted=
}

# Binds a version's tree or a layer (SOURCE) read-only at TARGET, idmapped to the range where there is one: by
# mount(8) where it can idmap (util-linux 2.39 and later list "idmapping" among libmount's features), else by
# jspawn-bind-idmapped, with the system calls the helper makes.
bind_view() {
    if [ -z "$idmap" ]; then
        /usr/bin/mount --bind -o ro -- "$1" "$2"
        return
    fi
    if [ -z "$mount_idmaps" ]; then
        case $(/usr/bin/mount --version 2>/dev/null) in *idmapping*) mount_idmaps=yes ;; *) mount_idmaps=no ;; esac
    fi
    if [ "$mount_idmaps" = yes ]; then
        /usr/bin/mount --bind -o "ro,X-mount.idmap=$idmap" -- "$1" "$2"
    else
        /usr/libexec/jspawn/jspawn-bind-idmapped "$idmap" "$1" "$2"
    fi
}
mount_idmaps=

# Mounts a stack of layers (LAYERS, one a line) again as the helper did: each layer's clone at its place (CLONES, one
# a line), read-only and idmapped, then the read-only overlay of them (OPTIONS) at TARGET; the clones are then
# detached, as the overlay holds them.
mount_stack() {
    layers=$1 clones=$2 options=$3 target=$4
    # split at newlines only, no globbing: one path a line
    set -f
    old_ifs=$IFS IFS='
'
    set -- $layers
    cloned= ok=0
    for clone in $clones; do
        bind_view "$1" "$clone" || { ok=1; break; }
        cloned=${cloned:+$cloned
}$clone
        shift
    done
    IFS=$old_ifs
    set +f
    [ "$ok" -ne 0 ] || /usr/bin/mount -t overlay -o "ro,$options" -- overlay "$target" || ok=1
    detach "$cloned"
    return "$ok"
}

# With the file on fd 3 and jspawn-call's arguments: true once the views are mounted.
replay() {
    shift 5
    upper=$3
    next && [ "$line" = "jspawn-prepared 2" ] || changed "the file it wrote is not one this reads" || return 1
    next && [ "$line" = $# ] || changed "its unit's arguments changed" || return 1
    for arg in "$@"; do
        next && [ "$line" = "$arg" ] || changed "its unit's arguments changed" || return 1
    done
    same_stat '%d %i %u %g %f' '' || return 1
    same_stat '%d %i %s %.9Y %.9Z' -L || return 1
    next && number "$line" || return 1
    need=$line
    free=$(/usr/bin/stat -f -c '%a %S' -- "$upper" 2>/dev/null) && number "${free% *}" && number "${free#* }" || return 1
    [ $((${free% *} * ${free#* })) -ge "$need" ] || changed "less than $need bytes are free for $upper" || return 1
    next || return 1
    idmap=$line
    shift 6
    for layer in "$@"; do
        link=${layer%%:*} target=${layer#*:}
        next && version=$line && next && pin=$line && next && owner=$line || return 1
        counted || return 1
        layers=$lines
        counted || return 1
        clones=$lines
        next || return 1
        options=$line
        [ ! -e "$pin" ] && [ ! -h "$pin" ] || changed "a rollout pins it ($pin)" || return 1
        [ -d "$version" ] && [ "$link" -ef "$version" ] || changed "$link is no longer $version" || return 1
        # The version's tree, or the overlay of its stack's layers.
        if [ -z "$clones" ]; then
            bind_view "$layers" "$target" || changed "mounting the view failed" || return 1
        else
            mount_stack "$layers" "$clones" "$options" "$target" || changed "mounting the view failed" || return 1
        fi
        mounted=${mounted:+$mounted
}$target
        [ "$(/usr/bin/stat -c '%u %g' -- "$target" 2>/dev/null)" = "$owner" ] || changed "the view at $target is not owned by $owner" || return 1
    done
    # What the helper said then, said again.
    counted || return 1
    said=$lines
}

if [ -e /run/jspawn-helper/mount-layers-warm ]; then
    /usr/libexec/jspawn/jspawn-call --if-running "$@"
    called=$?
    [ "$called" -eq 75 ] || exit "$called"
fi
said=
if [ $# -ge 11 ] && [ "$1" = --failure-file ] && [ "$4" = MountLayers ]; then
    record=${10%/*}/prepared
    # (A redirection that fails fails only the command it is on, where exec's would end this shell.)
    if [ -f "$record" ] && [ ! -h "$record" ]; then
        if replay "$@" 3< "$record"; then
            rm -f -- "$2"
            [ -z "$said" ] || printf '%s\n' "$said"
            echo "$7: prepared as at its last start, without the helper"
            exit 0
        fi
        undo
        echo "$7: prepared by the helper: ${why:-$record is cut short} since its last start"
    fi
fi
exec /usr/libexec/jspawn/jspawn-call "$@"
