package dev.ringkv.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class AsciiNamesTest {

    private static final AsciiNames NAMES = new AsciiNames(List.of("SET", "GET", "REPL_ACK", "REPL"));

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aKnownNameInAnyCaseIsItsConstant() {
        String set = "SET";
        assertSame(NAMES.of(latin1("set")), NAMES.of(latin1("SeT")));
        assertEquals(set, NAMES.of(latin1("set")));
        assertSame(NAMES.of(latin1("REPL_ACK")), NAMES.of(latin1("repl_ack")));
        assertEquals("REPL", NAMES.of(latin1("repl")));
    }

    @Test
    void anUnknownNameIsUpperCasedAsBefore() {
        assertEquals("SETX", NAMES.of(latin1("setx")));
        assertEquals("SE", NAMES.of(latin1("se")));
        assertEquals("", NAMES.of(new byte[0]));
        // 's' + 0xC9 ('É'): not "SET" even though it has its length; upper-cased like new String(...).toUpperCase
        assertEquals("SÉT", NAMES.of(latin1("sét")));
        // '{' is 'Z' + 1 and '@' is 'A' - 1: no off-by-one in the ASCII case fold
        assertEquals("{ET", NAMES.of(latin1("{et")));
    }

    @Property
    void sameAsUpperCasingEveryByteString(@ForAll byte[] b) {
        assertEquals(new String(b, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT), NAMES.of(b));
    }

    @Test
    void refusesNamesThatAreNotUpperCaseAscii() {
        assertThrows(IllegalArgumentException.class, () -> new AsciiNames(List.of("set")));
        assertThrows(IllegalArgumentException.class, () -> new AsciiNames(List.of("SÉT")));
    }

    @Test
    void bytesOfAKnownNameAreShared() {
        String repl = "REPL";
        assertArrayEquals(latin1("REPL"), NAMES.bytesOf(repl));
        assertSame(NAMES.bytesOf(repl), NAMES.bytesOf(repl));
        assertNull(NAMES.bytesOf(new String("REPL"))); // only the constant itself: an equal copy is not looked up
        assertNull(NAMES.bytesOf("DEL"));
    }

    @Property
    void parseLongAgreesWithTheJdk(@ForAll long v) {
        assertEquals(v, AsciiNames.parseLong(latin1(Long.toString(v))));
        assertEquals(v, AsciiNames.parseLong(AsciiNames.digits(v)));
    }

    @Property
    void digitsAgreeWithTheJdk(@ForAll long v) {
        assertArrayEquals(latin1(Long.toString(v)), AsciiNames.digits(v));
    }

    @Test
    void edgeNumbers() {
        for (long v : new long[] {0, 9, 10, -1, -10, Long.MAX_VALUE, Long.MIN_VALUE, 999_999_999_999_999_999L}) {
            assertArrayEquals(latin1(Long.toString(v)), AsciiNames.digits(v));
            assertEquals(v, AsciiNames.parseLong(latin1(Long.toString(v))));
        }
        assertEquals(7, AsciiNames.parseLong(latin1("+7")));
        assertEquals(7, AsciiNames.parseLong(latin1("007")));
    }

    @Test
    void badNumbersThrowAsTheJdkDoes() {
        for (String bad : new String[] {"", "-", "+", "1a", " 1", "1 ", "--1", "9223372036854775808", "12345678901234567890"}) {
            NumberFormatException jdk = assertThrows(NumberFormatException.class, () -> Long.parseLong(bad), bad);
            NumberFormatException ours = assertThrows(NumberFormatException.class, () -> AsciiNames.parseLong(latin1(bad)), bad);
            assertEquals(jdk.getMessage(), ours.getMessage(), bad);
        }
    }
}
