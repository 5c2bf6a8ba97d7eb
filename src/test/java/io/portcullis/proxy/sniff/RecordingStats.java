package io.portcullis.proxy.sniff;

import io.portcullis.telemetry.ProtocolMetrics;
import java.util.ArrayList;
import java.util.List;

/** Records what a sniffer reports, as strings in order, for assertions. */
final class RecordingStats implements ProtocolMetrics, ProtocolMetrics.MongoStats, ProtocolMetrics.MysqlStats,
        ProtocolMetrics.RedisStats {
    final List<String> events = new ArrayList<>();

    @Override
    public MongoStats mongo() {
        return this;
    }

    @Override
    public MysqlStats mysql() {
        return this;
    }

    @Override
    public RedisStats redis() {
        return this;
    }

    @Override
    public void operation(String command, String collection) {
        events.add("op " + command + " " + collection);
    }

    @Override
    public void reply(String command) {
        events.add("reply " + command);
    }

    @Override
    public void error(String command) {
        events.add("error " + command);
    }

    @Override
    public void unparsed() {
        events.add("unparsed");
    }

    @Override
    public void loginAttempt() {
        events.add("login");
    }

    @Override
    public void loginFailure() {
        events.add("login failure");
    }

    @Override
    public void tlsUpgrade() {
        events.add("tls");
    }

    @Override
    public void command(String command) {
        events.add("command " + command);
    }

    @Override
    public void query(String kind) {
        events.add("query " + kind);
    }

    @Override
    public void error() {
        events.add("error");
    }
}
