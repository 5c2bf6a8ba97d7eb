package io.portcullis.policy;

import io.portcullis.model.DestinationRule.ClientTls;
import io.portcullis.model.ResourceId;

/**
 * TLS the gateway opens towards an upstream for plain HTTP it received (Istio's TLS origination):
 * the {@code ClientTLSSettings} of the DestinationRule (port-level settings first) whose host
 * matches. Only SIMPLE and MUTUAL reach the data plane; DISABLE means no origination.
 *
 * @param rule the DestinationRule the settings come from, for messages and logs
 */
public record TlsOrigination(ResourceId rule, ClientTls tls) {
}
