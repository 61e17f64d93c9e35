package org.freedesktop.machine1;

import org.freedesktop.dbus.Struct;
import org.freedesktop.dbus.annotations.Position;

/** One (iay) of GetMachineAddresses: an address family (AF_INET 2, AF_INET6 10) and the address's bytes. */
public final class Address extends Struct {
    @Position(0)
    public final int family;
    @Position(1)
    public final byte[] address;

    public Address(int family, byte[] address) {
        this.family = family;
        this.address = address;
    }
}
