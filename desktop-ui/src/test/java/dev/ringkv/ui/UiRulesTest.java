package dev.ringkv.ui;

import static com.tngtech.archunit.library.GeneralCodingRules.NO_CLASSES_SHOULD_ACCESS_STANDARD_STREAMS;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** DESIGN §2: only the launcher writes to stdout/stderr. */
class UiRulesTest {
    @Test
    void theMonitorNeverWritesToStdoutOrStderr() {
        NO_CLASSES_SHOULD_ACCESS_STANDARD_STREAMS.check(new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.ringkv.ui"));
    }
}
