package dev.ringkv.ui;

import javafx.application.Application;

/**
 * Entry point of the desktop monitor. Deliberately not an {@link Application}: a fat jar whose main
 * class extends Application fails with "JavaFX runtime components are missing" (TOOLCHAIN.md).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Application.launch(MonitorApp.class, args);
    }
}
