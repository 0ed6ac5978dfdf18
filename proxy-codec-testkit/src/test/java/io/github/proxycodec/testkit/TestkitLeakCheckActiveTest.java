package io.github.proxycodec.testkit;

import io.github.proxycodec.testing.LeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.Extension;

import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Proves that the leak check from proxy-codec's test-jar runs after every test of this module. */
class TestkitLeakCheckActiveTest {

    @Test
    void aBufferNeverReleasedIsReportedAsALeak() {
        ByteBuf b = ByteBufAllocator.DEFAULT.buffer(3).writeBytes(new byte[] {1, 2, 3});
        b.readByte(); // used, then dropped without release()
        b = null;
        AssertionError e = assertThrows(AssertionError.class, () -> LeakCheck.assertNoLeaks("on purpose"));
        assertTrue(e.getMessage().contains("leak"), e.getMessage());
    }

    @Test
    void leakCheckIsRegisteredForEveryTestOfThisModule() {
        boolean found = false;
        for (Extension e : ServiceLoader.load(Extension.class)) {
            found |= e instanceof LeakCheck;
        }
        assertTrue(found, "LeakCheck must be listed in META-INF/services");
    }
}
