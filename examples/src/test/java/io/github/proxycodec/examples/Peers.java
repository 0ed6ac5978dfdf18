package io.github.proxycodec.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The proxy's side of an origin test: one TCP exchange, one UDP receive, both bounded in time. */
final class Peers {

    private Peers() {
    }

    /** Connects, sends {@code first} then a line, and returns the answer line (null if closed). */
    static String exchange(InetSocketAddress origin, byte[] first, String line) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(origin, 3000);
            s.setSoTimeout(3000);
            OutputStream out = s.getOutputStream();
            out.write(first);
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
                return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            } catch (SocketException reset) {
                return null;
            }
        }
    }

    /** Returns the next datagram on {@code s}, or null when its timeout passes first. */
    static byte[] receive(DatagramSocket s) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        try {
            s.receive(p);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return Arrays.copyOf(p.getData(), p.getLength());
    }
}
