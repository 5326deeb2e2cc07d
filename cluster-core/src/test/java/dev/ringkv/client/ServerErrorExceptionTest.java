package dev.ringkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Error replies become typed exceptions carrying what the caller needs next. */
class ServerErrorExceptionTest {

    @Test
    void notResponsibleCarriesTheRingVersionAndIsRetryable() {
        NotResponsibleException e = assertInstanceOf(NotResponsibleException.class,
                ServerErrorException.of("NOT_RESPONSIBLE 42"));
        assertEquals(42, e.ringVersion());
        assertTrue(e.isRetryable());
        assertEquals(-1, ((NotResponsibleException) ServerErrorException.of("NOT_RESPONSIBLE")).ringVersion());
    }

    @Test
    void writeLockAndStoppedAreRetryable() {
        assertTrue(ServerErrorException.of("WRITE_LOCK range moving").isRetryable());
        assertTrue(ServerErrorException.of("STOPPED").isRetryable());
    }

    @Test
    void plainErrorsAreNotRetryableAndKeepTheirCode() {
        ServerErrorException e = ServerErrorException.of("ERR wrong number of arguments for 'get' command");
        assertEquals("ERR", e.code());
        assertFalse(e.isRetryable());
        assertEquals("DELETE_ERROR", ServerErrorException.of("DELETE_ERROR no such key").code());
    }
}
