package dev.ringkv.storage;

import java.nio.file.Path;

/** A second process for {@link DirectoryLockTest}: holds a store open until its stdin closes. */
public final class LockHolderMain {

    private LockHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        try (LogStore store = LogStore.open(StoreOptions.builder(Path.of(args[0])).fsyncPolicy(FsyncPolicy.NO).build())) {
            System.out.println("locked " + store.directory());
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold until the parent closes our stdin
            }
        }
    }
}
