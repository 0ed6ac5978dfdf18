package io.github.proxycodec.interop;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyTlv;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our encoder writes PROXY v2 over UDP (a DGRAM header and a DNS query in one datagram, as
 * {@code edge --proxy ppv2} sends them), dnsdist 1.7 decodes with {@code setProxyProtocolACL}.
 *
 * <p>dnsdist's query ACL admits only the documentation ranges we put in the headers, not the
 * loopback address the datagrams really come from: an answer at all means dnsdist attributed
 * the query to the encoded client. A Lua rule also prints what dnsdist believed.
 */
@Timeout(60)
class DnsdistDecodesOurHeadersTest {

    private static final byte[] SPOOFED = {(byte) 192, 0, 2, 1};

    @TempDir
    Path dir;

    private PeerProcess dnsdist;

    @AfterEach
    void stop() {
        if (dnsdist != null) {
            dnsdist.close();
        }
    }

    @ParameterizedTest(name = "{0}:{2} -> {1}:53 over {3}")
    @CsvSource({
        "203.0.113.7, 198.51.100.1, 40031, 127.0.0.1",
        "2001:db8::7, 2001:db8::1,  40032, ::1",
    })
    void dnsdistAttributesTheQueryToTheClientWeEncoded(String src, String dst, int srcPort, String loopbackIp)
            throws Exception {
        InetAddress loopback = InetAddress.getByName(loopbackIp);
        InetSocketAddress listen = new InetSocketAddress(loopback, Loopback.freeTcpPort(loopback));
        dnsdist = Dnsdist.start(dir, listen, ""
                + "setLocal(" + Dnsdist.lua(listen) + ")\n"
                + "setProxyProtocolACL({\"127.0.0.1/32\", \"::1/128\"})\n"
                + "setACL({\"203.0.113.0/24\", \"2001:db8::/32\"})\n"
                + "function seen(dq)\n"
                + "  local tlvs = dq:getProxyProtocolValues()\n"
                + "  print(\"QUERY remote=\" .. dq.remoteaddr:toStringWithPort() .. \" local=\" .. dq.localaddr:toStringWithPort()\n"
                + "        .. \" qname=\" .. dq.qname:toString() .. \" authority=\" .. tostring(tlvs[" + ProxyTlv.AUTHORITY + "])\n"
                + "        .. \" uid=\" .. tostring(tlvs[" + ProxyTlv.UNIQUE_ID + "]))\n"
                + "  return DNSAction.Spoof, \"192.0.2.1\"\n"
                + "end\n"
                + "addAction(AllRule(), LuaAction(seen))\n");

        InetSocketAddress source = new InetSocketAddress(src, srcPort);
        InetSocketAddress destination = new InetSocketAddress(dst, 53);
        ProxyHeader header = ProxyHeader.builder()
                .transport(ProxyHeader.Transport.DGRAM)
                .addresses(source, destination)
                .tlv(ProxyTlv.AUTHORITY, Headers.AUTHORITY)
                .tlv(ProxyTlv.UNIQUE_ID, Headers.UNIQUE_ID)
                .crc32c()
                .build();
        byte[] query = Dns.query(0x5a17, "who.example.test", Dns.A);
        byte[] datagram = Headers.concat(Headers.encode(header), query);

        byte[] answer;
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(loopback, 0))) {
            socket.setSoTimeout(3000);
            socket.send(new DatagramPacket(datagram, datagram.length, listen));
            DatagramPacket reply = new DatagramPacket(new byte[512], 512);
            socket.receive(reply);
            answer = Arrays.copyOf(reply.getData(), reply.getLength());
        }
        assertEquals(0x5a17, Dns.id(answer));
        assertTrue(Dns.isResponse(answer));
        assertEquals(0, Dns.rcode(answer));
        assertEquals(1, Dns.answerCount(answer));
        assertArrayEquals(SPOOFED, Dns.tail(answer, 4), "the spoofed A record: the ACL admitted our client");

        Matcher m = dnsdist.awaitLine(Pattern.compile("^QUERY remote=(\\S+) local=(\\S+) qname=(\\S+) authority=(\\S+) uid=(\\S+)$"),
                Duration.ofSeconds(5));
        assertEquals(Loopback.text(source), m.group(1));
        assertEquals(Loopback.text(destination), m.group(2));
        assertEquals("who.example.test.", m.group(3));
        assertEquals(Headers.AUTHORITY, m.group(4));
        assertEquals(Headers.UNIQUE_ID, m.group(5));
    }
}
