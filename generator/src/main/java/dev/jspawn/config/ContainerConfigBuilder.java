package dev.jspawn.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.jspawn.config.ConfigLoader.Result;
import dev.jspawn.config.ContainerConfig.Bind;
import dev.jspawn.config.ContainerConfig.Network;
import dev.jspawn.config.ContainerConfig.NetworkMode;
import dev.jspawn.syntax.Diagnostic;
import dev.jspawn.syntax.UnitFile.Entry;

/**
 * Reads a container's merged lines ({@link MergedEntries}) into a {@link ContainerConfig}: each key
 * through its check ({@link Values}, {@link KeyChecks}, {@link NspawnKeys}), the defaults of the
 * keys not set, and the rules between keys (Boot= and Parameters=, the network mode, where the
 * bases may lie: {@link PathSafety}). Every error is kept, in the order found; one error and there
 * is no configuration.
 */
final class ContainerConfigBuilder {

    private final ConfigSource source;
    private final Bases bases;
    private final MergedEntries merged;
    private final List<Diagnostic> errors;

    /** For {@code source}'s {@code merged} lines, after the {@code errors} found merging them. */
    ContainerConfigBuilder(ConfigSource source, Bases bases, MergedEntries merged, List<Diagnostic> errors) {
        this.source = source;
        this.bases = bases;
        this.merged = merged;
        this.errors = new ArrayList<>(errors);
    }

    private Optional<Entry> scalar(String section, String key) {
        return merged.scalar(section, key);
    }

    /** The assignments in effect of a list key, at most {@link ConfigLoader#MAX_LIST} of them (more is an error). */
    private List<Entry> list(String section, String key) {
        List<Entry> all = merged.list(section, key);
        int max = ConfigLoader.MAX_LIST;
        if (all.size() > max) {
            error(all.get(max), "more than " + max + " " + key + "= entries (" + all.size() + "); jspawn takes at most " + max);
            return all.subList(0, max);
        }
        return all;
    }

    private void error(Entry e, String message) {
        errors.add(new Diagnostic(e.file(), e.line(), e.section(), e.key(), message));
    }

    private void fileError(String message) {
        errors.add(Diagnostic.ofFile(source.file(), message));
    }

    interface Check<T> {
        T apply(String value) throws Values.Invalid;
    }

    private <T> Optional<T> check(Optional<Entry> entry, Check<T> check) {
        if (entry.isEmpty()) return Optional.empty();
        try {
            return Optional.of(check.apply(entry.get().value()));
        } catch (Values.Invalid ex) {
            error(entry.get(), ex.getMessage());
            return Optional.empty();
        }
    }

    private <T> List<T> checkAll(List<Entry> entries, Check<T> check) {
        List<T> out = new ArrayList<>();
        for (Entry e : entries) check(Optional.of(e), check).ifPresent(out::add);
        return out;
    }

