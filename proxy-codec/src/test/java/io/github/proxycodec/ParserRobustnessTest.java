package io.github.proxycodec;

import io.github.proxycodec.testing.V2Bytes;
import io.github.proxycodec.testing.Vector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Whatever the bytes, the parser answers in one of three ways: a header no longer than what is
 * readable, null (incomplete), or a {@link ProxyProtocolException}. Nothing else escapes it, and
 * it never changes the buffer.
 */
class ParserRobustnessTest {

    private static final ProxyHeaderParser PARSER = ProxyHeaderParser.builder().allowDatagramTransport(true).build();

    static List<String> goodVectors() {
        return VectorTest.goodVectors();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodVectors")
    void everySingleByteCorruptionOfAGoodVectorIsAnsweredCleanly(String name) {
        byte[] good = Vector.load(name).bytes();
        for (int i = 0; i < good.length; i++) {
            for (int mask : new int[] {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xFF}) {
                byte[] bad = good.clone();
                bad[i] ^= (byte) mask;
                assertAnsweredCleanly(bad, name + " byte " + i + " ^ 0x" + Integer.toHexString(mask));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodVectors")
    void everyTruncationOfAGoodVectorIsAnsweredCleanly(String name) {
        byte[] good = Vector.load(name).bytes();
        for (int n = 0; n <= good.length; n++) {
            assertAnsweredCleanly(java.util.Arrays.copyOf(good, n), name + " first " + n + " bytes");
        }
    }

    @Test
    void randomBytesAfterTheV2SignatureAreAnsweredCleanly() {
        Random random = new Random(0x50524f5859L); // fixed seed: failures are reproducible
        for (int round = 0; round < 20_000; round++) {
            byte[] b = new byte[16 + random.nextInt(300)];
            random.nextBytes(b);
            System.arraycopy(V2Bytes.SIGNATURE, 0, b, 0, 12);
            if (round % 2 == 0) {
                b[12] = 0x21; // keep the version valid half the time to reach deeper code
                b[13] = new byte[] {0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32}[random.nextInt(7)];
                int len = random.nextInt(b.length - 15);
                b[14] = (byte) (len >>> 8);
                b[15] = (byte) len;
            }
            assertAnsweredCleanly(b, "round " + round);
        }
    }

    @Test
    void randomTextAfterProxyIsAnsweredCleanly() {
        Random random = new Random(0x7631L);
        String alphabet = "PROXY TCP46UNKW0123456789abcdefABCDEF.:% \r\n-+";
        for (int round = 0; round < 20_000; round++) {
            StringBuilder sb = new StringBuilder("PROXY ");
            int n = random.nextInt(120);
            for (int i = 0; i < n; i++) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            assertAnsweredCleanly(sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII), sb.toString());
        }
    }

    private static void assertAnsweredCleanly(byte[] bytes, String what) {
        ByteBuf in = Unpooled.wrappedBuffer(bytes.clone());
        try {
            ProxyHeader h = PARSER.parse(in);
            if (h != null) {
                assertTrue(h.headerLength() > 0 && h.headerLength() <= bytes.length,
                        what + ": header length " + h.headerLength() + " of " + bytes.length + " readable");
                // Every typed view of an accepted header answers without throwing.
                h.toString();
                h.alpn();
                h.authority();
                h.crc32c();
                h.uniqueId();
                h.netns();
                h.ssl().ifPresent(ProxySslInfo::toString);
                h.awsVpcEndpointId();
                h.azurePrivateLinkId();
                h.gcpPscConnectionId();
            }
            assertEquals(0, in.readerIndex(), what + ": reader index moved");
            assertEquals(bytes.length, in.writerIndex(), what + ": writer index moved");
            assertArrayEquals(bytes, ByteBufUtil.getBytes(in), what + ": buffer changed");
        } catch (ProxyProtocolException expected) {
            // a refusal with a reason is a clean answer
        } catch (RuntimeException e) {
            fail(what + ": escaped as " + e, e);
        } finally {
            in.release();
        }
    }
}
