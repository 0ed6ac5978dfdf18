package io.github.proxycodec.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/** Loopback addresses, free ports and small socket helpers. */
final class Loopback {

    /** 127.0.0.1. */
    static final InetAddress V4 = address("127.0.0.1");
    /** ::1. */
    static final InetAddress V6 = address("::1");

    private Loopback() {
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Returns a TCP port that was free on {@code address} a moment ago. */
    static int freeTcpPort(InetAddress address) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(address, 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns a UDP port that was free on {@code address} a moment ago. */
    static int freeUdpPort(InetAddress address) {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(address, 0))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns a TCP port free on both 127.0.0.1 and ::1 a moment ago, for a dual listener. */
    static int freeTcpPortOnBoth() {
        for (int i = 0; i < 50; i++) {
            int p = freeTcpPort(V4);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(V6, p));
                return p;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no port free on both loopback addresses");
    }

    /**
     * Opens a client socket bound to {@code from} on a port chosen by the kernel before
     * connecting, so the test knows its source port in advance, then connects to {@code to}.
     */
    static Socket connectFrom(InetAddress from, InetSocketAddress to) throws IOException {
        Socket s = new Socket();
        try {
            s.bind(new InetSocketAddress(from, 0));
            s.setSoTimeout(5000);
            s.setTcpNoDelay(true);
            s.connect(to, 2000);
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Reads one line (US-ASCII); returns {@code null} at end of stream or on a reset. */
    static String readLine(Socket s) {
        try {
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        } catch (IOException closed) {
            return null;
        }
    }

    /** Writes {@code bytes} in one call, so a peer that wants the header in one read gets it. */
    static void write(Socket s, byte[] bytes) throws IOException {
        s.getOutputStream().write(bytes);
        s.getOutputStream().flush();
    }

    /** Returns {@code ip:port}, with brackets around an IPv6 literal. */
    static String text(InetSocketAddress a) {
        return io.netty.util.NetUtil.toSocketAddressString(a);
    }
}