    /** The configuration, or every error found (merging's first), in the order found. */
    Result build() {
        String name = source.name();
        ContainerName.problem(name).ifPresent(this::fileError);

        String imageRoot = check(scalar("Container", "ImageRoot"), PathSafety::imageRoot).orElse(ConfigLoader.DEFAULT_IMAGE_ROOT);

        Optional<Entry> baseEntry = scalar("Container", "Base");
        List<String> lowerDirs = List.of();
        if (baseEntry.isEmpty()) {
            fileError("[Container] Base= is missing: name the base image (a directory under " + imageRoot + ", or an absolute path)");
        } else {
            lowerDirs = check(baseEntry, v -> bases.lowerDirs(v, imageRoot)).orElse(List.of());
        }
        Optional<Entry> versionEntry = scalar("Container", "BaseVersion");
        Optional<Integer> version = check(versionEntry, Bases::version);
        if (version.isPresent() && baseEntry.isPresent() && !lowerDirs.isEmpty()) {
            // Held on one version: its own base's version directory instead of IMAGE_ROOT/BASE, the current one.
            String value = baseEntry.get().value();
            if (value.startsWith("/")) {
                error(versionEntry.get(), "BaseVersion= needs Base= to name a base under the image root, not the path " + value);
            } else {
                List<String> held = new ArrayList<>(lowerDirs);
                held.set(0, Bases.versionDir(imageRoot, value, version.get()));
                lowerDirs = List.copyOf(held);
            }
        }

        Optional<Entry> machineEntry = scalar("Container", "MachineName");
        String machineName;
        if (machineEntry.isPresent()) {
            machineName = check(machineEntry, KeyChecks::machineName).orElse(null);
        } else {
            machineName = ContainerName.defaultMachineName(name);
            Optional<String> p = ContainerName.machineNameProblem(machineName);
            if (p.isPresent()) {
                fileError(p.get() + " (derived from the file name); set [Container] MachineName=");
                machineName = null;
            }
        }

        boolean boot = check(scalar("Exec", "Boot"), Values::bool).orElse(true);
        boolean notifyReady = check(scalar("Exec", "NotifyReady"), Values::bool).orElse(false);
        Optional<Entry> paramEntry = scalar("Exec", "Parameters");
        Optional<List<String>> parsedParameters = check(paramEntry, Values::words);
        List<String> parameters = parsedParameters.orElse(List.of());
        if (!boot && parsedParameters.isPresent() && (parameters.isEmpty() || parameters.get(0).isEmpty())) {
            error(paramEntry.get(), "no command given");
        }
        if (!boot && notifyReady) {
            error(scalar("Exec", "NotifyReady").get(), "NotifyReady=yes needs Boot=yes: jspawn waits for the guest's systemd to finish booting");
        }
        // Boot=no without Parameters=: the command of the base's image (a pulled one), which jspawn@'s start checks.
        List<String> environment = checkAll(list("Exec", "Environment"), Values::environment);
        String workingDirectory = check(scalar("Exec", "WorkingDirectory"), KeyChecks::workingDirectory).orElse(null);

        List<Bind> binds = new ArrayList<>(checkAll(list("Files", "Bind"), v -> KeyChecks.bind(v, false)));
        binds.addAll(checkAll(list("Files", "BindReadOnly"), v -> KeyChecks.bind(v, true)));

        Network network = network();
        ContainerConfig.PrivateUsers privateUsers = check(scalar("Exec", "PrivateUsers"), Values::privateUsers)
                .orElse(ContainerConfig.PrivateUsers.PICK);

        String machineId = check(scalar("Exec", "MachineID"), KeyChecks::machineId).orElse(null);
        String resolvConf = check(scalar("Exec", "ResolvConf"), KeyChecks::resolvConf).orElse(null);
        String linkJournal = check(scalar("Exec", "LinkJournal"), KeyChecks::linkJournal).orElse("try-guest");
        List<String> nspawnOptions = nspawnOptions();
        if (boot && check(scalar("Exec", "ProcessTwo"), Values::bool).orElse(false)) {
            error(scalar("Exec", "ProcessTwo").get(), "ProcessTwo=yes runs a command as PID 2; it cannot be combined with Boot=yes");
        }
        for (Entry e : list("Container", "NspawnArgs")) check(Optional.of(e), NspawnKeys::extraArgs).ifPresent(nspawnOptions::addAll);
        HealthCheck health = health();

        String where = imageRoot + "/" + name;
        String upper = ChildDirs.upper(where);
        String work = ChildDirs.work(where);
        for (String problem : PathSafety.baseProblems(lowerDirs, where, upper, work)) error(baseEntry.get(), problem);
        if (!errors.isEmpty()) return new Result(Optional.empty(), List.copyOf(errors));
        return new Result(Optional.of(new ContainerConfig(name, source, machineName, imageRoot, lowerDirs,
                where, upper, work, boot, notifyReady, parameters, environment, workingDirectory, binds, network, privateUsers,
                machineId, resolvConf, linkJournal, nspawnOptions, merged.unitSettings(), health)), List.of());
    }

