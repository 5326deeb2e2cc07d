package dev.ringkv.node;

import dev.ringkv.ring.Position;
import dev.ringkv.ring.Range;
import dev.ringkv.storage.Store;
import dev.ringkv.storage.StoredEntry;
import dev.ringkv.wire.RespValue;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code RINGKV ENTRIES fromHex|- toHex|- cursor|- count}: a page of the entries a node stores in a ring
 * range (DESIGN §10), in ring order. Reply: {@code [nextCursor|"", [position, key, value|nil, version]...]}
 * where the version is {@code term.ring.seq} and the cursor is {@code positionHex:keyHex} of the last entry
 * (empty when the range is exhausted).
 */
final class Entries {
    static final int MAX_COUNT = 10_000;

    private Entries() {
    }

    static void list(Session s, Store store, byte[][] args) {
        if (args.length != 6) {
            s.reply(RespValue.error("ERR usage: RINGKV ENTRIES <fromHex|-> <toHex|-> <cursor|-> <count>"));
            return;
        }
        Range range;
        StoredEntry after = null;
        int count;
        try {
            String from = Commands.text(args[2]);
            String to = Commands.text(args[3]);
            range = from.equals("-") || to.equals("-") ? Range.full(Position.ZERO)
                    : new Range(Position.fromHex(from), Position.fromHex(to));
            String cursor = Commands.text(args[4]);
            if (!cursor.equals("-")) {
                int colon = cursor.indexOf(':');
                after = new StoredEntry(HexFormat.of().parseHex(cursor.substring(colon + 1)), null, null,
                        Position.fromHex(cursor.substring(0, colon)));
            }
            count = Integer.parseInt(Commands.text(args[5]));
            if (count < 1 || count > MAX_COUNT) {
                throw new IllegalArgumentException("count must be 1.." + MAX_COUNT);
            }
        } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
            s.reply(RespValue.error("ERR bad RINGKV ENTRIES argument: " + e.getMessage()));
            return;
        }
        List<StoredEntry> page = store.scan(range, after, count, false);
        List<RespValue> items = new ArrayList<>(page.size());
        for (StoredEntry e : page) {
            items.add(new RespValue.Array(List.of(RespValue.bulk(e.position().hex()), RespValue.bulk(e.key()),
                    RespValue.bulk(e.value()), RespValue.bulk(e.version().toString()))));
        }
        String next = "";
        if (page.size() == count) {
            StoredEntry last = page.get(page.size() - 1);
            next = last.position().hex() + ":" + HexFormat.of().formatHex(last.key());
        }
        s.reply(new RespValue.Array(List.of(RespValue.bulk(next), new RespValue.Array(items))));
    }
}
