package io.portcullis.policy;

import io.portcullis.model.ServiceEntry;
import io.portcullis.model.ServicePort;

/** One port of one ServiceEntry: what a lookup by (host or address, port) finds. */
public record PortBinding(ServiceEntry entry, ServicePort port) {
}
