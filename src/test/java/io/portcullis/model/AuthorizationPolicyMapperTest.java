package io.portcullis.model;

import static io.portcullis.model.Fixtures.onlyError;
import static io.portcullis.model.Fixtures.single;
import static io.portcullis.model.Fixtures.warning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.portcullis.model.AuthorizationPolicy.Action;
import io.portcullis.model.AuthorizationPolicy.ConditionKey;
import io.portcullis.model.AuthorizationPolicy.Rule;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AuthorizationPolicyMapperTest {

    static String ap(String spec) {
        return """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: egress
                  namespace: istio-system
                spec:
                """ + spec.indent(2);
    }

    @Test
    void mapsAllowRulesOnSourcesOperationsAndConditions() {
        AuthorizationPolicy p = single(ap("""
                action: ALLOW
                rules:
                - from:
                  - source:
                      principals: [cluster.local/ns/default/sa/sleep, "*/sa/trusted"]
                      namespaces: [default]
                      ipBlocks: [10.0.0.0/8]
                      notIpBlocks: [10.9.0.0/16]
                  to:
                  - operation:
                      hosts: [Mongo.Example.TEST, "*.googleapis.com"]
                      ports: ["443", 27017]
                  when:
                  - key: connection.sni
                    values: [mongo.example.test]
                  - key: destination.port
                    notValues: ["80"]
                  - key: destination.ip
                    values: [10.1.0.0/16]
                """), AuthorizationPolicy.class);
        assertThat(p.id()).isEqualTo(new ResourceId("AuthorizationPolicy", "istio-system", "egress"));
        assertThat(p.action()).isEqualTo(Action.ALLOW);
        Rule r = p.rules().get(0);
        assertThat(r.from().get(0).principals()).containsExactly("cluster.local/ns/default/sa/sleep", "*/sa/trusted");
        assertThat(r.from().get(0).ipBlocks()).extracting(Cidr::toString).containsExactly("10.0.0.0/8");
        assertThat(r.to().get(0).hosts()).containsExactly("mongo.example.test", "*.googleapis.com");
        assertThat(r.to().get(0).ports()).containsExactly(443, 27017);
        assertThat(r.when()).extracting(AuthorizationPolicy.Condition::key)
                .containsExactly(ConditionKey.CONNECTION_SNI, ConditionKey.DESTINATION_PORT, ConditionKey.DESTINATION_IP);
    }

    @Test
    void allowNothingIsAPolicyWithoutRules() {
        AuthorizationPolicy empty = single("""
                apiVersion: security.istio.io/v1beta1
                kind: AuthorizationPolicy
                metadata: {name: allow-nothing}
                spec: {}
                """, AuthorizationPolicy.class);
        assertThat(empty.action()).isEqualTo(Action.ALLOW);
        assertThat(empty.rules()).isEmpty();
        AuthorizationPolicy noSpec = single("""
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: allow-nothing}
                """, AuthorizationPolicy.class);
        assertThat(noSpec.rules()).isEmpty();
    }

    @Test
    void denyWithAnEmptyRuleMatchesEverything() {
        AuthorizationPolicy p = single(ap("""
                action: DENY
                rules: [{}]
                """), AuthorizationPolicy.class);
        assertThat(p.action()).isEqualTo(Action.DENY);
        assertThat(p.rules()).singleElement().satisfies(r -> assertThat(r.from()).isEmpty());
    }

    @Test
    void selectorIsAcceptedButNotActedOn() {
        warning(ap("""
                selector: {matchLabels: {istio: egressgateway}}
                rules: [{}]
                """), "spec.selector", "applies to every gateway listener");
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                arguments("bad action", "action: allow", "spec.action", "\"allow\" is not a valid action"),
                arguments("provider", "{action: DENY, provider: {name: ext}, rules: [{}]}", "spec.provider", "only with action CUSTOM"),
                arguments("empty source", "rules: [{from: [{source: {}}]}]", "spec.rules[0].from[0].source",
                        "a source must have at least one field"),
                arguments("from without source", "rules: [{from: [{}]}]", "spec.rules[0].from[0].source", "required"),
                arguments("empty operation", "rules: [{to: [{operation: {}}]}]", "spec.rules[0].to[0].operation",
                        "an operation must have at least one field"),
                arguments("bad CIDR", "rules: [{from: [{source: {ipBlocks: [10.0.0.0/33]}}]}]",
                        "spec.rules[0].from[0].source.ipBlocks[0]", "is not a CIDR"),
                arguments("bad port", "rules: [{to: [{operation: {ports: [\"https\"]}}]}]",
                        "spec.rules[0].to[0].operation.ports[0]", "\"https\" is not a port number"),
                arguments("port out of range", "rules: [{to: [{operation: {notPorts: [70000]}}]}]",
                        "spec.rules[0].to[0].operation.notPorts[0]", "is not a port number"),
                arguments("star in the middle", "rules: [{from: [{source: {principals: [\"cluster.local/*/sa/x\"]}}]}]",
                        "spec.rules[0].from[0].source.principals[0]", "may only be the first or the last character"),
                arguments("empty principal", "rules: [{from: [{source: {principals: [\"\"]}}]}]",
                        "spec.rules[0].from[0].source.principals[0]", "must not be empty"),
                arguments("unknown condition key", "rules: [{when: [{key: request.colour, values: [a]}]}]",
                        "spec.rules[0].when[0].key", "is not an Istio condition key"),
                arguments("DENY without rules", "action: DENY", "spec.rules", "required with action DENY"),
                arguments("CUSTOM without provider", "{action: CUSTOM, rules: [{}]}", "spec.provider",
                        "provider.name is required"),
                arguments("service accounts with principals",
                        "rules: [{from: [{source: {principals: [a], serviceAccounts: [b]}}]}]",
                        "spec.rules[0].from[0].source.serviceAccounts", "cannot be combined with principals"),
                arguments("selector wildcard", "{selector: {matchLabels: {app: \"*\"}}}",
                        "spec.selector.matchLabels.app", "a selector takes no wildcards"),
                arguments("condition without values", "rules: [{when: [{key: connection.sni}]}]",
                        "spec.rules[0].when[0]", "at least one of values or notValues is required"),
                arguments("condition key required", "rules: [{when: [{values: [a]}]}]",
                        "spec.rules[0].when[0].key", "required"),
                arguments("destination.port value", "rules: [{when: [{key: destination.port, values: [\"0\"]}]}]",
                        "spec.rules[0].when[0].values[0]", "\"0\" is not a port number"),
                arguments("destination.ip value", "rules: [{when: [{key: destination.ip, notValues: [example.com]}]}]",
                        "spec.rules[0].when[0].notValues[0]", "destination.ip takes IPs and CIDRs"),
                arguments("unknown field", "rules: [{from: [{source: {not_principal: [a]}}]}]",
                        "spec.rules[0].from[0].source.not_principal", "has no field \"not_principal\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void refusesWithTheFieldAndTheReason(String name, String spec, String field, String fragment) {
        onlyError(ap(spec), field, fragment);
    }

    @Test
    void refusesAnUnknownApiVersion() {
        onlyError("""
                apiVersion: security.istio.io/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: old}
                spec: {}
                """, "apiVersion", "expected: security.istio.io/v1 or v1beta1");
    }

    /**
     * Istio accepts these; the HTTP fields are kept for HTTP requests (the Authorizer applies Istio's TCP rule
     * to them), and what Portcullis cannot check at all (JWT, trust domains) follows Istio's rule for TCP
     * traffic: an ALLOW rule using it matches nothing, a DENY rule loses the field and denies more.
     */
    @Test
    void fieldsAConnectionCannotAnswerNeverOpenMore() {
        String allow = ap("rules: [{to: [{operation: {methods: [GET], notPaths: [\"/admin/{**}\"], ports: [\"443\"]}}]}]");
        assertThat(Fixtures.warnings(allow)).isEmpty();
        AuthorizationPolicy.Operation op = single(allow, AuthorizationPolicy.class).rules().get(0).to().get(0);
        assertThat(op.methods()).containsExactly("GET");
        assertThat(op.notPaths()).containsExactly("/admin/{**}");

        String jwt = ap("rules: [{from: [{source: {requestPrincipals: [\"*\"]}}]}]");
        warning(jwt, "spec.rules[0]", "this ALLOW rule uses spec.rules[0].from[0].source.requestPrincipals");
        assertThat(single(jwt, AuthorizationPolicy.class).rules()).isEmpty();

        String deny = ap("{action: DENY, rules: [{from: [{source: {requestPrincipals: [\"*\"]}}],"
                + " when: [{key: \"request.headers[X-User]\", values: [a]}]}]}");
        warning(deny, "spec.rules[0]", "the rule denies more");
        AuthorizationPolicy.Rule rule = single(deny, AuthorizationPolicy.class).rules().get(0);
        assertThat(rule.when()).singleElement().satisfies(c -> {
            assertThat(c.key()).isEqualTo(ConditionKey.REQUEST_HEADERS);
            assertThat(c.header()).contains("x-user");
        });
        assertThat(rule.from().get(0).principals()).isEmpty();

        String custom = ap("{action: CUSTOM, provider: {name: ext}, rules: [{to: [{operation: {ports: [\"22\"]}}]}]}");
        warning(custom, "spec.action", "what its rules match is denied");
        assertThat(single(custom, AuthorizationPolicy.class).action()).isEqualTo(AuthorizationPolicy.Action.DENY);

        String accounts = ap("rules: [{from: [{source: {serviceAccounts: [sleep, other/curl]}}]}]");
        assertThat(single(accounts, AuthorizationPolicy.class).rules().get(0).from().get(0).principals())
                .containsExactly("*/ns/istio-system/sa/sleep", "*/ns/other/sa/curl");

        assertThat(Fixtures.parse(ap("action: AUDIT")).resources()).isEmpty();
        assertThat(Fixtures.errors(ap("action: AUDIT"))).isEmpty();
    }

    /** Istio's dry-run annotation: a Go boolean; true marks the policy dry-run, with no warning. */
    @Test
    void dryRunAnnotation() {
        String dry = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: egress
                  namespace: istio-system
                  annotations: {istio.io/dry-run: "%s"}
                spec: {action: DENY, rules: [{}]}
                """;
        assertThat(Fixtures.warnings(dry.formatted("true"))).isEmpty();
        assertThat(single(dry.formatted("true"), AuthorizationPolicy.class).dryRun()).isTrue();
        assertThat(single(dry.formatted("T"), AuthorizationPolicy.class).dryRun()).isTrue();
        assertThat(single(dry.formatted("false"), AuthorizationPolicy.class).dryRun()).isFalse();
        onlyError(dry.formatted("yes"), "metadata.annotations", "must be true or false (found \"yes\")");
    }

    static Stream<Arguments> invalidHttpFields() {
        return Stream.of(
                arguments("{**} not last", "rules: [{to: [{operation: {paths: [\"/a/{**}/b/{*}\"]}}]}]",
                        "spec.rules[0].to[0].operation.paths[0]", "{**} must be the last operator"),
                arguments("brace outside a template", "rules: [{to: [{operation: {notPaths: [\"/a/{id}\"]}}]}]",
                        "spec.rules[0].to[0].operation.notPaths[0]", "only in the path templates"),
                arguments("star literal in a template", "rules: [{to: [{operation: {paths: [\"/a*/{*}\"]}}]}]",
                        "spec.rules[0].to[0].operation.paths[0]", "is not a literal of a path template"),
                arguments("empty method", "rules: [{to: [{operation: {methods: [\"\"]}}]}]",
                        "spec.rules[0].to[0].operation.methods[0]", "must not be empty"),
                arguments("header key without name", "rules: [{when: [{key: request.headers, values: [a]}]}]",
                        "spec.rules[0].when[0].key", "is not an Istio condition key"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidHttpFields")
    void refusesBadHttpFields(String name, String spec, String field, String fragment) {
        onlyError(ap(spec), field, fragment);
    }

    @Test
    void refusedPoliciesAreNamedInTheMessage() {
        Problem p = onlyError(ap("action: allow"), "spec.action", "allow");
        assertThat(p.toString()).startsWith("test.yaml: AuthorizationPolicy/istio-system/egress spec.action: ");
        assertThat(List.of(p.resource().kind())).containsExactly("AuthorizationPolicy");
    }
}
