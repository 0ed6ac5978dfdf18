package io.github.proxycodec.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every subcommand refuses every bad value before it starts: exit status 2, one line on stderr
 * naming the flag and the value as typed, nothing on stdout, no exception's name.
 */
class BadValuesTest {

    private static final String TCP = "tcp-origin --port 0 --trust any";
    private static final String UDP = "udp-origin --port 0 --protocol spp --trust any";
    private static final String EDGE_TCP = "edge --listen tcp://127.0.0.1:0 --origin 127.0.0.1:9 --proxy v2";
    private static final String EDGE_UDP = "edge --listen udp://127.0.0.1:0 --origin 127.0.0.1:9 --proxy spp";

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "tcp-origin --trust any     | --port 70000                  | --port         | 70000",
        "tcp-origin --trust any     | --port -1                     | --port         | -1",
        "tcp-origin --trust any     | --port http                   | --port         | http",
        TCP + "                     | --bind 999.1.1.1              | --bind         | 999.1.1.1",
        TCP + "                     | --header-timeout 0            | --header-timeout | 0",
        TCP + "                     | --header-timeout 10000000000s | --header-timeout | 10000000000s",
        TCP + "                     | --header-timeout 2h           | --header-timeout | 2h",
        TCP + "                     | --header-timeout 1d           | --header-timeout | 1d",
        TCP + "                     | --header-timeout -5s          | --header-timeout | -5s",
        TCP + "                     | --versions v3                 | --versions     | v3",
        TCP + "                     | --serve-untrusted             | --serve-untrusted | any",
        "tcp-origin --port 0        | --trust any,10.0.0.0/8        | --trust        | any,10.0.0.0/8",
        "tcp-origin --port 0        | --trust 10.0.0.0/33           | --trust        | 10.0.0.0/33",
        "tcp-origin --port 0        | --trust example.com           | --trust        | example.com",
        "tcp-origin --port 0        | --trust ,                     | --trust        | ','",
        UDP + "                     | --idle-timeout 10000000000s   | --idle-timeout | 10000000000s",
        UDP + "                     | --idle-timeout 0              | --idle-timeout | 0",
        UDP + "                     | --max-flows 0                 | --max-flows    | 0",
        UDP + "                     | --max-flows 99999999999       | --max-flows    | 99999999999",
        UDP + "                     | --port 65536                  | --port         | 65536",
        "udp-origin --port 0 --trust any | --protocol quic          | --protocol     | quic",
        EDGE_UDP + "                | --udp-idle-timeout 0          | --udp-idle-timeout | 0",
        EDGE_TCP + "                | --udp-idle-timeout 5s         | --udp-idle-timeout | udp://",
        EDGE_TCP + "                | --ssl-cipher AES              | --ssl-cipher   | --ssl",
        EDGE_TCP + "                | --separate-header             | --separate-header | ppv2-first",
        EDGE_UDP + "                | --crc32c                      | --crc32c       | spp",
        EDGE_UDP + "                | --ipv4-mapped                 | --ipv4-mapped  | SPP",
        EDGE_TCP + "                | --tlv foo                     | --tlv          | foo",
        EDGE_TCP + "                | --tlv 0x300=x                 | --tlv          | 0x300=x",
        EDGE_TCP + "                | --tlv alpn=hex:abc            | --tlv          | abc",
        EDGE_TCP + "                | --tlv 0xEA=hex:zz             | --tlv          | zz",
        "edge --listen tcp://127.0.0.1:0 --origin 127.0.0.1:9 --proxy v1 | --tlv 0x04=hex:00 | --tlv | v1",
        "edge --origin 127.0.0.1:9 --proxy v2 | --listen sctp://127.0.0.1:0 | --listen | sctp://127.0.0.1:0",
        "edge --origin 127.0.0.1:9 --proxy v2 | --listen tcp://127.0.0.1:99999 | --listen | 99999",
        "edge --listen tcp://127.0.0.1:0 --proxy v2 | --origin 127.0.0.1 | --origin | 127.0.0.1",
        "edge --listen tcp://127.0.0.1:0 --origin 127.0.0.1:9 | --proxy spp | --proxy | spp",
        "tcp-origin --port 0        | --no-such-flag                | --no-such-flag | --no-such-flag",
    })
    void isRefusedInOneLineWithExitTwo(String base, String bad, String flag, String typed) {
        assertRefused((base.trim() + " " + bad.trim()).split(" +"), flag, typed);
    }

    @Test
    void tlvsThatTogetherOverflowAV2HeaderAreRefusedBeforeTheEdgeStarts() {
        String big = "0xE0=" + "x".repeat(40_000);
        String[] args = (EDGE_TCP + " --tlv " + big + " --tlv " + big).split(" ");
        assertRefused(args, "cannot be sent", "edge");
    }

    private static void assertRefused(String[] args, String flag, String typed) {
        Cli cli = Cli.run(args);
        String err = cli.stderr();
        assertEquals(2, cli.status(), err);
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.startsWith(args[0] + ": "), err);
        assertTrue(err.contains(flag), "names the flag: " + err);
        assertTrue(err.contains(typed.replace("'", "")), "shows what was typed: " + err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
        assertTrue(cli.text().isEmpty(), "nothing on stdout");
    }
}
