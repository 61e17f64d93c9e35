package dev.jspawn.it;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;

/**
 * The test sandbox's "upstream" name server: it answers A queries for one name with one address,
 * and everything else with NXDOMAIN. Run inside the sandbox, in a network namespace of its own
 * that stands for the outside world, so a guest's query crosses its veth and the host's NAT as it
 * would on a real host.
 *
 * <p>{@code java -cp test-classes dev.jspawn.it.DnsStub LISTEN_ADDRESS NAME ADDRESS}
 */
public final class DnsStub {

    private DnsStub() {
    }

    public static void main(String[] args) throws Exception {
        String name = args[1].toLowerCase(Locale.ROOT);
        byte[] address = InetAddress.getByName(args[2]).getAddress();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(args[0]), 53))) {
            byte[] buf = new byte[512];
            while (true) {
                DatagramPacket query = new DatagramPacket(buf, buf.length);
                socket.receive(query);
                byte[] reply = answer(Arrays.copyOf(query.getData(), query.getLength()), name, address);
                if (reply != null) socket.send(new DatagramPacket(reply, reply.length, query.getSocketAddress()));
            }
        }
    }

    /** The reply to one query, or null for what is not a query. */
    static byte[] answer(byte[] q, String name, byte[] address) {
        if (q.length < 12 || (q[2] & 0x80) != 0) return null;
        StringBuilder qname = new StringBuilder();
        int i = 12;
        while (i < q.length && q[i] != 0) {
            int len = q[i] & 0xff;
            if (len > 63 || i + 1 + len > q.length) return null;
            if (qname.length() > 0) qname.append('.');
            qname.append(new String(q, i + 1, len, java.nio.charset.StandardCharsets.US_ASCII));
            i += 1 + len;
        }
        int questionEnd = i + 5; // the 0 byte, QTYPE, QCLASS
        if (questionEnd > q.length) return null;
        int qtype = ((q[i + 1] & 0xff) << 8) | (q[i + 2] & 0xff);
        boolean known = qname.toString().toLowerCase(Locale.ROOT).equals(name);
        boolean a = known && qtype == 1;
        ByteBuffer r = ByteBuffer.allocate(questionEnd + 16);
        r.put(q, 0, 2);                                        // ID
        r.put((byte) (0x84 | (q[2] & 0x01)));                   // QR, AA, RD as asked
        r.put((byte) (known ? 0 : 3));                           // NOERROR, or NXDOMAIN
        r.putShort((short) 1).putShort((short) (a ? 1 : 0)).putShort((short) 0).putShort((short) 0);
        r.put(q, 12, questionEnd - 12);
        if (a) {
            r.putShort((short) 0xc00c).putShort((short) 1).putShort((short) 1).putInt(60).putShort((short) 4).put(address);
        }
        return Arrays.copyOf(r.array(), r.position());
    }
}
