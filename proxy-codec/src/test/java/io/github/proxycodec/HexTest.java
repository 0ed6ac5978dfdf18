package io.github.proxycodec;

import io.github.proxycodec.testing.Hex;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The shared hex parser: the rules every module's vectors and literals are read by. */
class HexTest {

    @Test
    void whitespaceAndCommentLinesAreSkipped() {
        assertArrayEquals(new byte[] {0x0D, 0x0A, (byte) 0xFF, 0x00},
                Hex.decode("# a comment: 1234\n  0d 0A\n\tff00 \n# 99\n"));
    }

    @Test
    void anOddDigitCountOrANonHexCharacterIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Hex.decode("0d0"));
        assertThrows(IllegalArgumentException.class, () -> Hex.decode("0z"));
        assertThrows(IllegalArgumentException.class, () -> Hex.decode("+1"));
    }
}
