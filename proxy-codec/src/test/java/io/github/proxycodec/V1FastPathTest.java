package io.github.proxycodec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The one-pass v1 path is only a shortcut: on every line it accepts, the field-by-field parser
 * gives the same header, and every line it gives up on is left to that parser.
 */
class V1FastPathTest {

    private static final V1Parser CAREFUL = new V1Parser(false);

    private static final String[] VALID = {
        "PROXY TCP4 192.0.2.10 198.51.100.20 12345 443\r\n",
        "PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n",
        "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n",
        "PROXY TCP4 127.0.0.1 127.0.0.1 50001 41701\r\nGET / HTTP/1.1\r\n",
        "PROXY TCP6 ::1 ::1 50011 41711\r\n",
        "PROXY TCP6 2001:db8::10 2001:db8:0:0:1:0:0:20 1 65535\r\n",
        "PROXY TCP6 :: 1:2:3:4:5:6:7:: 0 1\r\n",
        "PROXY TCP6 2001:0db8:85a3:08d3:1319:8a2e:0370:7344 FFFF:ffff:FFFF:ffff:FFFF:ffff:FFFF:ffff 65535 65535\r\n",
    };

    /** Bytes that make a mutated line near-valid: digits, hex, separators, line ends. */
    private static final byte[] ALPHABET = "0123456789abcdefABCDEFxX.: \r\n\t4 6".getBytes(StandardCharsets.US_ASCII);

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7})
    void everyValidTcpLineTakesTheFastPathAndGetsTheCarefulAnswer(int index) {
        byte[] line = VALID[index].getBytes(StandardCharsets.US_ASCII);
        ProxyHeader fast = fast(line);
        assertNotNull(fast, VALID[index]);
        assertSame(careful(line), fast, VALID[index]);
    }

    @Test
    void unknownIncompleteAndEmbeddedIpv4LinesAreLeftToTheCarefulParser() {
        for (String s : new String[] {"PROXY UNKNOWN\r\n", "PROXY TCP4 192.0.2.10 198.51.100.20 12345 443\r",
            "PROXY TCP4 192.0.2.10 198.51.100.20 12345 443", "PROXY TCP4 ", "PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n",
            "PROXY TCP6 ::ffff:192.0.2.1 64:ff9b::198.51.100.2 8080 80\r\n"}) {
            byte[] b = s.getBytes(StandardCharsets.US_ASCII);
            assertNull(fast(b), s);
        }
    }

    @Test
    void onTwoHundredThousandMutatedLinesTheFastPathNeverDisagrees() {
        Random random = new Random(0x7631L); // fixed seed: failures are reproducible
        int taken = 0;
        for (int round = 0; round < 200_000; round++) {
            byte[] b = mutate(VALID[random.nextInt(VALID.length)].getBytes(StandardCharsets.US_ASCII), random);
            ProxyHeader fast = fast(b);
            if (fast != null) {
                taken++;
                assertSame(careful(b), fast, new String(b, StandardCharsets.ISO_8859_1));
            }
        }
        // Some mutations keep a line valid (a digit for a digit): the comparison did happen.
        assertTrue(taken > 1000, taken + " mutated lines took the fast path");
    }

    private static byte[] mutate(byte[] line, Random random) {
        byte[] b = line;
        for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
            int at = 6 + random.nextInt(b.length - 6); // "PROXY " stays: detection matched it
            byte c = ALPHABET[random.nextInt(ALPHABET.length)];
            switch (random.nextInt(3)) {
                case 0:
                    b = b.clone();
                    b[at] = c;
                    break;
                case 1:
                    b = concat(Arrays.copyOf(b, at), new byte[] {c}, Arrays.copyOfRange(b, at, b.length));
                    break;
                default:
                    b = b.length > 7 ? concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, at + 1, b.length)) : b;
                    break;
            }
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        byte[] out = new byte[Arrays.stream(parts).mapToInt(p -> p.length).sum()];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** The fast path's answer, given the line as V1Parser gives it: at most 107 bytes, then a zero. */
    private static ProxyHeader fast(byte[] b) {
        int k = Math.min(b.length, ProxyHeaderParser.V1_MAX_LENGTH);
        byte[] line = Arrays.copyOf(b, k + 1);
        line[k] = 0;
        return V1FastPath.parse(line, k);
    }

    /** The field-by-field answer for a complete buffer, or a failure if it refuses or waits. */
    private static ProxyHeader careful(byte[] b) {
        int k = Math.min(b.length, ProxyHeaderParser.V1_MAX_LENGTH);
        try {
            ProxyHeader h = CAREFUL.parseCarefully(Arrays.copyOf(b, k), k, b.length);
            if (h == null) {
                fail("the careful parser waits for more: " + new String(b, StandardCharsets.ISO_8859_1));
            }
            return h;
        } catch (ProxyProtocolException e) {
            return fail("the careful parser refuses (" + e.reason() + ") what the fast path took: "
                    + new String(b, StandardCharsets.ISO_8859_1));
        }
    }

    private static void assertSame(ProxyHeader expected, ProxyHeader actual, String line) {
        assertEquals(expected, actual, line);
        assertEquals(expected.headerLength(), actual.headerLength(), line);
        assertEquals(expected.sourceAddress(), actual.sourceAddress(), line);
        assertEquals(expected.destinationAddress(), actual.destinationAddress(), line);
    }
}
