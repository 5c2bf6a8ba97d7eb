package io.portcullis.telemetry;

/**
 * Where the protocol sniffers count what they see on ports declared {@code MONGO}, {@code MYSQL}
 * and {@code REDIS}. Safe to call from any event loop.
 */
public interface ProtocolMetrics {
    MongoStats mongo();

    MysqlStats mysql();

    RedisStats redis();

    /** MongoDB wire protocol, like Envoy's mongo_proxy. */
    interface MongoStats {
        /** A client operation: the command name ({@code find}, {@code insert}…) and its collection ({@code ""} if none). */
        void operation(String command, String collection);

        /** A server reply to {@code command} ({@code unknown} when the request was not seen). */
        void reply(String command);

        /** A reply that reports a failure ({@code ok: 0}, write errors, {@code $err}, QueryFailure). */
        void error(String command);

        /** Bytes that are not the MongoDB wire protocol: parsing stopped for this connection. */
        void unparsed();
    }

    /** MySQL/MariaDB client/server protocol, like Envoy's mysql_proxy. */
    interface MysqlStats {
        /** A HandshakeResponse (or COM_CHANGE_USER): the client tries to log in. */
        void loginAttempt();

        /** The server refused a login with an ERR packet. */
        void loginFailure();

        /** The client asked for TLS (SSLRequest); what follows is encrypted and not parsed. */
        void tlsUpgrade();

        /** A command packet, by name ({@code query}, {@code stmt_prepare}, {@code ping}…). */
        void command(String command);

        /** A COM_QUERY by statement kind: {@code select}, {@code insert}, {@code update}, {@code delete}, {@code other}. */
        void query(String kind);

        /** An ERR packet from the server after login. */
        void error();

        void unparsed();
    }

    /** Redis serialization protocol (RESP2/RESP3). */
    interface RedisStats {
        /** A command, by lower-case name. */
        void command(String name);

        /** An error reply ({@code -ERR…} or a RESP3 blob error). */
        void error();

        void unparsed();
    }
}
