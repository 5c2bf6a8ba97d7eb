package io.portcullis.proxy.sniff;

import io.portcullis.model.Protocol;
import io.portcullis.telemetry.ProtocolMetrics;

/** The sniffer for a ServiceEntry port's protocol: MONGO, MYSQL and REDIS have one, others none. */
public final class Sniffers {
    private Sniffers() {
    }

    /** A new sniffer for one connection, or null when {@code protocol} has none (or metrics are off). */
    public static ProtocolSniffer forProtocol(Protocol protocol, ProtocolMetrics metrics) {
        if (protocol == null || metrics == null) {
            return null;
        }
        return switch (protocol) {
            case MONGO -> new MongoWireSniffer(metrics.mongo());
            case MYSQL -> new MysqlSniffer(metrics.mysql());
            case REDIS -> new RespSniffer(metrics.redis());
            default -> null;
        };
    }
}
