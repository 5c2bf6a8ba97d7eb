package io.portcullis.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RawFileTest {
    private static final String A = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: a\nspec: {}\n";
    private static final String B = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: b\n"
            + "  namespace: team\nspec: {}\n";

    @Test
    void segmentsConcatenateToTheTextAndNameTheirResources() {
        String text = "# head\n" + A + "--- # second\n# about b\n" + B + "---\n";
        RawFile f = RawFile.split("x.yaml", text);
        assertThat(f.text()).isEqualTo(text);
        assertThat(f.segments()).hasSize(3);
        assertThat(f.segments().get(0).isSolely(new ResourceId("Gateway", "default", "a"))).isTrue();
        assertThat(f.segments().get(1).isSolely(new ResourceId("Gateway", "team", "b"))).isTrue();
        assertThat(f.segments().get(1).head()).isEqualTo("--- # second\n# about b\n");
        assertThat(f.segments().get(0).head()).isEqualTo("# head\n");
        assertThat(f.segments().get(2).isEmpty()).isTrue();
        assertThat(f.objects()).extracting(o -> o.id().toString())
                .containsExactly("Gateway/default/a", "Gateway/team/b");
    }

    @Test
    void listsAndBrokenDocumentsCannotBeReplacedAlone() {
        RawFile list = RawFile.split("l.yaml", "kind: List\napiVersion: v1\nitems:\n- " + A.replace("\n", "\n  "));
        assertThat(list.segments().get(0).list()).isTrue();
        assertThat(list.segments().get(0).isSolely(new ResourceId("Gateway", "default", "a"))).isFalse();
        RawFile broken = RawFile.split("b.yaml", A + "---\nkind: [\n");
        assertThat(broken.segments().get(0).readable()).isTrue();
        assertThat(broken.segments().get(1).readable()).isFalse();
        RawFile json = RawFile.split("j.json", "{\"apiVersion\":\"v1\",\"kind\":\"Gateway\",\"metadata\":{\"name\":\"a\"}}");
        assertThat(json.segments()).singleElement().satisfies(s -> assertThat(s.objects()).hasSize(1));
    }

    @Test
    void writtenYamlReadsBackAsTheSameTree() {
        String tricky = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: t\n"
                + "  annotations: {a: \"yes\", b: \"0123\", c: \"*.x\", d: \"true\", e: \"1.5\", f: \"null\", g: \"~\","
                + " h: \"- x\", i: \"a: b\", j: \"#c\", k: \"\"}\nspec:\n  hosts: [\"*.example.com\"]\n";
        RawFile.RawObject o = RawFile.split("t.yaml", tricky).objects().get(0);
        String written = ObjectText.yaml(o.tree());
        assertThat(RawFile.split("t.yaml", written).objects().get(0).tree()).isEqualTo(o.tree());
        assertThat(RawFile.split("t.json", ObjectText.json(o.tree())).objects().get(0).tree()).isEqualTo(o.tree());
    }
}
