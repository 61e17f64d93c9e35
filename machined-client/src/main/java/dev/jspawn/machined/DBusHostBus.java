package dev.jspawn.machined;

import java.io.IOException;
import java.util.Optional;

import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.exceptions.DBusExecutionException;
import org.freedesktop.dbus.interfaces.Properties;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.machine1.NoSuchMachine;

/** {@link HostBus} over the system bus with dbus-java. */
public final class DBusHostBus implements HostBus {

    private static final String MACHINE1 = "org.freedesktop.machine1";
    private static final String SYSTEMD1 = "org.freedesktop.systemd1";

    private final DBusConnection conn;
    private final org.freedesktop.machine1.Manager machines;
    private final org.freedesktop.systemd1.Manager systemd;
    private final boolean ownsConnection;

    private DBusHostBus(DBusConnection conn, boolean ownsConnection) throws DBusException {
        this.conn = conn;
        this.ownsConnection = ownsConnection;
        this.machines = conn.getRemoteObject(MACHINE1, "/org/freedesktop/machine1", org.freedesktop.machine1.Manager.class);
        this.systemd = conn.getRemoteObject(SYSTEMD1, "/org/freedesktop/systemd1", org.freedesktop.systemd1.Manager.class);
    }

    public static DBusHostBus connect() {
        try {
            return new DBusHostBus(DBusConnectionBuilder.forSystemBus().build(), true);
        } catch (DBusException | RuntimeException e) {
            throw new Failure("Failed to connect to the system bus: " + e.getMessage(), e);
        }
    }

