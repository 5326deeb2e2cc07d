package dev.ringkv.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.GeneralCodingRules.NO_CLASSES_SHOULD_ACCESS_STANDARD_STREAMS;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** DESIGN §2: the module and package rules, as tests from the first commit. */
class ModuleRulesTest {

    private static JavaClasses core;

    @BeforeAll
    static void importCore() {
        core = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.ringkv");
    }

    @Test
    void clusterCoreNeverImportsJavaFx() {
        noClasses().should().dependOnClassesThat().resideInAPackage("javafx..").check(core);
    }

    @Test
    void clusterCoreNeverWritesToStdoutOrStderr() {
        NO_CLASSES_SHOULD_ACCESS_STANDARD_STREAMS.check(core);
    }

    @Test
    void protocolLogicNeverTouchesNioThreadsOrTheClock() {
        noClasses().that().resideInAnyPackage("dev.ringkv.ring..", "dev.ringkv.node..", "dev.ringkv.ecs..",
                        "dev.ringkv.check..")
                .should().dependOnClassesThat().resideInAnyPackage("java.nio", "java.nio.channels..", "java.nio.file..", "java.net..",
                        "java.util.concurrent..")
                .orShould().dependOnClassesThat().belongToAnyOf(Thread.class, java.time.Clock.class,
                        java.time.Instant.class, java.util.Timer.class)
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .check(core);
    }

    @Test
    void protocolLogicNeverDependsOnTheRuntime() {
        noClasses().that().resideInAnyPackage("dev.ringkv.ring..", "dev.ringkv.node..", "dev.ringkv.ecs..",
                        "dev.ringkv.storage..", "dev.ringkv.wire..", "dev.ringkv.check..")
                .should().dependOnClassesThat().resideInAPackage("dev.ringkv.runtime..")
                .check(core);
    }

    @Test
    void theRingIsPureMath() {
        noClasses().that().resideInAPackage("dev.ringkv.ring..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.ringkv.storage..", "dev.ringkv.node..",
                        "dev.ringkv.wire..", "dev.ringkv.client..", "java.io..")
                .check(core);
    }

    /**
     * The linearizability checker judges histories that the simulation and the chaos run record: it must
     * not depend on what it judges (the node, the store, the runtimes), nor do any I/O of its own.
     */
    @Test
    void theCheckerDependsOnNothingItChecks() {
        noClasses().that().resideInAPackage("dev.ringkv.check..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.ringkv.ring..", "dev.ringkv.node..",
                        "dev.ringkv.ecs..", "dev.ringkv.storage..", "dev.ringkv.runtime..", "dev.ringkv.sim..",
                        "dev.ringkv.client..", "dev.ringkv.wire..", "dev.ringkv.monitor..", "java.io..")
                .check(core);
    }
}
