package io.portcullis.learn;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.policy.Reason;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.LoadResult;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SuggestionBuilderTest {
    private static final Instant T0 = Instant.parse("2026-12-03T08:00:00Z");
    private static final String ORDERS = "spiffe://cluster.local/ns/shop/sa/orders";

    private static List<CandidateView> learn(String... requests) {
        CandidateTable t = new CandidateTable(100);
        int i = 0;
        for (String r : requests) {
            String[] parts = r.split(" ");
            t.add(Observation.of(Records.proxied(T0.plusSeconds(i++), parts[0], parts.length > 1 ? parts[1] : "CONNECT",
                    Reason.NO_SERVICE_ENTRY, "10.0.0.7", parts.length > 2 ? parts[2] : null)).orElseThrow());
        }
        return t.snapshot();
    }

    private static Suggestions suggest(List<CandidateView> c) {
        return new SuggestionBuilder(3).build(c, SuggestionBuilder.Filter.ALL, v -> false, T0.toEpochMilli());
    }

    @Test
    void wildcardsFollowThePublicSuffixList() {
        assertThat(WildcardGrouper.wildcardParent("bucket1.s3.amazonaws.com")).hasValue("s3.amazonaws.com");
        assertThat(WildcardGrouper.wildcardParent("a.api.example.com")).hasValue("api.example.com");
        assertThat(WildcardGrouper.wildcardParent("example.com")).isEmpty();
        assertThat(WildcardGrouper.wildcardParent("example.co.uk")).isEmpty();
        assertThat(WildcardGrouper.wildcardParent("svc.internal")).isEmpty();
        assertThat(WildcardGrouper.mayBeWildcarded("com")).isFalse();
        assertThat(WildcardGrouper.mayBeWildcarded("co.uk")).isFalse();
        assertThat(WildcardGrouper.mayBeWildcarded("s3.amazonaws.com")).isTrue();
    }

    @Test
    void severalSubdomainsBecomeOneWildcardButNeverOfARegistrySuffix() {
        List<WildcardGrouper.Group> groups = new WildcardGrouper(3).group(Set.of("b1.s3.amazonaws.com",
                "b2.s3.amazonaws.com", "b3.s3.amazonaws.com", "example.com", "other.com", "third.com", "one.api.test.com"));
        assertThat(groups).extracting(WildcardGrouper.Group::host).containsExactly("example.com", "one.api.test.com",
                "other.com", "*.s3.amazonaws.com", "third.com");
        assertThat(groups.get(3).names()).hasSize(3);
    }

    @Test
    void twoNamesStayNames() {
        assertThat(new WildcardGrouper(3).group(Set.of("a.example.com", "b.example.com")))
                .extracting(WildcardGrouper.Group::host).containsExactly("a.example.com", "b.example.com");
    }

    @Test
    void suggestsAWildcardAHostAndAnAddressThatTheValidatorAccepts() {
        Suggestions s = suggest(learn("a.shop.example.com:443", "b.shop.example.com:443", "c.shop.example.com:443",
                "a.shop.example.com:443", "books.example.org:80 GET", "10.1.2.3:6379"));
        assertThat(s.entries()).extracting(Suggestions.Entry::hosts).containsExactly(
                List.of("books.example.org"), List.of("*.shop.example.com"), List.of("ip-10-1-2-3.addresses.internal"));
        Suggestions.Entry wildcard = s.entries().get(1);
        assertThat(wildcard.covers()).isEqualTo(3);
        assertThat(wildcard.resolution()).isEqualTo("DYNAMIC_DNS");
        assertThat(wildcard.count()).isEqualTo(4);
        assertThat(wildcard.ports()).extracting(Suggestions.Port::protocol).containsExactly(io.portcullis.model.Protocol.TLS);
        Suggestions.Entry host = s.entries().get(0);
        assertThat(host.resolution()).isEqualTo("DNS");
        assertThat(host.addresses()).isEmpty();
        assertThat(host.ports()).extracting(Suggestions.Port::protocol).containsExactly(io.portcullis.model.Protocol.HTTP);
        Suggestions.Entry address = s.entries().get(2);
        assertThat(address.addresses()).containsExactly("10.1.2.3/32");
        assertThat(address.resolution()).isEqualTo("NONE");
        assertThat(address.ports()).extracting(Suggestions.Port::protocol).containsExactly(io.portcullis.model.Protocol.TCP);

        String yaml = SuggestionYaml.render(s);
        assertThat(yaml).contains(
                "# *.shop.example.com covers 3 names seen: a.shop.example.com, b.shop.example.com, c.shop.example.com",
                "# 4 connection(s), 4 refused; first seen 2026-12-03T08:00:00Z",
                "callers: 10.0.0.7 x4", "hosts: [\"*.shop.example.com\"]", "addresses: [\"10.1.2.3/32\"]");
        LoadResult loaded = FolderLoader.fromFiles(Map.of("suggested.yaml", yaml));
        assertThat(loaded.problems()).isEmpty();
        assertThat(loaded.resources().serviceEntries()).hasSize(3);
    }

    @Test
    void aNameIsNeverSuggestedByItsAddress() {
        Suggestions s = suggest(learn("api.example.com:443"));
        assertThat(s.entries()).singleElement().satisfies(e -> {
            assertThat(e.hosts()).containsExactly("api.example.com");
            assertThat(e.addresses()).isEmpty();
        });
    }

    @Test
    void callersWithAnIdentityGetAnAllowPolicyForExactlyWhatTheyUsed() {
        Suggestions s = suggest(learn("api.example.com:443 CONNECT " + ORDERS, "pay.example.net:8443 CONNECT " + ORDERS,
                "other.example.com:443"));
        assertThat(s.policies()).singleElement().satisfies(p -> {
            assertThat(p.principal()).isEqualTo("cluster.local/ns/shop/sa/orders");
            assertThat(p.hosts()).containsExactly("api.example.com", "pay.example.net");
            assertThat(p.ports()).containsExactly(443, 8443);
        });
        String yaml = SuggestionYaml.render(s);
        LoadResult loaded = FolderLoader.fromFiles(Map.of("suggested.yaml", yaml));
        assertThat(loaded.errors()).isEmpty();
        assertThat(loaded.resources().authorizationPolicies()).hasSize(1);
    }

    @Test
    void forAndSinceNarrowTheSuggestions() {
        List<CandidateView> c = learn("api.example.com:443 CONNECT " + ORDERS, "other.example.com:443");
        Suggestions forOrders = new SuggestionBuilder(3).build(c, new SuggestionBuilder.Filter(0, "shop"), v -> false, 0);
        assertThat(forOrders.entries()).extracting(e -> e.hosts().get(0)).containsExactly("api.example.com");
        Suggestions recent = new SuggestionBuilder(3).build(c, new SuggestionBuilder.Filter(T0.plusSeconds(1)
                .toEpochMilli(), null), v -> false, 0);
        assertThat(recent.entries()).extracting(e -> e.hosts().get(0)).containsExactly("other.example.com");
    }

    @Test
    void namesOfExistingResourcesAreNeverReused() {
        Suggestions s = new SuggestionBuilder(3).build(learn("books.example.org:8443"), SuggestionBuilder.Filter.ALL,
                v -> false, Set.of("books-example-org"), 0);
        assertThat(s.entries()).extracting(Suggestions.Entry::name).containsExactly("books-example-org-2");
    }

    @Test
    void whatIsDeclaredNowIsNotSuggestedAgain() {
        Suggestions s = new SuggestionBuilder(3).build(learn("api.example.com:443"), SuggestionBuilder.Filter.ALL,
                v -> true, 0);
        assertThat(s.entries()).isEmpty();
        assertThat(SuggestionYaml.render(s)).contains("Nothing to suggest");
    }
}