    /** The [Container] Health* keys: a check, or null without HealthCmd= (or with HealthCmd=none, as Quadlet has it). */
    private HealthCheck health() {
        Optional<String> cmd = check(scalar("Container", "HealthCmd"), HealthCheck::command);
        long interval = check(scalar("Container", "HealthInterval"), HealthCheck::timeSpan).orElse(HealthCheck.DEFAULT_INTERVAL);
        int retries = check(scalar("Container", "HealthRetries"), HealthCheck::retries).orElse(HealthCheck.DEFAULT_RETRIES);
        long start = check(scalar("Container", "HealthStartPeriod"), HealthCheck::timeSpan).orElse(0L);
        long timeout = check(scalar("Container", "HealthTimeout"), HealthCheck::timeSpan).orElse(HealthCheck.DEFAULT_TIMEOUT);
        HealthCheck.OnFailure onFailure = check(scalar("Container", "HealthOnFailure"), HealthCheck::onFailure).orElse(HealthCheck.OnFailure.NONE);
        boolean notifyHealthy = check(scalar("Container", "Notify"), v -> {
            if (!v.trim().equals("healthy")) throw new Values.Invalid("\"" + v + "\" is not healthy (the unit is ready once its check passes)");
            return true;
        }).orElse(false);
        if (interval < 1000) scalar("Container", "HealthInterval").ifPresent(e -> error(e, "an interval of less than 1s"));
        if (timeout < 1) scalar("Container", "HealthTimeout").ifPresent(e -> error(e, "a timeout of 0"));
        if (cmd.isEmpty() || cmd.get().equals("none")) {
            for (String k : java.util.List.of("HealthInterval", "HealthRetries", "HealthStartPeriod", "HealthTimeout", "HealthOnFailure", "Notify")) {
                scalar("Container", k).ifPresent(e -> error(e, k + "= needs HealthCmd= (the check to run)"));
            }
            return null;
        }
        return new HealthCheck(cmd.get(), interval, retries, start, timeout, onFailure, notifyHealthy);
    }

    /** The systemd.nspawn(5) keys passed on as options, in the order of that page. */
    private List<String> nspawnOptions() {
        List<String> out = new ArrayList<>();
        for (NspawnKeys.Key k : NspawnKeys.KEYS.values()) {
            switch (k.shape()) {
                case FLAG -> {
                    if (check(scalar(k.section(), k.name()), Values::bool).orElse(false)) out.add(k.option());
                }
                case SCALAR -> check(scalar(k.section(), k.name()), k.check()::apply).ifPresent(v -> out.addAll(k.words(v)));
                case EACH -> checkAll(list(k.section(), k.name()), k.check()::apply).forEach(v -> out.add(k.option() + "=" + v));
                case JOINED -> {
                    List<String> parts = checkAll(list(k.section(), k.name()), k.check()::apply).stream().filter(v -> !v.isEmpty()).toList();
                    if (!parts.isEmpty()) out.add(k.option() + "=" + String.join(",", parts));
                }
            }
        }
        return out;
    }

    private Network network() {
        Optional<Boolean> veth = check(scalar("Network", "VirtualEthernet"), Values::bool);
        Optional<Boolean> priv = check(scalar("Network", "Private"), Values::bool);
        Optional<String> bridge = check(scalar("Network", "Bridge"), KeyChecks::bridge);
        Optional<String> zone = check(scalar("Network", "Zone"), KeyChecks::zone);
        List<String> ports = checkAll(list("Network", "Port"), Values::port);

        if (bridge.isPresent() && zone.isPresent()) {
            error(scalar("Network", "Zone").get(), "Bridge= and Zone= cannot both be set");
        }
        boolean joins = bridge.isPresent() || zone.isPresent();
        if (joins && veth.isPresent() && !veth.get()) {
            error(scalar("Network", "VirtualEthernet").get(), "Bridge= and Zone= need a virtual Ethernet link; remove VirtualEthernet=no");
        }
        if (veth.orElse(false) && priv.isPresent() && !priv.get()) {
            error(scalar("Network", "Private").get(), "VirtualEthernet=yes needs a private network; remove Private=no");
        }
        NetworkMode mode;
        if (bridge.isPresent()) mode = NetworkMode.BRIDGE;
        else if (zone.isPresent()) mode = NetworkMode.ZONE;
        else if (veth.orElse(priv.orElse(true))) mode = NetworkMode.VETH;
        else if (priv.orElse(false)) mode = NetworkMode.PRIVATE;
        else mode = NetworkMode.HOST;
        if (!ports.isEmpty() && (mode == NetworkMode.HOST || mode == NetworkMode.PRIVATE)) {
            error(list("Network", "Port").get(0), "Port= needs a virtual Ethernet link, but this container uses "
                    + (mode == NetworkMode.HOST ? "the host's network" : "a private network with no link"));
        }
        return new Network(mode, bridge.or(() -> zone).orElse(null), ports);
    }
}
