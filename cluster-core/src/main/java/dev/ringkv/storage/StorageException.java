package dev.ringkv.storage;

/** A store refused or failed an operation; the message is meant for the user (it becomes an -ERR reply). */
public class StorageException extends RuntimeException {

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