    /** Over a connection someone else owns (the helper's, shared by its calls): closing this leaves it open. */
    public static DBusHostBus over(DBusConnection conn) {
        try {
            return new DBusHostBus(conn, false);
        } catch (DBusException e) {
            throw new Failure("Failed to use the system bus: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<MachineInfo> machine(String name) {
        try {
            DBusPath path = machines.GetMachine(name);
            Properties p = conn.getRemoteObject(MACHINE1, path.getPath(), Properties.class);
            String iface = "org.freedesktop.machine1.Machine";
            String state = p.Get(iface, "State");
            UInt32 leader = p.Get(iface, "Leader");
            String unit = p.Get(iface, "Unit");
            String root = p.Get(iface, "RootDirectory");
            return Optional.of(new MachineInfo(name, state, leader.longValue(), unit, root));
        } catch (NoSuchMachine e) {
            return Optional.empty();
        } catch (DBusException | DBusExecutionException e) {
            throw new Failure("Failed to look up machine " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean hasProcess(String name, long pid) {
        try {
            return machines.GetMachineByPID(new UInt32(pid)).getPath().equals(machines.GetMachine(name).getPath());
        } catch (DBusExecutionException e) {
            return false; // no such machine, or the process is in none (NoMachineForPID)
        }
    }

    @Override
    public java.util.List<String> addresses(String machine) {
        try {
            java.util.List<String> v4 = new java.util.ArrayList<>(), v6 = new java.util.ArrayList<>();
            for (org.freedesktop.machine1.Address a : machines.GetMachineAddresses(machine)) {
                String text = java.net.InetAddress.getByAddress(a.address).getHostAddress();
                (a.family == 2 ? v4 : v6).add(a.family == 2 ? text : compressed(text));
            }
            v4.addAll(v6);
            return v4;
        } catch (NoSuchMachine e) {
            return java.util.List.of();
        } catch (java.net.UnknownHostException | DBusExecutionException e) {
            throw new Failure("Failed to get the addresses of machine " + machine + ": " + e.getMessage(), e);
        }
    }

    /** An IPv6 address as ip(8) and machinectl write it: the longest run of zero groups as "::" (RFC 5952). */
    static String compressed(String v6) {
        String[] g = v6.replaceFirst("%.*$", "").split(":");
        for (int i = 0; i < g.length; i++) g[i] = g[i].replaceFirst("^0+(?=.)", "");
        int best = -1, bestLen = 1;
        for (int i = 0; i < g.length; ) {
            int j = i;
            while (j < g.length && g[j].equals("0")) j++;
            if (j - i > bestLen) {
                best = i;
                bestLen = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        if (best < 0) return String.join(":", g);
        return String.join(":", java.util.Arrays.copyOfRange(g, 0, best)) + "::" + String.join(":", java.util.Arrays.copyOfRange(g, best + bestLen, g.length));
    }

    @Override
    public void registerMachine(Registration r) {
        try {
            machines.RegisterMachineWithNetwork(r.machine(), r.id(), "jspawn", "container", new UInt32(r.leader()),
                    r.rootDirectory(), r.ifindices());
        } catch (DBusExecutionException e) {
            throw new Failure("Failed to register machine " + r.machine() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean unregisterMachine(String name) {
        try {
            machines.UnregisterMachine(name);
            return true;
        } catch (NoSuchMachine e) {
            return false;
        } catch (DBusExecutionException e) {
            throw new Failure("Failed to unregister machine " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<String> unitOfProcess(long pid) {
        try {
            DBusPath path = systemd.GetUnitByPID(new UInt32(pid));
            return Optional.of(conn.getRemoteObject(SYSTEMD1, path.getPath(), Properties.class).Get("org.freedesktop.systemd1.Unit", "Id"));
        } catch (DBusException | DBusExecutionException e) {
            return Optional.empty();
        }
    }

    @Override
    public UnitInfo unit(String name) {
        try {
            Properties p = unitProperties(name);
            String iface = "org.freedesktop.systemd1.Unit";
            return new UnitInfo(name, p.Get(iface, "LoadState"), p.Get(iface, "ActiveState"), p.Get(iface, "SubState"));
        } catch (DBusException | DBusExecutionException e) {
            throw new Failure("Failed to look up unit " + name + ": " + e.getMessage(), e);
        }
    }

    /** The properties of a unit, loaded by name as systemctl show does (a unit not found is "not-found", not an error). */
    private Properties unitProperties(String name) throws DBusException {
        return conn.getRemoteObject(SYSTEMD1, systemd.LoadUnit(name).getPath(), Properties.class);
    }

    @Override
    public UnitSource unitSource(String name) {
        try {
            Properties p = unitProperties(name);
            String iface = "org.freedesktop.systemd1.Unit";
            Object dropIns = p.Get(iface, "DropInPaths"); // as: a List of String
            java.util.List<String> paths = new java.util.ArrayList<>();
            if (dropIns instanceof java.util.Collection<?> list) list.forEach(o -> paths.add(String.valueOf(o)));
            else if (dropIns instanceof Object[] array) for (Object o : array) paths.add(String.valueOf(o));
            return new UnitSource(p.Get(iface, "SourcePath"), paths);
        } catch (DBusException | DBusExecutionException e) {
            throw new Failure("Failed to look up where unit " + name + " comes from: " + e.getMessage(), e);
        }
    }

    @Override
    public java.util.Map<String, UnitInfo> units(java.util.List<String> names) {
        java.util.Map<String, UnitInfo> out = new java.util.LinkedHashMap<>();
        if (names.isEmpty()) return out;
        try {
            for (org.freedesktop.systemd1.UnitStatus u : systemd.ListUnitsByNames(names)) {
                out.put(u.name, new UnitInfo(u.name, u.loadState, u.activeState, u.subState));
            }
        } catch (DBusExecutionException e) {
            throw new Failure("Failed to look up " + names.size() + " units: " + e.getMessage(), e);
        }
        for (String n : names) if (!out.containsKey(n)) out.put(n, unit(n)); // an alias comes back under its unit's own name
        return out;
    }

    @Override
    public java.util.Set<String> machineNames() {
        try {
            java.util.Set<String> out = new java.util.TreeSet<>();
            for (org.freedesktop.machine1.MachineListing m : machines.ListMachines()) out.add(m.name);
            return out;
        } catch (DBusExecutionException e) {
            throw new Failure("Failed to list machines: " + e.getMessage(), e);
        }
    }

    /** Read once per connection: the helper asks at every mount and every registration, and its connection ends when it goes idle. */
    private volatile int systemdVersion;

    @Override
    public int systemdVersion() {
        if (systemdVersion == 0) systemdVersion = readSystemdVersion();
        return systemdVersion;
    }

    private int readSystemdVersion() {
        try {
            String v = conn.getRemoteObject(SYSTEMD1, "/org/freedesktop/systemd1", Properties.class).Get("org.freedesktop.systemd1.Manager", "Version");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^v?(\\d+)").matcher(v);
            if (!m.find()) throw new Failure("Failed to read systemd's version: '" + v + "' is no version", null);
            return Integer.parseInt(m.group(1));
        } catch (DBusException | DBusExecutionException e) {
            throw new Failure("Failed to read systemd's version: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (!ownsConnection) return;
        try {
            conn.close();
        } catch (IOException e) {
            // closing a connection we are done with: nothing left to lose
        }
    }
}
