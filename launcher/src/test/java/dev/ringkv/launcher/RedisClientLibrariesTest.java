package dev.ringkv.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ringkv.runtime.NioNode;
import dev.ringkv.runtime.ServerOptions;
import dev.ringkv.runtime.Servers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPooled;

/** Unmodified Redis client libraries against a real node (what they send on connect: TOOLCHAIN.md). */
class RedisClientLibrariesTest {

    @TempDir
    Path dir;
    private NioNode node;

    @BeforeEach
    void start() {
        node = Servers.standalone(ServerOptions.loopback(0), dir);
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void jedisPlainAndPooledClientsWork() {
        try (Jedis jedis = new Jedis(node.address().host(), node.address().port())) {
            assertEquals("PONG", jedis.ping());
            assertEquals("OK", jedis.set("j", "1"));
            assertEquals("1", jedis.get("j"));
            assertEquals(1L, jedis.exists("j", "nope"));
            assertEquals("OK", jedis.set("j2", "2"));
            assertEquals(java.util.Arrays.asList("1", "2", null), jedis.mget("j", "j2", "nope"));
            assertEquals(2L, jedis.del("j", "j2"));
            assertNull(jedis.get("j"));
        }
        // pooled clients send CLIENT SETINFO pipelined on every new connection
        try (JedisPooled pooled = new JedisPooled(new HostAndPort(node.address().host(), node.address().port()),
                DefaultJedisClientConfig.builder().clientName("ringkv-test").build())) {
            pooled.set("p", "v");
            assertEquals("v", pooled.get("p"));
        }
    }

    @Test
    void lettuceFallsBackToResp2AndWorks() {
        RedisClient client = RedisClient.create(RedisURI.builder()
                .withHost(node.address().host()).withPort(node.address().port())
                .withTimeout(Duration.ofSeconds(10)).build());
        try (StatefulRedisConnection<String, String> conn = client.connect()) {
            RedisCommands<String, String> redis = conn.sync();
            assertEquals("PONG", redis.ping());
            assertEquals("OK", redis.set("l", "lettuce"));
            assertEquals("lettuce", redis.get("l"));
            assertEquals(1L, redis.del("l"));
            assertEquals(0L, redis.dbsize());
        } finally {
            client.shutdown();
        }
    }
}
