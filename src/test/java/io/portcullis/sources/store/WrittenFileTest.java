package io.portcullis.sources.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.model.ObjectText;
import io.portcullis.model.RawFile.RawObject;
import io.portcullis.sources.FolderFile;
import io.portcullis.sources.FolderLoader;
import io.portcullis.sources.store.EditedDocument.Kept;
import io.portcullis.sources.store.EditedDocument.Written;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A file the store writes is parsed from the trees it wrote only when that gives exactly what
 * reading the file would; in every other case it is read like any file. Either way the result is
 * compared here with reading the text.
 */
class WrittenFileTest {
    static ObjectNode entry(String name, String host) {
        ObjectNode tree = ObjectText.mapper().createObjectNode();
        tree.put("apiVersion", "networking.istio.io/v1").put("kind", "ServiceEntry");
        tree.putObject("metadata").put("name", name).put("namespace", "default");
        ObjectNode spec = tree.putObject("spec");
        spec.putArray("hosts").add(host);
        spec.putArray("ports").addObject().put("number", 443).put("name", "https").put("protocol", "HTTPS");
        spec.put("resolution", "DNS");
        return tree;
    }

    static Written written(String head, ObjectNode tree) {
        String yaml = ObjectText.exactYaml(tree).orElseThrow();
        return new Written(head + yaml, RawObject.of(tree).orElseThrow(), WrittenFile.plainHead(head));
    }

    /** What {@link WrittenFile#of} makes, checked against reading the same text. */
    static FolderFile ofAndCompare(String name, EditedDocument... documents) {
        FolderFile made = WrittenFile.of(name, Arrays.asList(documents));
        FolderFile read = FolderFile.unwritten(name, made.text());
        assertThat(made.parsed()).as("the parse of %s", name).isEqualTo(read.parsed());
        assertThat(made.raw()).as("the documents of %s", name).isEqualTo(read.raw());
        return made;
    }

    @SuppressWarnings("ReferenceEquality")
    static boolean fromTrees(FolderFile f, Written w) {
        return f.raw().objects().get(0).tree() == w.object().tree();
    }

    @Test
    void aFileOfDocumentsTheStoreWroteIsTakenFromTheirTrees() {
        Written one = written("", entry("one", "one.example.com"));
        assertThat(fromTrees(ofAndCompare("a.yaml", one), one)).as("not parsed again").isTrue();

        Written two = written("---\n", entry("two", "two.example.com"));
        Written commented = written("--- # three, by hand\n# more words\n\n", entry("three", "3.example.com"));
        FolderFile three = ofAndCompare("b.yaml", one, null, two, commented);
        assertThat(fromTrees(three, one)).isTrue();
        assertThat(three.parsed().resources()).hasSize(3);
    }

    @Test
    void anythingElseIsReadFromItsText() {
        Written one = written("", entry("one", "one.example.com"));
        // A document kept as the file had it: the file is read.
        FolderFile withKept = FolderFile.unwritten("k.yaml", "# by hand\n" + one.text());
        FolderFile mixed = ofAndCompare("k.yaml", new Kept(withKept.raw().segments().get(0)), written("---\n",
                entry("two", "two.example.com")));
        assertThat(fromTrees(mixed, one)).isFalse();
        // A head with content after its separator.
        Written tagged = written("--- !!map\n", entry("t", "t.example.com"));
        assertThat(tagged.exact()).isFalse();
        ofAndCompare("t.yaml", tagged);
        // A key that YAML writes as a separator line: the text is cut where the store did not cut it.
        ObjectNode odd = entry("odd", "odd.example.com");
        odd.put("---", "x");
        ofAndCompare("odd.yaml", new Written(ObjectText.yaml(odd), RawObject.of(odd).orElseThrow(), true));
        // A string written over several lines, and strings that read as other types unless quoted.
        ObjectNode strings = entry("s", "s.example.com");
        ((ObjectNode) strings.get("metadata")).putObject("annotations").put("multi", "line one\n---\nline three")
                .put("yes", "yes").put("number", "0x1F").put("nothing", "~").put("colon", "a: b # c");
        ofAndCompare("s.yaml", written("", strings));
        // JSON, and a file too large to be read.
        ObjectNode j = entry("j", "j.example.com");
        ofAndCompare("j.json", new Written(ObjectText.json(j), RawObject.of(j).orElseThrow(), false));
        ObjectNode big = entry("big", "big.example.com");
        ArrayNode hosts = (ArrayNode) big.get("spec").get("hosts");
        for (int i = 0; hosts.size() * "- h000000.example.test\n".length() < FolderLoader.MAX_FILE_BYTES; i++) {
            hosts.add("h" + i + ".example.test");
        }
        FolderFile tooLarge = ofAndCompare("big.yaml", written("", big));
        assertThat(tooLarge.parsed().problems()).extracting(Object::toString).singleElement().asString()
                .contains("larger than 4 MiB");
    }

    @Test
    void aHeadIsPlainWhenItHoldsOnlyCommentsBlankLinesAndASeparator() {
        assertThat(WrittenFile.plainHead("")).isTrue();
        assertThat(WrittenFile.plainHead("---\n")).isTrue();
        assertThat(WrittenFile.plainHead("---   # c next\n# and\n\n")).isTrue();
        assertThat(WrittenFile.plainHead("--- !!map\n")).isFalse();
        assertThat(WrittenFile.plainHead("--- {a: 1}\n")).isFalse();
        assertThat(WrittenFile.plainHead("----\n")).isFalse();
    }
}
