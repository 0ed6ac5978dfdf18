package io.github.proxycodec.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code demo}: every mode on loopback, a reject, a drop and a bad reply, then exit 0. */
class DemoTest {

    private static boolean has(List<JsonNode> lines, String demo, String event, String field, String value) {
        return lines.stream().anyMatch(n -> n.path("demo").asText().startsWith(demo)
                && n.path("event").asText().equals(event)
                && (field == null || n.path(field).asText().equals(value)));
    }

    @Test
    void runsEveryModeAndExitsZero() {
        long start = System.nanoTime();
        Cli demo = Cli.run("demo");
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        List<JsonNode> lines = demo.rest();
        assertEquals(0, demo.status(), lines + "\n" + demo.stderr());
        assertTrue(seconds < 15, "took " + seconds + " s");
        assertTrue(has(lines, "tcp-origin", "connect", "version", "v1"), lines.toString());
        assertTrue(has(lines, "tcp-origin", "connect", "version", "v2"));
        assertTrue(has(lines, "tcp-origin", "reject", "reason", "NOT_A_PROXY_HEADER"));
        assertTrue(has(lines, "udp-origin spp", "flow", null, null));
        assertTrue(has(lines, "udp-origin ppv2", "flow", null, null));
        assertTrue(has(lines, "udp-origin ppv2-first", "flow", null, null));
        assertTrue(has(lines, "udp-origin spp", "drop", "reason", "TOO_SHORT"));
        assertTrue(has(lines, "edge spp", "bad-reply", "reason", "MISSING_HEADER"));
        assertTrue(lines.stream().filter(n -> n.path("event").asText().equals("client"))
                .allMatch(n -> n.path("ok").asBoolean()), lines.toString());
        JsonNode done = lines.get(lines.size() - 1);
        assertEquals("done", done.path("event").asText());
        assertTrue(done.path("ok").asBoolean());
        assertTrue(lines.stream().noneMatch(n -> n.path("event").asText().equals("listening")),
                "routine lines are left out");
    }
}
