package io.github.proxycodec.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A captured or hand-made header from {@code src/test/resources/vectors} (the {@code .hex}
 * format: {@code #} comment lines, then hex), with the facts its comments state.
 */
public final class Vector {

    private static final Pattern HEADER_LEN = Pattern.compile("header_len:\\s*(\\d+)");

    private final String name;
    private final byte[] bytes;
    private final int headerLength;
    private final List<String> decoded;

    private Vector(String name, byte[] bytes, int headerLength, List<String> decoded) {
        this.name = name;
        this.bytes = bytes;
        this.headerLength = headerLength;
        this.decoded = decoded;
    }

    /** Loads {@code vectors/<name>.hex} from the test class path, e.g. {@code "crafted/v2_tcp4"}. */
    public static Vector load(String name) {
        return parse(name, VectorFiles.text(name));
    }

    /** Parses the {@code .hex} text format: {@link Hex#decode} for the bytes, the comments for the facts. */
    public static Vector parse(String name, String text) {
        int headerLength = -1;
        List<String> decoded = new ArrayList<>();
        for (String line : text.split("\n")) {
            String s = line.trim();
            if (s.startsWith("#")) {
                Matcher m = HEADER_LEN.matcher(s);
                if (m.find()) {
                    headerLength = Integer.parseInt(m.group(1));
                }
                int d = s.indexOf("decoded:");
                if (d >= 0) {
                    decoded.add(s.substring(d + "decoded:".length()).trim());
                }
            }
        }
        return new Vector(name, Hex.decode(text), headerLength, Collections.unmodifiableList(decoded));
    }

    /** Returns the vector's name. */
    public String name() {
        return name;
    }

    /** Returns a copy of every byte of the vector (header and any payload after it). */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Returns a new unpooled buffer holding {@link #bytes()}; the caller owns it. */
    public ByteBuf buffer() {
        return Unpooled.wrappedBuffer(bytes());
    }

    /** Returns {@code header_len} from the comments, or -1 if absent. */
    public int headerLength() {
        return headerLength;
    }

    /** Returns the bytes after the header. */
    public byte[] payload() {
        return java.util.Arrays.copyOfRange(bytes, Math.max(headerLength, 0), bytes.length);
    }

    /** Returns the text of each {@code decoded:} comment line, in order. */
    public List<String> decoded() {
        return decoded;
    }

    @Override
    public String toString() {
        return name;
    }
}
