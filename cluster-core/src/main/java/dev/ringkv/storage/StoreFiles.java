package dev.ringkv.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Names and chores of a data directory. */
final class StoreFiles {

    static final String LOCK_FILE = "LOCK";
    static final String CORRUPT_SUFFIX = ".corrupt";
    private static final Pattern SEGMENT = Pattern.compile("segment-(\\d{10})\\.log(\\.corrupt)?");

    private StoreFiles() {
    }

    static String segmentName(long id) {
        return String.format(Locale.ROOT, "segment-%010d.log", id);
    }

    /** A file named like a segment, or one set aside as corrupt (which still reserves its id). */
    record SegmentFile(long id, Path path, boolean setAside) {
    }

    /** Segment files by ascending id, the set-aside ones included. */
    static List<SegmentFile> list(Path dir) throws IOException {
        List<SegmentFile> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                Matcher m = SEGMENT.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p)) {
                    files.add(new SegmentFile(Long.parseLong(m.group(1)), p, m.group(2) != null));
                }
            }
        }
        files.sort(Comparator.comparingLong(SegmentFile::id).thenComparing(SegmentFile::setAside));
        return files;
    }

    /** Creates the directory if missing and checks the store can write there. */
    static void prepare(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            throw new StorageException("data directory " + dir + " is not a directory");
        } catch (IOException e) {
            throw new StorageException("cannot create data directory " + dir + ": " + describe(e), e);
        }
        if (!Files.isWritable(dir)) {
            throw new StorageException("data directory " + dir + " is not writable");
        }
    }

    /**
     * Makes creations, renames and deletions in the directory durable. Best effort: not every platform
     * can open a directory.
     */
    static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // the platform cannot fsync a directory; nothing stronger is available
        }
    }

    /** An I/O failure in words for a user: "No space left on device", not a stack trace. */
    static String describe(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "a file is in the way";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
