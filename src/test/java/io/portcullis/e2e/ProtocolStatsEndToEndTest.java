package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.MariaDbServerProcess;
import io.portcullis.testsupport.PrometheusScrape;
import io.portcullis.testsupport.RedisServerProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * Protocol statistics from real clients and servers through a TCP Gateway listener: the MongoDB
 * Java driver against mongo-java-server, JDBC against a real mariadbd, redis-cli against
 * redis-server, and garbage on a MONGO port that must still flow.
 */
class ProtocolStatsEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Test
    void mongoDriverOperationsAreCountedPerCollection() throws Exception {
        MongoServer mongo = new MongoServer(new MemoryBackend());
        InetSocketAddress upstream = mongo.bind();
        try (RunningGateway g = RunningGateway.start()) {
            int gatewayPort = g.applyOnFreePort("mongo.yaml", port ->
                    TcpProtocols.gatewayTo("mongo", "mongo.example.test", "MONGO", port,
                    upstream.getPort()));
            MongoClientSettings settings = MongoClientSettings.builder()
                    .applyConnectionString(new ConnectionString("mongodb://127.0.0.1:" + gatewayPort + "/?directConnection=true"))
                    .build();
            try (MongoClient client = MongoClients.create(settings)) {
                MongoCollection<Document> books = client.getDatabase("library").getCollection("books");
                MongoCollection<Document> loans = client.getDatabase("library").getCollection("loans");
                books.insertOne(new Document("_id", 1).append("title", "Dune"));
                books.insertMany(List.of(new Document("_id", 2).append("title", "Emma"),
                        new Document("_id", 3).append("title", "Ulysses")));
                loans.insertOne(new Document("_id", 1).append("book", 2));
                assertThat(books.find(Filters.eq("title", "Emma")).first()).containsEntry("_id", 2);
                assertThat(books.find().into(new java.util.ArrayList<>())).hasSize(3);
                assertThat(books.updateOne(Filters.eq("_id", 1), Updates.set("title", "Dune Messiah")).getModifiedCount())
                        .isEqualTo(1);
                assertThat(books.deleteOne(Filters.eq("_id", 3)).getDeletedCount()).isEqualTo(1);
                assertThatThrownBy(() -> loans.insertOne(new Document("_id", 1))).isInstanceOf(MongoWriteException.class);
                assertThat(books.countDocuments()).isEqualTo(2);
            }

            await().atMost(TIMEOUT).untilAsserted(() -> {
                PrometheusScrape s = g.scrape();
                String ops = "portcullis_mongo_operations_total";
                assertThat(s.sum(ops, "command", "insert", "collection", "books")).isEqualTo(2);
                assertThat(s.sum(ops, "command", "insert", "collection", "loans")).isEqualTo(2);
                assertThat(s.sum(ops, "command", "find", "collection", "books")).isEqualTo(2);
                assertThat(s.sum(ops, "command", "update", "collection", "books")).isEqualTo(1);
                assertThat(s.sum(ops, "command", "delete", "collection", "books")).isEqualTo(1);
                assertThat(s.sum(ops, "command", "aggregate", "collection", "books")).isEqualTo(1);
                // The duplicate _id comes back as a write error of the insert.
                assertThat(s.sum("portcullis_mongo_errors_total", "command", "insert")).isEqualTo(1);
                assertThat(s.sum("portcullis_mongo_replies_total", "command", "insert")).isEqualTo(4);
                assertThat(s.sum("portcullis_protocol_unparsed_total", "protocol", "mongo")).isZero();
                assertThat(s.sum("istio_tcp_connections_closed_total", "destination_service", "mongo.example.test",
                        "destination_port", String.valueOf(upstream.getPort()))).isPositive();
            });
        } finally {
            mongo.shutdownNow();
        }
    }

    @Test
    void garbageOnAMongoPortKeepsFlowingAndIsCountedAsUnparsed() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, FreePortsLoopback.ADDRESS);
             RunningGateway g = RunningGateway.start()) {
            CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (Socket s = echo.accept()) {
                    s.getInputStream().transferTo(s.getOutputStream());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            int gatewayPort = g.applyOnFreePort("mongo.yaml", port ->
                    TcpProtocols.gatewayTo("mongo", "mongo.example.test", "MONGO", port,
                    echo.getLocalPort()));
            String text = "GET / HTTP/1.1\r\nnot mongo at all ";
            byte[] garbage = new byte[200_000];
            for (int i = 0; i < garbage.length; i++) {
                garbage[i] = (byte) (text.charAt(i % text.length()) ^ (i >> 10));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(FreePortsLoopback.ADDRESS, gatewayPort));
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try {
                        out.write(garbage);
                        s.shutdownOutput();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                InputStream in = s.getInputStream();
                byte[] back = in.readAllBytes();
                writer.get(10, TimeUnit.SECONDS);
                assertThat(back).isEqualTo(garbage);
            }
            served.get(10, TimeUnit.SECONDS);
            await().atMost(TIMEOUT).untilAsserted(() -> {
                PrometheusScrape s = g.scrape();
                assertThat(s.sum("portcullis_protocol_unparsed_total", "protocol", "mongo")).isEqualTo(1);
                assertThat(s.sum("portcullis_mongo_operations_total")).isZero();
                assertThat(s.sum("istio_tcp_received_bytes_total", "destination_service", "mongo.example.test"))
                        .isEqualTo(garbage.length);
                assertThat(s.sum("istio_tcp_sent_bytes_total", "destination_service", "mongo.example.test"))
                        .isEqualTo(garbage.length);
            });
        }
    }

    @Test
    void jdbcQueriesAreCountedByKindAndAWrongPasswordIsALoginFailure() throws Exception {
        try (MariaDbServerProcess db = MariaDbServerProcess.start();
             RunningGateway g = RunningGateway.start()) {
            db.sql("CREATE DATABASE shop; CREATE USER 'app'@'%' IDENTIFIED BY 'secret'; GRANT ALL ON shop.* TO 'app'@'%';");
            int gatewayPort = g.applyOnFreePort("mysql.yaml", port ->
                    TcpProtocols.gatewayTo("mysql", "db.example.test", "MYSQL", port, db.port()));
            String url = "jdbc:mariadb://127.0.0.1:" + gatewayPort + "/shop?sslMode=disable";
            try (Connection c = DriverManager.getConnection(url, "app", "secret"); Statement st = c.createStatement()) {
                PrometheusScrape before = g.scrape();
                st.execute("CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(20))");
                st.executeUpdate("INSERT INTO orders VALUES (1, 'book')");
                st.executeUpdate("insert into orders values (2, 'pen')");
                st.executeUpdate("/* batch */ INSERT INTO orders VALUES (3, 'ink')");
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM orders")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(3);
                }
                st.executeUpdate("UPDATE orders SET item = 'quill' WHERE id = 2");
                st.executeUpdate("DELETE FROM orders WHERE id = 3");
                try (ResultSet rs = st.executeQuery("select item from orders where id = 2")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("quill");
                }
                assertThatThrownBy(() -> st.executeQuery("SELECT * FROM no_such_table")).isInstanceOf(SQLException.class);
                PrometheusScrape after = g.scrape();
                String q = "portcullis_mysql_queries_total";
                assertThat(delta(before, after, q, "kind", "insert")).isEqualTo(3);
                assertThat(delta(before, after, q, "kind", "select")).isEqualTo(3);
                assertThat(delta(before, after, q, "kind", "update")).isEqualTo(1);
                assertThat(delta(before, after, q, "kind", "delete")).isEqualTo(1);
                assertThat(delta(before, after, q, "kind", "other")).isEqualTo(1);
                assertThat(delta(before, after, "portcullis_mysql_errors_total")).isEqualTo(1);
            }
            assertThatThrownBy(() -> DriverManager.getConnection(url, "app", "wrong").close())
                    .isInstanceOf(SQLException.class).hasMessageContaining("Access denied");
            await().atMost(TIMEOUT).untilAsserted(() -> {
                PrometheusScrape s = g.scrape();
                assertThat(s.sum("portcullis_mysql_login_attempts_total")).isEqualTo(2);
                assertThat(s.sum("portcullis_mysql_login_failures_total")).isEqualTo(1);
                assertThat(s.sum("portcullis_mysql_tls_upgrades_total")).isZero();
                assertThat(s.sum("portcullis_protocol_unparsed_total", "protocol", "mysql")).isZero();
            });
        }
    }

    @Test
    void redisCliCommandsAndErrorRepliesAreCounted() throws Exception {
        Cli.requireCommand("redis-cli");
        try (RedisServerProcess redis = RedisServerProcess.start();
             RunningGateway g = RunningGateway.start()) {
            int gatewayPort = g.applyOnFreePort("redis.yaml", port ->
                    TcpProtocols.gatewayTo("redis", "redis.example.test", "REDIS", port, redis.port()));
            String port = String.valueOf(gatewayPort);
            assertThat(Cli.run(TIMEOUT, "redis-cli", "-h", "127.0.0.1", "-p", port, "PING").stdout().trim()).isEqualTo("PONG");
            assertThat(Cli.run(TIMEOUT, "redis-cli", "-h", "127.0.0.1", "-p", port, "SET", "egress", "declared").stdout().trim())
                    .isEqualTo("OK");
            assertThat(Cli.run(TIMEOUT, "redis-cli", "-h", "127.0.0.1", "-p", port, "get", "egress").stdout().trim())
                    .isEqualTo("declared");
            assertThat(Cli.run(TIMEOUT, "redis-cli", "-h", "127.0.0.1", "-p", port, "INCR", "egress").stdout())
                    .contains("ERR value is not an integer");
            // Several commands on one connection, piped as redis-cli reads them from stdin.
            Cli.Result piped = Cli.runWithInput(TIMEOUT, "SET n 1\nINCR n\nINCR n\nGET n\n", "redis-cli", "-h", "127.0.0.1",
                    "-p", port);
            assertThat(piped.stdout()).contains("3");
            await().atMost(TIMEOUT).untilAsserted(() -> {
                PrometheusScrape s = g.scrape();
                String c = "portcullis_redis_commands_total";
                assertThat(s.sum(c, "command", "ping")).isEqualTo(1);
                assertThat(s.sum(c, "command", "set")).isEqualTo(2);
                assertThat(s.sum(c, "command", "get")).isEqualTo(2);
                assertThat(s.sum(c, "command", "incr")).isEqualTo(3);
                assertThat(s.matching(c, "command", "SET")).isEmpty();
                assertThat(s.sum("portcullis_redis_errors_total")).isEqualTo(1);
                assertThat(s.sum("portcullis_protocol_unparsed_total", "protocol", "redis")).isZero();
            });
        }
    }

    private static double delta(PrometheusScrape before, PrometheusScrape after, String name, String... labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }

    /** 127.0.0.1 itself, as the listeners bind it. */
    private static final class FreePortsLoopback {
        static final java.net.InetAddress ADDRESS = loopback();

        private static java.net.InetAddress loopback() {
            try {
                return java.net.InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
            } catch (java.net.UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
    }
}
