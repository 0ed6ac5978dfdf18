package io.github.proxycodec.udp;

import io.github.proxycodec.testing.LeakCheck;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.Extension;

import java.io.InputStream;
import java.util.Properties;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Proves that the leak check from proxy-codec's test-jar is active in this module. */
class LeakCheckActiveTest {

    @Test
    void aBufferNeverReleasedIsReportedAsALeak() {
        leakOne();
        AssertionError e = assertThrows(AssertionError.class, () -> LeakCheck.assertNoLeaks("on purpose"));
        assertTrue(e.getMessage().contains("leak"), e.getMessage());
    }

    @Test
    void leakCheckIsRegisteredForEveryTestOfThisModule() throws Exception {
        boolean found = false;
        for (Extension e : ServiceLoader.load(Extension.class)) {
            found |= e instanceof LeakCheck;
        }
        assertTrue(found, "LeakCheck must be listed in META-INF/services");
        Properties p = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/junit-platform.properties")) {
            p.load(in);
        }
        assertEquals("true", p.getProperty("junit.jupiter.extensions.autodetection.enabled"));
    }

    private static void leakOne() {
        ByteBuf b = Udp.buf(new byte[] {1, 2, 3});
        b.readByte(); // used, then dropped without release()
    }
}
