package io.github.proxycodec.testing;

/**
 * Hex text to bytes, for the tests of every module: one parser, so a vector file, a resource
 * and a literal in a test are all read by the same rules.
 */
public final class Hex {

    private Hex() {
    }

    /**
     * Decodes {@code text}: whitespace is ignored and lines starting with {@code #} are comments
     * (the {@code .hex} file format); an odd digit count or a non-hex character is an error.
     */
    public static byte[] decode(String text) {
        StringBuilder digits = new StringBuilder(text.length());
        for (String line : text.split("\n")) {
            String s = line.strip();
            if (!s.startsWith("#")) {
                digits.append(s.replaceAll("\\s+", ""));
            }
        }
        if (digits.length() % 2 != 0) {
            throw new IllegalArgumentException("odd hex length: " + digits.length());
        }
        byte[] out = new byte[digits.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (digit(digits.charAt(2 * i)) << 4 | digit(digits.charAt(2 * i + 1)));
        }
        return out;
    }

    private static int digit(char c) {
        int d = Character.digit(c, 16);
        if (d < 0) {
            throw new IllegalArgumentException("not a hex digit: '" + c + "'");
        }
        return d;
    }
}
