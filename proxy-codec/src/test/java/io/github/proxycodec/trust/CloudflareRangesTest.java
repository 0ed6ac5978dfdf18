package io.github.proxycodec.trust;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cloudflare's two published formats, read strictly by hand (no JSON library in the core). */
class CloudflareRangesTest {

    static final String GOOD_JSON = "{\"result\":{\"ipv4_cidrs\":[\"173.245.48.0/20\",\"103.21.244.0/22\"],"
            + "\"ipv6_cidrs\":[\"2400:cb00::/32\"],\"etag\":\"38f79d050aa027e3be3865e495dcc9bc\"},"
            + "\"success\":true,\"errors\":[],\"messages\":[]}";

    @Test
    void theIpsApiJsonGivesBothFamiliesAndTheEtag() {
        CloudflareRanges r = CloudflareRanges.parse(GOOD_JSON);
        assertEquals(List.of("173.245.48.0/20", "103.21.244.0/22", "2400:cb00::/32"), r.cidrs());
        assertEquals("38f79d050aa027e3be3865e495dcc9bc", r.etag());
        assertTrue(r.toTrustedProxies().contains(new java.net.InetSocketAddress("173.245.48.7", 1)));
    }

    @Test
    void jsonWithSpacesEscapesAndExtraMembersIsRead() {
        String json = " {\n \"success\" : true, \"result\" : { \"ipv4_cidrs\" : [ \"10.0.0.0\\/8\" ] ,"
                + " \"ipv6_cidrs\":[\"2001:db8::/32\"], \"jdcloud_cidrs\": [], \"n\": -1.5e3, \"x\": null },"
                + " \"errors\": [ ], \"messages\": [ {\"a\": false} ] }\n";
        assertEquals(List.of("10.0.0.0/8", "2001:db8::/32"), CloudflareRanges.parse(json).cidrs());
    }

    @Test
    void thePlainListsAreOneCidrALine() {
        CloudflareRanges r = CloudflareRanges.parse("173.245.48.0/20\r\n103.21.244.0/22\n\n");
        assertEquals(List.of("173.245.48.0/20", "103.21.244.0/22"), r.cidrs());
        assertNull(r.etag());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "   \n",
        "{}",
        "{\"result\":{\"ipv4_cidrs\":[\"173.245.48.0/20\"],\"ipv6_cidrs\":[\"2400:cb00::/32\"]},\"success\":false}",
        "{\"result\":{\"ipv4_cidrs\":[\"173.245.48.0/20\"],\"ipv6_cidrs\":[]},\"success\":true}",
        "{\"result\":{\"ipv4_cidrs\":[\"173.245.48.0/20\"]},\"success\":true}",
        "{\"result\":{\"ipv4_cidrs\":[\"173.245.48.0/20\"],\"ipv6_cidrs\":[7]},\"success\":true}",
        "{\"result\":{\"ipv4_cidrs\":[\"173.245.48.0/20\"],\"ipv6_cidrs\":[\"nope/32\"]},\"success\":true}",
        "{\"result\":{\"ipv4_cidrs\":[\"173.245.48.0/20\"],\"ipv6_cidrs\":[\"2400:cb00::/32\"],\"etag\":1},\"success\":true}",
        "{\"result\":{\"ipv4_cidrs\":[\"173.245.48.0/20\"],\"ipv6_cidrs\":[\"2400:cb00::/32\"]},\"success\":true",
        "{\"result\":{\"ipv4_cidrs\":[\"173.245.48.0/20\"],\"ipv6_cidrs\":[\"2400:cb00::/32\"]},\"success\":true}x",
        "{\"result\":{\"ipv4_cidrs\":[\"173.245.48.0/20\",],\"ipv6_cidrs\":[\"2400:cb00::/32\"]},\"success\":true}",
        "{\"success\":true,\"success\":true}",
        "{'success':true}",
        "{\"a\":\"\\x\"}",
        "{\"a\":01}",
        "<html>Bad gateway</html>",
        "173.245.48.0/20\nnot-a-range",
        "173.245.48.1",
    })
    void malformedEmptyTruncatedOrOneFamilyAnswersAreRefused(String body) {
        assertThrows(IllegalArgumentException.class, () -> CloudflareRanges.parse(body));
    }

    @Test
    void deepNestingIsRefusedNotAStackOverflow() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MiniJson.parse(deep));
        assertTrue(e.getMessage().contains("nested too deeply"), e.getMessage());
    }

    @Test
    void truncationAnywhereInTheGoodAnswerIsRefused() {
        for (int cut = 0; cut < GOOD_JSON.length(); cut++) {
            String part = GOOD_JSON.substring(0, cut);
            assertThrows(IllegalArgumentException.class, () -> CloudflareRanges.parseJson(part), part);
        }
    }
}
