package dev.ringkv.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyrangeTest {

    static final List<ServerAddress> FOUR = List.of(
            new ServerAddress("localhost", 5100), new ServerAddress("localhost", 5101),
            new ServerAddress("10.0.0.7", 5100), new ServerAddress("kv-3.example", 7000));

    static List<ServerAddress> inHashOrder(List<ServerAddress> servers) {
        List<ServerAddress> sorted = new ArrayList<>(servers);
        sorted.sort(Comparator.comparing(ServerAddress::position));
        return sorted;
    }

    @Test
    void keyrangeListsEachMembersArcInRingOrder() {
        List<ServerAddress> s = inHashOrder(FOUR);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < s.size(); i++) {
            ServerAddress pred = s.get((i + s.size() - 1) % s.size());
            expected.append(pred.position().hex()).append(',').append(s.get(i).position().hex()).append(',')
                    .append(s.get(i).host()).append(':').append(s.get(i).port()).append(';');
        }
        assertEquals(expected.toString(), new Ring(3, 1, FOUR).keyrangeText());
    }

    @Test
    void singleMemberKeyrangeStartsAndEndsAtItsOwnPosition() {
        ServerAddress s = new ServerAddress("localhost", 5100);
        String text = new Ring(1, 1, List.of(s)).keyrangeText();
        assertEquals("ab2bd578b78979e9d15ce0bfade24987,ab2bd578b78979e9d15ce0bfade24987,localhost:5100;", text);
        assertEquals(text, new Ring(1, 1, List.of(s)).keyrangeReadText(3));
    }

    @Test
    void emptyRingHasEmptyKeyrangeAndParsesBack() {
        assertEquals("", new Ring(0, 0, List.of()).keyrangeText());
        assertEquals(new Ring(5, 0, List.of()), Ring.parseKeyrange("", 5));
        assertEquals(new Ring(5, 0, List.of()), Ring.parseKeyrange("  \n", 5));
    }

    @Test
    void keyrangeReadStartsWhereTheReplicaRangeStarts() {
        Ring r = new Ring(3, 1, FOUR);
        List<ServerAddress> s = inHashOrder(FOUR);
        // four servers, rf 3: each holds (its successor, itself], i.e. everything but its successor's arc
        String[] entries = r.keyrangeReadText(3).split(";");
        for (int i = 0; i < s.size(); i++) {
            ServerAddress succ = s.get((i + 1) % s.size());
            assertEquals(succ.position().hex() + "," + s.get(i).position().hex() + "," + s.get(i), entries[i]);
        }
        assertEquals(r.keyrangeText(), r.keyrangeReadText(1));
    }

    @Test
    void keyrangeReadIsTheFullRingWhenEveryServerHoldsEverything() {
        Ring r = new Ring(3, 1, FOUR.subList(0, 3));
        for (String entry : r.keyrangeReadText(3).split(";")) {
            String[] f = entry.split(",");
            assertEquals(f[0], f[1], entry);
        }
    }

    @Test
    void keyrangeTextRoundTrips() {
        Ring r = new Ring(12, 0, FOUR);
        assertEquals(r, Ring.parseKeyrange(r.keyrangeText(), 12));
        Ring withTerm = Ring.parseKeyrange(r.keyrangeText(), 12, 4);
        assertEquals(4, withTerm.term());
        assertEquals(r.members(), withTerm.members());
    }

    @Test
    void parseAcceptsAnyEntryOrderWhitespaceAndNoTrailingSemicolon() {
        Ring r = new Ring(2, 0, FOUR);
        List<String> entries = new ArrayList<>(List.of(r.keyrangeText().split(";")));
        Collections.reverse(entries);
        assertEquals(r, Ring.parseKeyrange(" " + String.join("; ", entries) + "\n", 2));
    }

    @Test
    void parseRejectsMalformedOrInconsistentText() {
        Ring r = new Ring(2, 0, FOUR);
        String good = r.keyrangeText();
        String first = good.substring(0, good.indexOf(';'));
        String[] f = first.split(",");
        assertRejected("keyrange entry is not FROM,TO,HOST:PORT", f[0] + "," + f[1] + ";");
        assertRejected("bad keyrange entry", "xyz," + f[1] + "," + f[2] + ";");
        assertRejected("bad keyrange entry", f[0] + "," + f[1] + ",localhost:notaport;");
        assertRejected("keyrange entry is not FROM,TO,HOST:PORT", good + ";");
        assertRejected("keyrange gives " + f[2] + " position", f[1] + "," + f[0] + "," + f[2] + ";"
                + good.substring(good.indexOf(';') + 1));
        // from of a single server must be its own position, not somebody else's
        assertRejected("range start", f[0] + "," + f[1] + "," + f[2] + ";");
        assertRejected("duplicate member", first + ";" + first + ";");
    }

    private static void assertRejected(String fragment, String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ring.parseKeyrange(text, 1));
        assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' lacks '" + fragment + "'");
    }
}
