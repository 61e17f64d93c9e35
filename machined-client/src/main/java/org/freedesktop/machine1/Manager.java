package org.freedesktop.machine1;

import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.types.UInt32;

/** org.freedesktop.machine1.Manager: only the members jspawn uses, named as on the bus. */
public interface Manager extends DBusInterface {

    /** RegisterMachineWithNetwork(s name, ay id, s service, s class, u leader, s root_directory, ai ifindices) → o. */
    DBusPath RegisterMachineWithNetwork(String name, byte[] id, String service, String machineClass, UInt32 leader,
            String rootDirectory, int[] ifindices);

    /** UnregisterMachine(s name). */
    void UnregisterMachine(String name);

    /** ListMachines() → a(ssso): every registered machine. */
    java.util.List<MachineListing> ListMachines();

    /** GetMachine(s name) → o. */
    DBusPath GetMachine(String name);

    /** GetMachineByPID(u pid) → o: the machine the process belongs to (by its leader or its unit). */
    DBusPath GetMachineByPID(UInt32 pid);

    /** GetMachineAddresses(s name) → a(iay): the addresses of the guest's network namespace, as machinectl list shows. */
    java.util.List<Address> GetMachineAddresses(String name);
}
