package io.github.proxycodec.udp;

import io.github.proxycodec.ProxyHeader;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.resolver.AddressResolver;
import io.netty.util.ReferenceCounted;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.URLClassLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The codecs on a class path without {@code netty-transport-native-unix-common} (an NIO-only
 * application; the dependency is optional): they load and frame replies. Netty and the codec
 * are loaded afresh by a class loader that refuses the unix and epoll packages.
 */
class WithoutUnixCommonTest {

    /** Loads Netty and this project itself, child first, except the optional native transports. */
    private static final class NoUnixCommon extends URLClassLoader {
        NoUnixCommon(URL[] urls) {
            super(urls, WithoutUnixCommonTest.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("io.netty.channel.unix.") || name.startsWith("io.netty.channel.epoll.")) {
                throw new ClassNotFoundException(name + " (hidden: not on this class path)");
            }
            if (!name.startsWith("io.netty.") && !name.startsWith("io.github.proxycodec.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                return c != null ? c : findClass(name);
            }
        }
    }

    private static URL[] classPath() {
        Class<?>[] markers = {SppCodec.class, NioOnlyScenario.class, ProxyHeader.class, ByteBuf.class,
            ReferenceCounted.class, Channel.class, DatagramPacket.class, AddressResolver.class,
            io.netty.handler.codec.MessageToMessageCodec.class, io.netty.handler.ipfilter.IpSubnetFilterRule.class};
        URL[] urls = new URL[markers.length];
        for (int i = 0; i < markers.length; i++) {
            urls[i] = markers[i].getProtectionDomain().getCodeSource().getLocation();
        }
        return urls;
    }

    @Test
    void sppRepliesAreFramedWithoutUnixCommon() throws Exception {
        try (NoUnixCommon loader = new NoUnixCommon(classPath())) {
            assertThrows(ClassNotFoundException.class,
                    () -> Class.forName("io.netty.channel.unix.SegmentedDatagramPacket", false, loader));
            Class<?> scenario = loader.loadClass(NioOnlyScenario.class.getName());
            assertEquals(loader, scenario.getClassLoader(), "the scenario runs on the hidden class path");
            assertEquals("pong", scenario.getMethod("replyThroughSppCodec").invoke(null));
        }
    }
}
