package dev.jspawn.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * bash and zsh completion for jspawn, written from picocli's model of the command (so they know
 * every subcommand and option), completing container names and base names from the files and
 * directories themselves: a TAB never starts a JVM. The scripts live in units/completion and are
 * installed by scripts/install and the .deb; CompletionTest keeps them equal to what this writes.
 */
final class Completion {

    private Completion() {
    }

    /** What a command's first operand is: a configured container, a base, a file, or nothing to complete. */
    enum Operand { NONE, CONTAINER, BASE, FILE }

    /** One command path (" base versions"), its words (subcommands and options) and what its operand is. */
    record Node(String path, List<String> subcommands, List<String> options, Operand operand) {
    }

    static List<Node> nodes(CommandSpec root) {
        List<Node> out = new ArrayList<>();
        walk(root, "", out);
        return out;
    }

    private static void walk(CommandSpec spec, String path, List<Node> out) {
        Map<String, CommandSpec> subs = new LinkedHashMap<>();
        for (Map.Entry<String, CommandLine> e : spec.subcommands().entrySet()) {
            CommandSpec s = e.getValue().getCommandSpec();
            if (!s.usageMessage().hidden() && s.parent() == spec && !s.name().equals("help")) subs.put(e.getKey(), s);
        }
        TreeSet<String> options = new TreeSet<>();
        for (OptionSpec o : spec.options()) {
            if (o.hidden()) continue;
            for (String n : o.names()) if (n.startsWith("--")) options.add(n);
            if (o.negatable()) for (String n : o.names()) if (n.startsWith("--") && !n.startsWith("--no-")) options.add("--no-" + n.substring(2));
        }
        Operand operand = Operand.NONE;
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (p.index().min() != 0) continue;
            String label = p.paramLabel();
            if (label.equals("FILE")) operand = Operand.FILE;
            else if (label.equals("NAME") && path.startsWith(" base") && !path.equals(" base create")) operand = Operand.BASE;
            else if (label.equals("NAME") && !path.equals(" create") && !path.startsWith(" base")) operand = Operand.CONTAINER;
        }
        out.add(new Node(path, new ArrayList<>(subs.keySet()), new ArrayList<>(options), operand));
        for (Map.Entry<String, CommandSpec> e : subs.entrySet()) walk(e.getValue(), path + " " + e.getKey(), out);
    }

    /** Shell functions both scripts share: container and base names, read from the directories, as jspawn reads them. */
    private static final String NAMES_TEMPLATE = """
            # Container names (and their machine names) from the search path, as jspawn finds them; templates left out.
            _jspawn_containers() {
                @LOCALS@ d f
                for d in @DIRS@; do
                    for f in "$d"/*.jspawn; do
                        [ -e "$f" ] || continue
                        f=${f##*/}; f=${f%.jspawn}
                        case $f in *@) continue ;; esac
                        printf '%s\\n' "$f"
                        [ "$f" = "${f//[_@]/-}" ] || printf '%s\\n' "${f//[_@]/-}"
                    done
                done
            }
            # Base names: the versioned bases, the .base files, and the other directories of the image root
            # that are no container's (NAME, NAME_up, NAME_work, NAME_backup).
            _jspawn_bases() {
                @LOCALS@ root=${JSPAWN_IMAGE_ROOT:-/var/lib/jspawn} d f
                for f in "$root"/.jspawn/bases/*; do [ -d "$f" ] && printf '%s\\n' "${f##*/}"; done
                for d in @DIRS@; do
                    for f in "$d"/*.base; do [ -e "$f" ] && { f=${f##*/}; printf '%s\\n' "${f%.base}"; }; done
                done
                for f in "$root"/*; do
                    [ -d "$f" ] || continue
                    case $f in *_up|*_work|*_backup) continue ;; esac
                    [ -e "${f}_up" ] && continue
                    printf '%s\\n' "${f##*/}"
                done
            }
            """;

    private static final String DIRS = "${JSPAWN_UNIT_DIRS:-/etc/jspawn:/run/jspawn:/usr/lib/jspawn}";
    private static final String BASH_NAMES = NAMES_TEMPLATE.replace("@LOCALS@", "local IFS=:").replace("@DIRS@", DIRS);
    private static final String ZSH_NAMES = NAMES_TEMPLATE.replace("@LOCALS@", "setopt localoptions nullglob; local").replace("@DIRS@", "${(s.:.)" + DIRS + "}");

    static String bash(CommandSpec root) {
        StringBuilder sb = new StringBuilder();
        sb.append("# bash completion for jspawn(1), written from its command model by dev.jspawn.cli.Completion"
                + " (CompletionTest keeps it so); do not edit.\n\n");
        sb.append(BASH_NAMES).append('\n');
        sb.append("_jspawn_bash() {\n");
        sb.append("    local cur=${COMP_WORDS[COMP_CWORD]} path= i w subs= opts= operand=\n");
        sb.append("    for ((i = 1; i < COMP_CWORD; i++)); do\n");
        sb.append("        w=${COMP_WORDS[i]}\n");
        sb.append("        case \"$path $w\" in\n");
        sb.append("            ").append(String.join("|", paths(root).stream().map(p -> "\"" + p + "\"").toList())).append(") path=\"$path $w\" ;;\n");
        sb.append("        esac\n");
        sb.append("    done\n");
        sb.append("    case \"$path\" in\n");
        for (Node n : nodes(root)) {
            sb.append("        \"").append(n.path()).append("\") subs=\"").append(String.join(" ", n.subcommands())).append("\" opts=\"")
                    .append(String.join(" ", n.options())).append("\"")
                    .append(n.operand() == Operand.NONE ? "" : "; operand=" + n.operand().name().toLowerCase()).append(" ;;\n");
        }
        sb.append("    esac\n");
        sb.append("    if [[ $cur == -* ]]; then\n");
        sb.append("        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n");
        sb.append("        return\n");
        sb.append("    fi\n");
        sb.append("    case $operand in\n");
        sb.append("        container) subs=\"$subs $(_jspawn_containers 2>/dev/null)\" ;;\n");
        sb.append("        base) subs=\"$subs $(_jspawn_bases 2>/dev/null)\" ;;\n");
        sb.append("        file) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n");
        sb.append("    esac\n");
        sb.append("    COMPREPLY+=($(compgen -W \"$subs\" -- \"$cur\"))\n");
        sb.append("}\n");
        sb.append("complete -F _jspawn_bash jspawn\n");
        return sb.toString();
    }

    static String zsh(CommandSpec root) {
        StringBuilder sb = new StringBuilder();
        sb.append("#compdef jspawn\n");
        sb.append("# zsh completion for jspawn(1), written from its command model by dev.jspawn.cli.Completion"
                + " (CompletionTest keeps it so); do not edit.\n\n");
        sb.append(ZSH_NAMES).append('\n');
        sb.append("_jspawn() {\n");
        sb.append("    local path_= i w operand=\n");
        sb.append("    local -a subs opts\n");
        sb.append("    for ((i = 2; i < CURRENT; i++)); do\n");
        sb.append("        w=${words[i]}\n");
        sb.append("        case \"$path_ $w\" in\n");
        sb.append("            (").append(String.join("|", paths(root).stream().map(p -> "\"" + p + "\"").toList())).append(") path_=\"$path_ $w\" ;;\n");
        sb.append("        esac\n");
        sb.append("    done\n");
        sb.append("    case \"$path_\" in\n");
        for (Node n : nodes(root)) {
            sb.append("        (\"").append(n.path()).append("\") subs=(").append(String.join(" ", n.subcommands())).append("); opts=(")
                    .append(String.join(" ", n.options())).append(")")
                    .append(n.operand() == Operand.NONE ? "" : "; operand=" + n.operand().name().toLowerCase()).append(" ;;\n");
        }
        sb.append("    esac\n");
        sb.append("    if [[ $PREFIX == -* ]]; then\n");
        sb.append("        compadd -- $opts\n");
        sb.append("        return\n");
        sb.append("    fi\n");
        sb.append("    (( ${#subs} )) && compadd -- $subs\n");
        sb.append("    case $operand in\n");
        sb.append("        (container) compadd -- ${(f)\"$(_jspawn_containers 2>/dev/null)\"} ;;\n");
        sb.append("        (base) compadd -- ${(f)\"$(_jspawn_bases 2>/dev/null)\"} ;;\n");
        sb.append("        (file) _files ;;\n");
        sb.append("    esac\n");
        sb.append("}\n\n");
        sb.append("_jspawn \"$@\"\n");
        return sb.toString();
    }

    /** Every command path but the root's, for the loop that finds where on the line the cursor is. */
    private static List<String> paths(CommandSpec root) {
        return nodes(root).stream().map(Node::path).filter(p -> !p.isEmpty()).toList();
    }
}
