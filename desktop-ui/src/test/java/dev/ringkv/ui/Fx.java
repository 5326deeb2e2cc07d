package dev.ringkv.ui;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.testfx.util.WaitForAsyncUtils;

/** Test helpers: run on the FX thread and wait for it; poll a condition evaluated on the FX thread. */
final class Fx {
    private Fx() {
    }

    static <T> T call(Callable<T> c) throws Exception {
        return WaitForAsyncUtils.asyncFx(c).get(10, TimeUnit.SECONDS);
    }

    static void run(Runnable r) throws Exception {
        WaitForAsyncUtils.asyncFx(r).get(10, TimeUnit.SECONDS);
    }

    /** {@link #await(String, BooleanSupplier, long)} for up to a minute. */
    static void await(String what, BooleanSupplier condition) throws Exception {
        await(what, condition, 60);
    }

    /** Waits until {@code condition} holds on the FX thread; fails naming {@code what} after {@code seconds}. */
    static void await(String what, BooleanSupplier condition, long seconds) throws Exception {
        try {
            WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, () -> call(condition::getAsBoolean));
        } catch (TimeoutException e) {
            throw new AssertionError("timed out waiting for: " + what);
        }
    }

    /** Visible, and so are all its parents (a node can be visible inside a hidden bar). */
    static boolean shown(javafx.scene.Node n) {
        for (javafx.scene.Node x = n; x != null; x = x.getParent()) {
            if (!x.isVisible()) {
                return false;
            }
        }
        return true;
    }
}
