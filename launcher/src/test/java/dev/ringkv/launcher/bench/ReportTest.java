package dev.ringkv.launcher.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The side-by-side report judges targets right and replaces only its own section of the document. */
class ReportTest {

    @TempDir
    Path dir;

    @Test
    void targetsAreJudgedWithTheirUnits() {
        assertEquals("yes", Report.met("4.15", "≥ 2"));
        assertEquals("**no**", Report.met("1.99", "≥ 2"));
        assertEquals("yes", Report.met("2", "≥ 2"));
        assertEquals("yes", Report.met("566.1 ms", "< 1 s"));
        assertEquals("**no**", Report.met("1,200 ms", "< 1 s"));
        assertEquals("yes", Report.met("85.6 / 148.5 ms", "< 1.5 s"));
        assertEquals("yes", Report.met("90 MB", "< 100 MB"));
        assertEquals("**no**", Report.met("100 MB", "< 100 MB"));
        assertEquals("yes", Report.met("149 MiB", "< 150 MiB"));
        assertEquals("yes", Report.met("0 (0 + 0)", "0"));
        assertEquals("**no**", Report.met("1 (1 + 0)", "0"));
        assertEquals("", Report.met("693 ms", "measured"));
        assertEquals("", Report.met("1183 ms", ""));
        assertEquals("", Report.met("? ms", "< 1 s"));
    }

    @Test
    void onlyTheTextBetweenTheMarkersIsReplaced() throws Exception {
        Path doc = dir.resolve("performance.md");
        Files.writeString(doc, "# Performance\nbefore\n" + Report.BEGIN + "\nold figures\n" + Report.END + "\nafter\n");
        Report.splice(doc, Report.BEGIN + "\n## new figures\n" + Report.END + "\n");
        assertEquals("# Performance\nbefore\n" + Report.BEGIN + "\n## new figures\n" + Report.END + "\nafter\n", Files.readString(doc));
        Report.splice(doc, Report.BEGIN + "\n## newer\n" + Report.END);
        assertEquals("# Performance\nbefore\n" + Report.BEGIN + "\n## newer\n" + Report.END + "\nafter\n", Files.readString(doc));
    }

    @Test
    void aDocumentWithoutMarkersIsRefusedUntouched() throws Exception {
        Path doc = dir.resolve("other.md");
        Files.writeString(doc, "no markers here\n");
        assertThrows(IllegalStateException.class, () -> Report.splice(doc, Report.BEGIN + "\nx\n" + Report.END));
        assertEquals("no markers here\n", Files.readString(doc));
        Files.writeString(doc, Report.BEGIN + "\n" + Report.END);
        assertThrows(IllegalArgumentException.class, () -> Report.splice(doc, "no markers"));
    }
}
