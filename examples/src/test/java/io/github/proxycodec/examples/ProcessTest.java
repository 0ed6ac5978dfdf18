package io.github.proxycodec.examples;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.proxycodec.testing.Transports;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real process, as {@code java -jar} runs it: first line flushed, SIGTERM stops it cleanly. */
class ProcessTest {

    private static Process start(File stderr, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(stderr).start();
    }

    @Test
    void serverPrintsListeningFirstAndStopsOnSigtermWithoutAStackTrace() throws Exception {
        File stderr = File.createTempFile("tcp-origin", ".err");
        stderr.deleteOnExit();
        Process p = start(stderr, "tcp-origin", "--port", "0", "--trust", "127.0.0.1");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            JsonNode first = Cli.parse(out.readLine());
            assertEquals("listening", first.path("event").asText());
            assertEquals("tcp", first.path("transport").asText());
            int port = io.github.proxycodec.examples.support.Addresses.parse(first.path("address").asText()).getPort();
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(5000);
                s.getOutputStream().write("PROXY TCP4 192.0.2.1 192.0.2.2 1000 2000\r\nhi\n".getBytes(StandardCharsets.US_ASCII));
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                assertEquals("client=192.0.2.1:1000 hi", in.readLine());
            }
            assertEquals("connect", Cli.parse(out.readLine()).path("event").asText());
            p.destroy();   // SIGTERM
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "stopped in time");
            assertEquals(143, p.exitValue(), "128 + SIGTERM");
            String err = java.nio.file.Files.readString(stderr.toPath());
            assertFalse(err.contains("Exception") || err.contains("\tat "), err);
            assertTrue(err.contains("tcp-origin: " + Transports.preferred().name().toLowerCase(Locale.ROOT)), err);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void udpServerStopsOnSigint() throws Exception {
        File stderr = File.createTempFile("udp-origin", ".err");
        stderr.deleteOnExit();
        Process p = start(stderr, "udp-origin", "--port", "0", "--protocol", "spp");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            JsonNode first = Cli.parse(out.readLine());
            assertEquals("udp", first.path("transport").asText());
            Process kill = new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start();
            assertTrue(kill.waitFor(5, TimeUnit.SECONDS));
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "stopped in time");
            assertEquals(130, p.exitValue(), "128 + SIGINT");
            String err = java.nio.file.Files.readString(stderr.toPath());
            assertFalse(err.contains("Exception") || err.contains("\tat "), err);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void decodeExitStatusIsOneForMalformedInput() throws Exception {
        File stderr = File.createTempFile("decode", ".err");
        stderr.deleteOnExit();
        Process p = start(stderr, "decode", "--hex");
        try {
            p.getOutputStream().write("0d0a0d0a000d0a515549540a2f11000c".getBytes(StandardCharsets.US_ASCII));
            p.getOutputStream().close();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            assertEquals(1, p.exitValue());
            String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertEquals("V2_UNSUPPORTED_COMMAND", Cli.parse(line).path("error").asText());
        } finally {
            p.destroyForcibly();
        }
    }
}
