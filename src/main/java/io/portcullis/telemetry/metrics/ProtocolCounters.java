package io.portcullis.telemetry.metrics;

import io.portcullis.telemetry.ProtocolMetrics;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;

/**
 * The protocol statistics in Prometheus counters. Command and collection names come from
 * clients, so each passes through its own {@link LabelBudget}. Thread-safe.
 */
final class ProtocolCounters implements ProtocolMetrics {
    private final Mongo mongo;
    private final Mysql mysql;
    private final Redis redis;

    ProtocolCounters(GatewayMetrics m, int maxLabelValues) {
        Counter unparsed = m.counter(MetricCatalog.PROTOCOL_UNPARSED);
        this.mongo = new Mongo(m, maxLabelValues, unparsed.labelValues("mongo"));
        this.mysql = new Mysql(m, unparsed.labelValues("mysql"));
        this.redis = new Redis(m, maxLabelValues, unparsed.labelValues("redis"));
    }

    @Override
    public MongoStats mongo() {
        return mongo;
    }

    @Override
    public MysqlStats mysql() {
        return mysql;
    }

    @Override
    public RedisStats redis() {
        return redis;
    }

    private static final class Mongo implements MongoStats {
        private final Counter operations;
        private final Counter replies;
        private final Counter errors;
        private final CounterDataPoint unparsed;
        private final LabelBudget commands;
        private final LabelBudget collections;

        Mongo(GatewayMetrics m, int limit, CounterDataPoint unparsed) {
            this.operations = m.counter(MetricCatalog.MONGO_OPERATIONS);
            this.replies = m.counter(MetricCatalog.MONGO_REPLIES);
            this.errors = m.counter(MetricCatalog.MONGO_ERRORS);
            this.unparsed = unparsed;
            this.commands = m.budget("mongo_command", limit);
            this.collections = m.budget("mongo_collection", limit);
        }

        @Override
        public void operation(String command, String collection) {
            operations.labelValues(commands.admit(command), collection.isEmpty() ? "" : collections.admit(collection)).inc();
        }

        @Override
        public void reply(String command) {
            replies.labelValues(commands.admit(command)).inc();
        }

        @Override
        public void error(String command) {
            errors.labelValues(commands.admit(command)).inc();
        }

        @Override
        public void unparsed() {
            unparsed.inc();
        }
    }

    private static final class Mysql implements MysqlStats {
        private final CounterDataPoint loginAttempts;
        private final CounterDataPoint loginFailures;
        private final CounterDataPoint tlsUpgrades;
        private final Counter commands;
        private final Counter queries;
        private final CounterDataPoint errors;
        private final CounterDataPoint unparsed;

        Mysql(GatewayMetrics m, CounterDataPoint unparsed) {
            this.loginAttempts = m.counter(MetricCatalog.MYSQL_LOGIN_ATTEMPTS).labelValues();
            this.loginFailures = m.counter(MetricCatalog.MYSQL_LOGIN_FAILURES).labelValues();
            this.tlsUpgrades = m.counter(MetricCatalog.MYSQL_TLS_UPGRADES).labelValues();
            this.commands = m.counter(MetricCatalog.MYSQL_COMMANDS);
            this.queries = m.counter(MetricCatalog.MYSQL_QUERIES);
            this.errors = m.counter(MetricCatalog.MYSQL_ERRORS).labelValues();
            this.unparsed = unparsed;
        }

        @Override
        public void loginAttempt() {
            loginAttempts.inc();
        }

        @Override
        public void loginFailure() {
            loginFailures.inc();
        }

        @Override
        public void tlsUpgrade() {
            tlsUpgrades.inc();
        }

        @Override
        public void command(String command) {
            // A fixed vocabulary chosen by the parser, not by the client: no budget needed.
            commands.labelValues(command).inc();
        }

        @Override
        public void query(String kind) {
            queries.labelValues(kind).inc();
        }

        @Override
        public void error() {
            errors.inc();
        }

        @Override
        public void unparsed() {
            unparsed.inc();
        }
    }

    private static final class Redis implements RedisStats {
        private final Counter commands;
        private final CounterDataPoint errors;
        private final CounterDataPoint unparsed;
        private final LabelBudget names;

        Redis(GatewayMetrics m, int limit, CounterDataPoint unparsed) {
            this.commands = m.counter(MetricCatalog.REDIS_COMMANDS);
            this.errors = m.counter(MetricCatalog.REDIS_ERRORS).labelValues();
            this.unparsed = unparsed;
            this.names = m.budget("redis_command", limit);
        }

        @Override
        public void command(String name) {
            commands.labelValues(names.admit(name)).inc();
        }

        @Override
        public void error() {
            errors.inc();
        }

        @Override
        public void unparsed() {
            unparsed.inc();
        }
    }
}
