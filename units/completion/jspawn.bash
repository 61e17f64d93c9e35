# bash completion for jspawn(1), written from its command model by dev.jspawn.cli.Completion (CompletionTest keeps it so); do not edit.

# Container names (and their machine names) from the search path, as jspawn finds them; templates left out.
_jspawn_containers() {
    local IFS=: d f
    for d in ${JSPAWN_UNIT_DIRS:-/etc/jspawn:/run/jspawn:/usr/lib/jspawn}; do
        for f in "$d"/*.jspawn; do
            [ -e "$f" ] || continue
            f=${f##*/}; f=${f%.jspawn}
            case $f in *@) continue ;; esac
            printf '%s\n' "$f"
            [ "$f" = "${f//[_@]/-}" ] || printf '%s\n' "${f//[_@]/-}"
        done
    done
}
# Base names: the versioned bases, the .base files, and the other directories of the image root
# that are no container's (NAME, NAME_up, NAME_work, NAME_backup).
_jspawn_bases() {
    local IFS=: root=${JSPAWN_IMAGE_ROOT:-/var/lib/jspawn} d f
    for f in "$root"/.jspawn/bases/*; do [ -d "$f" ] && printf '%s\n' "${f##*/}"; done
    for d in ${JSPAWN_UNIT_DIRS:-/etc/jspawn:/run/jspawn:/usr/lib/jspawn}; do
        for f in "$d"/*.base; do [ -e "$f" ] && { f=${f##*/}; printf '%s\n' "${f%.base}"; }; done
    done
    for f in "$root"/*; do
        [ -d "$f" ] || continue
        case $f in *_up|*_work|*_backup) continue ;; esac
        [ -e "${f}_up" ] && continue
        printf '%s\n' "${f##*/}"
    done
}

_jspawn_bash() {
    local cur=${COMP_WORDS[COMP_CWORD]} path= i w subs= opts= operand=
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case "$path $w" in
            " list"|" status"|" health"|" start"|" stop"|" restart"|" enable"|" disable"|" cat"|" verify"|" create"|" remove"|" prune"|" restore"|" convert-userns"|" base"|" base list"|" base create"|" base update"|" base pull"|" base push"|" base upgrade"|" base versions"|" base rollback"|" base gc"|" base remove"|" auto-upgrade"|" register"|" unregister") path="$path $w" ;;
        esac
    done
    case "$path" in
        "") subs="list status health start stop restart enable disable cat verify create remove prune restore convert-userns base auto-upgrade register unregister" opts="--help --no-block --version" ;;
        " list") subs="" opts="--help --json --no-block --no-legend --no-pager --size --version" ;;
        " status") subs="" opts="--help --json --no-block --no-pager --version"; operand=container ;;
        " health") subs="" opts="--help --json --no-block --no-legend --no-pager --version"; operand=container ;;
        " start") subs="" opts="--help --no-block --version"; operand=container ;;
        " stop") subs="" opts="--help --no-block --version"; operand=container ;;
        " restart") subs="" opts="--help --no-block --version"; operand=container ;;
        " enable") subs="" opts="--help --no-block --now --version"; operand=container ;;
        " disable") subs="" opts="--help --no-block --now --version"; operand=container ;;
        " cat") subs="" opts="--help --no-block --version"; operand=container ;;
        " verify") subs="" opts="--help --no-block --version"; operand=file ;;
        " create") subs="" opts="--base --bind --bind-ro --help --machine-name --network --no-block --no-reload --port --version" ;;
        " remove") subs="" opts="--help --no-block --purge --stop --version"; operand=container ;;
        " prune") subs="" opts="--dry-run --help --no-block --prefer-base --stop --version"; operand=container ;;
        " restore") subs="" opts="--help --no-block --stop --version"; operand=container ;;
        " convert-userns") subs="" opts="--help --no-block --stop --version"; operand=container ;;
        " base") subs="list create update pull push upgrade versions rollback gc remove" opts="--help --image-root --no-block --version" ;;
        " base list") subs="" opts="--help --image-root --json --no-block --no-legend --no-pager --version" ;;
        " base create") subs="" opts="--from-dir --from-tar --help --image-root --mirror --networkd --no-block --no-networkd --pacstrap --root-password-file --suite --version" ;;
        " base update") subs="" opts="--help --image-root --no-block --version"; operand=base ;;
        " base pull") subs="" opts="--authfile --cert-dir --creds --help --image-root --max-layer-entries --max-layer-size --no-block --tls-verify --version"; operand=base ;;
        " base push") subs="" opts="--authfile --cert-dir --creds --help --image-root --no-block --tls-verify --version"; operand=base ;;
        " base upgrade") subs="" opts="--batch --help --image-root --no-block --no-rollback --order --prefer-base --up-timeout --version"; operand=base ;;
        " base versions") subs="" opts="--help --image-root --json --no-block --no-legend --no-pager --version"; operand=base ;;
        " base rollback") subs="" opts="--help --image-root --no-block --version"; operand=base ;;
        " base gc") subs="" opts="--help --image-root --no-block --version"; operand=base ;;
        " base remove") subs="" opts="--help --image-root --no-block --version"; operand=base ;;
        " auto-upgrade") subs="" opts="--batch --help --image-root --no-block --up-timeout --version" ;;
        " register") subs="" opts="--directory --help --no-block --timeout --version" ;;
        " unregister") subs="" opts="--help --no-block --unit --version" ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    case $operand in
        container) subs="$subs $(_jspawn_containers 2>/dev/null)" ;;
        base) subs="$subs $(_jspawn_bases 2>/dev/null)" ;;
        file) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
    COMPREPLY+=($(compgen -W "$subs" -- "$cur"))
}
complete -F _jspawn_bash jspawn
