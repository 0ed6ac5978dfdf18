package io.github.proxycodec.interop;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Just enough DNS wire format for the dnsdist tests: a query, and a TXT answer to any query. */
final class Dns {

    /** Type A. */
    static final int A = 1;
    /** Type TXT. */
    static final int TXT = 16;

    private Dns() {
    }

    /** Builds a query with recursion desired, one question of class IN, no EDNS. */
    static byte[] query(int id, String name, int type) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeShort(out, id);
        writeShort(out, 0x0100); // RD
        writeShort(out, 1);
        writeShort(out, 0);
        writeShort(out, 0);
        writeShort(out, 0);
        for (String label : name.split("\\.")) {
            byte[] b = label.getBytes(StandardCharsets.US_ASCII);
            out.write(b.length);
            out.writeBytes(b);
        }
        out.write(0);
        writeShort(out, type);
        writeShort(out, 1);
        return out.toByteArray();
    }

    /**
     * Answers {@code query} (one question) with one TXT record holding {@code text}: same id and
     * question, QR and RA set, RCODE 0, any additional records (EDNS) dropped.
     */
    static byte[] txtAnswer(byte[] query, String text) {
        int questionEnd = questionEnd(query);
        byte[] t = text.getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(query[0]);
        out.write(query[1]);
        writeShort(out, 0x8000 | (query[2] & 0x01) << 8 | 0x0080); // QR, opcode 0, RD copied, RA
        writeShort(out, 1);
        writeShort(out, 1);
        writeShort(out, 0);
        writeShort(out, 0);
        out.write(query, 12, questionEnd - 12);
        writeShort(out, 0xC00C); // the question's name
        writeShort(out, TXT);
        writeShort(out, 1);
        writeShort(out, 0);
        writeShort(out, 0); // TTL 0
        writeShort(out, t.length + 1);
        out.write(t.length);
        out.writeBytes(t);
        return out.toByteArray();
    }

    /** Returns the question's name, e.g. {@code who.example.test}. */
    static String questionName(byte[] msg) {
        StringBuilder sb = new StringBuilder();
        int i = 12;
        while (msg[i] != 0) {
            int n = msg[i] & 0xFF;
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(new String(msg, i + 1, n, StandardCharsets.US_ASCII));
            i += n + 1;
        }
        return sb.toString();
    }

    /** Returns the message id. */
    static int id(byte[] msg) {
        return (msg[0] & 0xFF) << 8 | (msg[1] & 0xFF);
    }

    /** Returns whether the message is a response (QR bit). */
    static boolean isResponse(byte[] msg) {
        return (msg[2] & 0x80) != 0;
    }

    /** Returns the RCODE. */
    static int rcode(byte[] msg) {
        return msg[3] & 0x0F;
    }

    /** Returns ANCOUNT. */
    static int answerCount(byte[] msg) {
        return (msg[6] & 0xFF) << 8 | (msg[7] & 0xFF);
    }

    /**
     * Returns the text of a message whose last record is a TXT record with one string (as
     * {@link #txtAnswer} builds them).
     */
    static String lastTxt(byte[] msg) {
        // Walk back: RDLENGTH (2 bytes) precedes the string length byte and the string.
        for (int len = 0; len < 256 && len + 3 <= msg.length; len++) {
            int at = msg.length - len - 1;
            int rdlength = (msg[at - 2] & 0xFF) << 8 | (msg[at - 1] & 0xFF);
            if ((msg[at] & 0xFF) == len && rdlength == len + 1) {
                return new String(msg, at + 1, len, StandardCharsets.US_ASCII);
            }
        }
        throw new IllegalArgumentException("no TXT string at the end of the message");
    }

    /** Returns the last {@code n} bytes (e.g. the RDATA of a single A answer at the end). */
    static byte[] tail(byte[] msg, int n) {
        return Arrays.copyOfRange(msg, msg.length - n, msg.length);
    }

    private static int questionEnd(byte[] msg) {
        int i = 12;
        while (msg[i] != 0) {
            if ((msg[i] & 0xC0) != 0) {
                throw new IllegalArgumentException("compressed name in a question");
            }
            i += (msg[i] & 0xFF) + 1;
        }
        return i + 1 + 4;
    }

    private static void writeShort(ByteArrayOutputStream out, int v) {
        out.write(v >>> 8 & 0xFF);
        out.write(v & 0xFF);
    }
}
